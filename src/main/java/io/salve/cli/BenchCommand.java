package io.salve.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.bench.ServeBenchmark;
import io.salve.core.SalveException;
import io.salve.data.FashionMnist;
import io.salve.model.Bundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark the service on embedded defaults against the model's in-process ceiling; writes "
                + "JSON under target/benchmarks/.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--requests", defaultValue = "5000", description = "Requests per phase. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = "--warmup", defaultValue = "10000",
            description = "Requests sent at saturation before measuring, not counted (JIT). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Mixin
    ConfigOption config;

    @Option(names = "--out", defaultValue = "target/benchmarks/serve-latest.json")
    Path out;

    @Option(names = "--telemetry-cost", defaultValue = "0", paramLabel = "ROUNDS",
            description = "Instead: saturated throughput with telemetry and diagnostics off, on without per-request records, "
                    + "and on, ROUNDS times each, side by side under one suppression edit; writes telemetry-cost.json "
                    + "next to --out.")
    int telemetryCost;

    @Override
    public Integer call() throws IOException {
        Path work = Files.createTempDirectory("salve-bench");
        // Unresolved: the benchmark's overrides (ports, broker and journal directories) must reach derived settings.
        Config base = config.unresolved(ConfigFactory.empty());
        try (ConsoleProgress progress = new ConsoleProgress()) {
            if (telemetryCost > 0) {
                ServeBenchmark.TelemetryCost c = ServeBenchmark.telemetryCost(base, work,
                        FashionMnist.test(FashionMnist.defaultDir()), requests, telemetryCost, progress);
                Path file = out.toAbsolutePath().resolveSibling("telemetry-cost.json");
                Files.createDirectories(file.getParent());
                Bundle.JSON.writeValue(file.toFile(), c);
                for (ServeBenchmark.Variant v : c.variants()) {
                    spec.commandLine().getOut().printf("%-28s median %4.0f req/s (cost %5.1f%%)  rounds %s%n", v.name(),
                            v.median(), 100 * v.cost(), v.throughput());
                }
                spec.commandLine().getOut().printf("failed %d, lost %d; %s%n", c.failed(), c.lost(), file);
                return 0;
            }
            ServeBenchmark.Result r = ServeBenchmark.run(base, work,
                    FashionMnist.test(FashionMnist.defaultDir()), requests, warmup, progress);
            Files.createDirectories(out.toAbsolutePath().getParent());
            Bundle.JSON.writeValue(out.toFile(), r);
            spec.commandLine().getOut().printf("ceiling %.0f img/s (batch %d, %s intra-op threads; before/after %.0f/%.0f);"
                            + " service %.0f req/s (ratio %.2f, mean batch %.1f), p50 %.1f ms, p99 %.1f ms saturated;"
                            + " at %.0f req/s: p50 %.1f ms, p99 %.1f ms; failed %d, lost %d; %s%n",
                    r.ceilingImagesPerSecond(), r.maxBatch(), r.intraOpThreads(), r.ceilingRuns().get(0),
                    r.ceilingRuns().get(1), r.throughput(), r.ratio(), r.meanBatchSize(), r.saturated().p50Ms(),
                    r.saturated().p99Ms(), r.rateAt70(), r.at70().p50Ms(), r.at70().p99Ms(), r.failed(), r.lost(), out);
            if (r.lost() > 0) {
                throw new SalveException("REQUESTS_LOST", r.lost() + " requests were not answered");
            }
        }
        return 0;
    }
}
