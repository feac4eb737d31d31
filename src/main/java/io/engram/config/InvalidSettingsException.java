package io.engram.config;

import java.util.List;

/** Settings that cannot work; start-up stops with this message. */
public final class InvalidSettingsException extends RuntimeException {

    private final List<String> problems;

    public InvalidSettingsException(List<String> problems) {
        super("Engram cannot start, fix these settings (application.properties or ENGRAM_* environment variables):\n  "
                + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
