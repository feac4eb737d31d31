package io.engram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/**
 * Java deserialization is refused JVM-wide ({@code -Djdk.serialFilter=!*}) in the test JVMs, and
 * the launcher, the Dockerfiles and the packaged-service tests start every JVM with the same filter.
 */
class SerialFilterTest {

    static final String FILTER = "-Djdk.serialFilter=!*";

    @Test
    void thisJvmRefusesEveryJavaDeserialization() throws Exception {
        assertThat(System.getProperty("jdk.serialFilter")).as("jdk.serialFilter of the test JVM").isEqualTo("!*");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new ArrayList<>(java.util.List.of("a")));
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThatThrownBy(in::readObject).isInstanceOf(InvalidClassException.class).hasMessageContaining("REJECTED");
        }
    }

    @Test
    void everyJvmWeStartHasTheFilter() throws Exception {
        String launcher = Files.readString(Path.of("engram"));
        // every java command but JMH's (it talks to its forked JVMs through Java serialization)
        java.util.List<String> commands = launcher.lines().filter(l -> l.matches("\\s*(exec )?java .*") && !l.contains("org.openjdk.jmh")).toList();
        assertThat(commands).as("java commands in ./engram").hasSizeGreaterThan(5)
                .allSatisfy(l -> assertThat(l).contains("\"${JVM_FLAGS[@]}\""));
        assertThat(launcher).contains("JVM_FLAGS=(").contains("'-Djdk.serialFilter=!*'");
        for (String dockerfile : new String[] {"deploy/Dockerfile", "deploy/Dockerfile.gpu"}) {
            String entrypoint = Files.readString(Path.of(dockerfile)).lines().filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElse("");
            assertThat(entrypoint).as(dockerfile).contains("\"" + FILTER + "\"");
        }
        assertThat(Files.readString(Path.of("src/test/java/io/engram/support/ServiceProcess.java"))).contains("\"" + FILTER + "\"");
    }
}
