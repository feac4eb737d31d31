package io.engram;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The service's classes (what the production jar is built from) hold no benchmark and no test
 * code: the benchmarks live in src/bench/java and the test doubles in src/test/java.
 */
class ProductionClassesTest {

    /** The benchmark harness's package, and the names test doubles and benchmarks go by. */
    private static final Pattern FORBIDDEN_NAME = Pattern.compile(
            "io/engram/bench/.*|.*/[^/]*Benchmark[^/]*\\.class|.*/(Counting|Fake|Stub)[^/]*\\.class");
    /** Libraries only the tests and benchmarks have: a class that names one is test code. */
    private static final List<String> TEST_LIBRARIES = List.of("org/junit/", "org/assertj/", "org/openjdk/jmh/", "io/restassured/",
            "io/quarkus/test/");

    @Test
    void productionClasses_holdNoBenchmarkOrTestDouble() throws Exception {
        assertThat(offending(productionClasses())).as("benchmark or test classes among the service's classes in %s", productionClasses())
                .isEmpty();
    }

    @Test
    void offending_findsABenchmarkAndATestDouble(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        // the check itself can fail: a tree with a harness class, a double and a class that uses JUnit
        Path engram = Files.createDirectories(dir.resolve("io/engram/learn"));
        Files.createDirectories(dir.resolve("io/engram/bench"));
        Files.write(dir.resolve("io/engram/bench/Bench.class"), new byte[] {1});
        Files.write(engram.resolve("CountingLearner.class"), new byte[] {1});
        Files.write(engram.resolve("LearnerStepBenchmark.class"), new byte[] {1});
        Files.write(engram.resolve("UsesJunit.class"), "Lorg/junit/jupiter/api/Test;".getBytes(StandardCharsets.ISO_8859_1));
        Files.write(engram.resolve("JvmMlp.class"), "Ljava/lang/Object;".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(offending(dir)).containsExactlyInAnyOrder("io/engram/bench/Bench.class", "io/engram/learn/CountingLearner.class",
                "io/engram/learn/LearnerStepBenchmark.class", "io/engram/learn/UsesJunit.class (uses org/junit/)");
    }

    /** target/classes: where the service's classes were loaded from in this test run. */
    private static Path productionClasses() throws URISyntaxException {
        Path classes = Path.of(EngramLifecycle.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes.resolve("io/engram/EngramLifecycle.class")).as("the service's classes as a folder").exists();
        return classes;
    }

    private static List<String> offending(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".class")).forEach(f -> {
                String name = root.relativize(f).toString().replace('\\', '/');
                if (FORBIDDEN_NAME.matcher(name).matches()) {
                    found.add(name);
                    return;
                }
                String constants = read(f);
                TEST_LIBRARIES.stream().filter(constants::contains).findFirst().ifPresent(library -> found.add(name + " (uses " + library + ")"));
            });
        }
        return found;
    }

    private static String read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
