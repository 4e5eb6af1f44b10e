package io.salve.cli;

import io.salve.core.edit.Direction;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditTemplate;
import io.salve.pipeline.Control;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Which feature to edit and how: {@code --feature} or {@code --class}, {@code --method}, {@code --rows}. */
final class FeatureOptions {

    @Option(names = "--feature", description = "SAE feature (latent) to edit. Default: the --class's dominant feature.")
    Integer feature;

    @Option(names = "--class", description = "Class index; its dominant feature (catalog.json) is the default feature.")
    Integer cls;

    @Option(names = "--method", defaultValue = "salve",
            description = "salve (the paper's gate), rank1 or projection. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--rows", split = ",", description = "Head rows (classes) to edit, e.g. 3,5. Default: all.")
    List<Integer> rows = new ArrayList<>();

    /** The edit without its strength, checked against the bundle's head and SAE. */
    EditTemplate template(CommandSpec spec, Control control, Direction direction) {
        if (feature == null && cls == null) {
            throw new ParameterException(spec.commandLine(), "name a --feature or a --class");
        }
        int l = feature != null ? feature : control.dominantFeature(cls);
        EditTemplate template = new EditTemplate(l, EditMethod.parse(method), direction, rows);
        template.validate(control.head(), control.sae());
        return template;
    }
}
