package io.salve.cli;

import io.salve.core.FeatureSelection;
import io.salve.core.SalveException;
import io.salve.core.edit.Direction;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditTemplate;
import io.salve.core.edit.RowScope;
import io.salve.pipeline.Control;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Which feature to edit and how: {@code --feature} or {@code --class}, {@code --selection}, {@code --method}, {@code --rows}. */
final class FeatureOptions {

    @Option(names = "--feature", description = "SAE feature (latent) to edit. Default: the --class's feature (see "
            + "--selection).")
    Integer feature;

    @Option(names = "--class", description = "Class index; its feature (catalog.json) is the default feature.")
    Integer cls;

    @Option(names = "--selection", defaultValue = "selective", description = "Which of the class's features: selective "
            + "(distinguishes it from the other classes most) or dominant (largest |mean|, the paper's). "
            + "Default: ${DEFAULT-VALUE}.")
    String selection;

    @Option(names = "--method", defaultValue = "salve",
            description = "salve (the paper's gate), rank1 or projection. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--rows", split = ",", description = "Head rows to edit: all (the paper's per-feature edit, the "
            + "default), class (only --class's own row) or class indices, e.g. 3,5.")
    List<String> rows = new ArrayList<>();

    /** The edit without its strength, checked against the bundle's head and SAE. */
    EditTemplate template(CommandSpec spec, Control control, Direction direction) {
        if (feature == null && cls == null) {
            throw new ParameterException(spec.commandLine(), "name a --feature or a --class");
        }
        int l = feature != null ? feature : control.feature(cls, selection());
        EditTemplate template = new EditTemplate(l, EditMethod.parse(method), direction, rows(spec));
        template.validate(control.head(), control.sae());
        return template;
    }

    FeatureSelection selection() {
        return FeatureSelection.parse(selection);
    }

    /** {@code --rows} as a scope of {@code --class}, when it names one ("all" or "class"); null for explicit rows. */
    RowScope scope() {
        return rows.isEmpty() ? RowScope.ALL : rows.size() == 1 && !rows.get(0).trim().matches("-?\\d+")
                ? RowScope.parse(rows.get(0).trim()) : null;
    }

    /** The head rows {@code --rows} names (empty: all). */
    List<Integer> rows(CommandSpec spec) {
        RowScope scope = scope();
        if (scope == RowScope.CLASS && cls == null) {
            throw new ParameterException(spec.commandLine(), "--rows class needs a --class");
        }
        if (scope != null) {
            return scope.rows(cls == null ? 0 : cls);
        }
        try {
            return rows.stream().map(String::trim).map(Integer::valueOf).toList();
        } catch (NumberFormatException e) {
            throw new SalveException("UNKNOWN_ROWS", "--rows takes all, class or class indices, not " + rows);
        }
    }
}
