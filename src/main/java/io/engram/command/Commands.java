package io.engram.command;

import picocli.CommandLine;

/** How every command of {@code ./engram} parses its arguments: a bad, unknown or missing flag prints the error and the usage (exit 2). */
public final class Commands {

    private Commands() {
    }

    /** The command line for {@code command}, with that error handling. */
    public static CommandLine of(Object command) {
        CommandLine line = new CommandLine(command);
        line.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println(failed.getColorScheme().errorText(e.getMessage()));
            failed.usage(failed.getErr());
            return failed.getCommandSpec().exitCodeOnInvalidInput();
        });
        return line;
    }

    /** Runs {@code command} on {@code args} and exits with its code. */
    public static void run(Object command, String[] args) {
        System.exit(of(command).execute(args));
    }
}
