package io.engram.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits whose failure says what was expected and what was last seen. */
public final class Await {

    private Await() {
    }

    public static void until(Duration timeout, String expectation, BooleanSupplier condition, Supplier<Object> lastSeen) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + expectation, e);
            }
        }
        if (!condition.getAsBoolean()) {
            throw new AssertionError("Expected within " + timeout.toSeconds() + " s: " + expectation
                    + "; last seen: " + lastSeen.get());
        }
    }
}
