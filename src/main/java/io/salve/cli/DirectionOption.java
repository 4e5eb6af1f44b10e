package io.salve.cli;

import io.salve.core.edit.Direction;
import picocli.CommandLine.Option;

/** {@code --direction suppress|enhance}, for the commands that edit both ways. */
final class DirectionOption {

    @Option(names = "--direction", defaultValue = "suppress", description = "suppress or enhance. Default: ${DEFAULT-VALUE}.")
    String direction;

    Direction parse() {
        return Direction.parse(direction);
    }
}
