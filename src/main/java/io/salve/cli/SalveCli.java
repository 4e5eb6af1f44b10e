package io.salve.cli;

import io.salve.core.SalveException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code salve} command line: one sub-command per SALVE stage. */
@Command(name = "salve", mixinStandardHelpOptions = true, version = "salve 0.1.0",
        description = "SALVE: discover, validate, edit and diagnose the features an image classifier relies on.",
        subcommands = {DemoCommand.class, TrainCommand.class, ImportCommand.class, SaeCommand.class, FeaturesCommand.class,
                GradFamCommand.class, MaximizeCommand.class, EditCommand.class, SweepCommand.class,
                AlphaCritCommand.class, ReportCommand.class, StudyCommand.class, ExportCommand.class,
                ServeCommand.class, BenchCommand.class,
                BrokerCommand.class, CommandLine.HelpCommand.class})
public final class SalveCli {

    /** Exit code for errors the user can fix (bad input, missing data); 1 stays for bugs. */
    static final int USER_ERROR = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new SalveCli())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof SalveException se) {
                        cmd.getErr().println("error [" + se.code() + "]: " + se.getMessage());
                        return USER_ERROR;
                    }
                    throw e;
                });
    }
}
