package io.engram.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** The packaged service ({@code target/quarkus-app/quarkus-run.jar}) started as a separate JVM. */
public final class ServiceProcess implements AutoCloseable {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final Path log;
    private final int httpPort;

    private ServiceProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** Starts the service with a fresh data folder, a free HTTP port and the given environment. */
    public static ServiceProcess start(Map<String, String> environment) {
        if (!Files.exists(JAR)) {
            throw new AssertionError(JAR + " is missing: run the integration tests with `mvn verify` (after package)");
        }
        try {
            Path dir = Files.createDirectories(Path.of("target", "process-it", UUID.randomUUID().toString()));
            int httpPort = freePort();
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                    "--add-modules", "jdk.incubator.vector", "-Djdk.serialFilter=!*", "-jar", JAR.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("service.log").toFile());
            builder.environment().put("OMP_NUM_THREADS", "1");
            builder.environment().put("ENGRAM_DATA_DIR", dir.resolve("data").toString());
            builder.environment().put("ENGRAM_KAFKA_EMBEDDED_PORT", "0");
            builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
            builder.environment().putAll(environment);
            return new ServiceProcess(builder.start(), dir.resolve("service.log"), httpPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int httpPort() {
        return httpPort;
    }

    public Process process() {
        return process;
    }

    public String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** GET on the service; returns status code and body, or code -1 when it does not answer. */
    public Response get(String path) {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + path).toURL().openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(10_000);
            int code = connection.getResponseCode();
            var stream = code < 400 ? connection.getInputStream() : connection.getErrorStream();
            String body = stream == null ? "" : new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            return new Response(code, body);
        } catch (IOException e) {
            return new Response(-1, e.toString());
        }
    }

    public record Response(int code, String body) {
    }

    /** Waits until {@code /q/health/ready} answers 200; returns the time it took. */
    public Duration awaitReady(Duration timeout) {
        long start = System.nanoTime();
        Await.until(timeout, "service ready (GET /q/health/ready = 200)",
                () -> process.isAlive() && get("/q/health/ready").code() == 200,
                () -> "alive=" + process.isAlive() + ", ready=" + get("/q/health/ready") + ", output tail: " + tail());
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Waits for the process to exit on its own and returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("Expected the service to exit within " + timeout.toSeconds() + " s; output tail: " + tail());
        }
        return process.exitValue();
    }

    public String tail() {
        String out = output();
        return out.length() <= 3000 ? out : out.substring(out.length() - 3000);
    }

    /** SIGTERM, then SIGKILL if it does not stop within 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * A port free now, below Linux's ephemeral range (32768 and up): an ephemeral port found free can
     * be taken by any outgoing connection (a Kafka client's) before the service binds it, which made
     * a packaged instance fail to start once in CI ("Port ... seems to be in use").
     */
    public static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = random.nextInt(20_000, 32_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
