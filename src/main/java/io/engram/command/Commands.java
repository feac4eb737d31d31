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

    /**
     * Parses {@code --name value} options of a command whose options are many and mode-dependent
     * (the benchmarks): every name must be one of {@code known}, every option needs a value; an
     * unknown or valueless one prints the error and the usage, and exits with 2.
     *
     * @return the options given, by name without the dashes
     */
    public static java.util.Map<String, String> options(String name, java.util.List<String> known, String[] args) {
        CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create().name(name);
        spec.mixinStandardHelpOptions(true);
        for (String option : known) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("--" + option).paramLabel("<" + option + ">").type(String.class).build());
        }
        CommandLine line = of(spec);
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        try {
            CommandLine.ParseResult result = line.parseArgs(args);
            if (CommandLine.printHelpIfRequested(result)) {
                System.exit(0);
            }
            for (CommandLine.Model.OptionSpec option : result.matchedOptions()) {
                if (option.longestName().startsWith("--") && known.contains(option.longestName().substring(2))) {
                    options.put(option.longestName().substring(2), option.getValue());
                }
            }
        } catch (CommandLine.ParameterException e) {
            int code;
            try {
                code = line.getParameterExceptionHandler().handleParseException(e, args);
            } catch (Exception handlerFailed) {
                code = 2;
            }
            System.exit(code);
        }
        return options;
    }
}
