package io.engram.bench;

import io.engram.command.Commands;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** The options of the benchmarks whose options are many and depend on the mode ({@code bench protocol|throughput|…}, {@code bench e2e}). */
final class BenchOptions {

    private BenchOptions() {
    }

    /**
     * Parses {@code --name value} options of a command whose options are many and mode-dependent
     * (the benchmarks): every name must be one of {@code known}, every option needs a value; an
     * unknown or valueless one prints the error and the usage, and exits with 2.
     *
     * @return the options given, by name without the dashes
     */
    static Map<String, String> parse(String name, List<String> known, String[] args) {
        CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create().name(name);
        spec.mixinStandardHelpOptions(true);
        for (String option : known) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("--" + option).paramLabel("<" + option + ">").type(String.class).build());
        }
        CommandLine line = Commands.of(spec);
        Map<String, String> options = new LinkedHashMap<>();
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

    /**
     * Deletes {@code dir} and everything under it, if it exists: the benches' brokers and services write
     * gigabytes of logs and state (a few runs filled a 250 GB disk before they cleaned up after themselves).
     */
    static void deleteTree(java.nio.file.Path dir) {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
