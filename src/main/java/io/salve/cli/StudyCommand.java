package io.salve.cli;

import picocli.CommandLine.Command;

/** Studies that sweep a setting and tabulate what it changes. */
@Command(name = "study", mixinStandardHelpOptions = true, subcommands = StudySaeCommand.class,
        description = "Sweep a setting and tabulate its effect (study sae: SAE kinds and sparsity).")
final class StudyCommand {
}
