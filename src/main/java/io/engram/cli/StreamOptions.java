package io.engram.cli;

import io.engram.data.FashionMnist;
import io.engram.data.PermutedStream;
import io.engram.data.RotatedStream;
import io.engram.data.TaskStream;
import picocli.CommandLine.Option;

/** The benchmark stream options shared by {@code ./engram feed --benchmark} and {@code ./engram demo}. */
final class StreamOptions {

    /** Which benchmark stream. */
    enum Kind { permuted, rotated }

    @Option(names = "--tasks", defaultValue = "10", description = "tasks (default: ${DEFAULT-VALUE})")
    int tasks;

    @Option(names = "--per-task", defaultValue = "1000", description = "train examples per task (default: ${DEFAULT-VALUE})")
    int perTask;

    @Option(names = "--eval-per-task", defaultValue = "500", description = "eval examples per task (default: ${DEFAULT-VALUE})")
    int evalPerTask;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the permutations and draws (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--step-degrees", defaultValue = "18", description = "rotation between rotated tasks (default: ${DEFAULT-VALUE})")
    double stepDegrees;

    TaskStream stream(Kind kind, FashionMnist data) {
        return kind == Kind.rotated
                ? RotatedStream.create(tasks, perTask, evalPerTask, stepDegrees, data.trainImages().length, seed)
                : PermutedStream.create(tasks, perTask, evalPerTask, data.trainImages().length, seed);
    }
}
