package io.salve.cli;

import com.typesafe.config.ConfigFactory;
import io.salve.core.SaeConfig;
import io.salve.core.SaeKind;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.RowScope;
import io.salve.model.Bundle;
import io.salve.pipeline.Control;
import io.salve.pipeline.Discovery;
import io.salve.pipeline.SaeStudy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sae", mixinStandardHelpOptions = true,
        description = "Train an SAE per kind, lambda and width (into --out, never over the bundle's sae.npz) and "
                + "tabulate fvu, mean L0, dead latents, distinct features and the classes each strategy suppresses "
                + "(study.json, study.md, study.png).")
final class StudySaeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BundleOptions options = new BundleOptions();

    @Option(names = "--kinds", split = ",", defaultValue = "linear", description = "SAE kinds. Default: ${DEFAULT-VALUE}.")
    List<String> kinds;

    @Option(names = "--l1", split = ",", defaultValue = "0.01,0.03,0.1,0.3",
            description = "L1 weights lambda. Default: ${DEFAULT-VALUE}.")
    List<Double> l1;

    @Option(names = "--latents", split = ",", defaultValue = "64", description = "SAE widths. Default: ${DEFAULT-VALUE}.")
    List<Integer> latents;

    @Option(names = "--k", defaultValue = "8", description = "Latents kept per input by topk SAEs. Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(names = "--epochs", defaultValue = "20")
    int epochs;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--methods", split = ",", defaultValue = "salve,rank1,projection",
            description = "Edit methods. Default: ${DEFAULT-VALUE}.")
    List<String> methods;

    @Option(names = "--max-features", defaultValue = "3",
            description = "Features the default strategy may use per class. Default: ${DEFAULT-VALUE}.")
    int maxFeatures;

    @Option(names = "--out", description = "Study directory. Default: <bundle>/study/sae.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Bundle b = options.open();
        List<SaeConfig> configs = new ArrayList<>();
        for (String kind : kinds) {
            SaeKind parsed = SaeKind.parse(kind);
            for (int width : latents) {
                for (double lambda : l1) {
                    configs.add(new SaeConfig(parsed, width, lambda, parsed == SaeKind.TOPK ? Math.min(k, width) : 0,
                            epochs, seed));
                }
            }
        }
        double maxAlpha = options.config.unresolved(ConfigFactory.empty()).resolve().getDouble("salve.edits.max-alpha");
        SaeStudy.Settings settings = new SaeStudy.Settings(methods.stream().map(EditMethod::parse).distinct().toList(),
                List.of(RowScope.ALL, RowScope.CLASS), maxFeatures, maxAlpha);
        Path dir = out != null ? out : b.file("study/sae");
        try (ConsoleProgress progress = new ConsoleProgress()) {
            Discovery discovery = options.engine.discovery(progress);
            Discovery.DataRef data = options.data(b);
            Control.Written<SaeStudy.Table> w = SaeStudy.run(b, discovery.activations(b, data, "train"),
                    discovery.activations(b, data, "test"), configs, settings, dir, progress);
            spec.commandLine().getOut().printf("wrote %s, %s and %s%n%n%s", w.json(),
                    w.json().resolveSibling("study.md"), w.png(), Files.readString(w.json().resolveSibling("study.md")));
        }
        return 0;
    }
}
