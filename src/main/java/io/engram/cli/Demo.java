package io.engram.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.broker.KafkaClients;
import io.engram.command.CommandSettings;
import io.engram.config.LearnerMethod;
import io.engram.data.FashionMnist;
import io.engram.data.ProtocolRunner;
import io.engram.data.TaskStream;
import io.engram.network.Activation;
import io.engram.learn.LearnerSettings;
import io.engram.network.MlpSpec;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The client half of {@code ./engram demo} (the script starts the service): streams permuted
 * Fashion-MNIST through Kafka into the running service, shows progress per task, prints the
 * accuracy matrix and the forgetting figures the service published, and compares them with plain
 * fine-tuning on the same stream.
 */
public final class Demo {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Demo() {
    }

    @picocli.CommandLine.Command(name = "engram demo", mixinStandardHelpOptions = true,
            description = "Stream permuted Fashion-MNIST through the running service and print what it learned.")
    static final class Options implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        StreamOptions stream = new StreamOptions();

        @picocli.CommandLine.Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the service (default: ${DEFAULT-VALUE})")
        String url;

        @picocli.CommandLine.Option(names = "--model", defaultValue = "demo", description = "model id (default: ${DEFAULT-VALUE})")
        String model;

        @Override
        public Integer call() throws Exception {
            run(this);
            return 0;
        }
    }

    public static void main(String[] args) {
        io.engram.command.Commands.run(new Options(), args);
    }

    private static void run(Options o) throws Exception {
        String url = o.url;
        String model = o.model;
        PrintStream out = System.out;
        JsonNode status = get(url + "/api/status");
        CommandSettings settings = CommandSettings.load();
        KafkaClients clients = settings.kafkaClients(status.get("bootstrap_servers").asText());
        FashionMnist data = Feed.data();
        TaskStream stream = o.stream.stream(StreamOptions.Kind.permuted, data);
        int evalPerTask = o.stream.evalPerTask;
        List<byte[]> records = StreamProducer.records(data, stream, evalPerTask);
        out.printf("Streaming %d %s tasks × %d train + %d eval examples to model '%s' through Kafka at %s%n", stream.tasks(),
                stream.kind(), stream.perTask(), evalPerTask, model, status.get("bootstrap_servers").asText());
        StreamProducer.produce(clients, settings.topics(null).examples(), model, records, 0, System.err);

        long total = (long) stream.tasks() * stream.perTask();
        long start = System.nanoTime();
        long lastTrained = 0;
        long lastTime = start;
        double rate = 0;
        int shownTask = -1;
        while (true) {
            JsonNode m = get(url + "/api/status").path("models").path(model);
            long trained = m.path("trained").asLong(0);
            int ended = m.path("tasks_ended").size();
            long now = System.nanoTime();
            if (now - lastTime > 1_000_000_000L) {
                rate = (trained - lastTrained) / ((now - lastTime) / 1e9);
                lastTrained = trained;
                lastTime = now;
            }
            int task = (int) Math.min(stream.tasks() - 1, trained / stream.perTask());
            if (task != shownTask && shownTask >= 0) {
                out.println();
            }
            shownTask = task;
            long inTask = trained - (long) task * stream.perTask();
            out.print("\r" + Progress.bar(String.format(Locale.ROOT, "task %2d/%d", task + 1, stream.tasks()), inTask, stream.perTask(), rate,
                    String.format(Locale.ROOT, "lag %6d  loss %s", total - trained, m.path("train_loss").isNumber()
                            ? String.format(Locale.ROOT, "%.3f", m.get("train_loss").asDouble()) : "-")));
            if (ended >= stream.tasks()) {
                break;
            }
            Thread.sleep(500);
        }
        out.println();
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonNode metrics = get(url + "/api/models/" + model + "/metrics");
        JsonNode manifest = get(url + "/api/models/" + model + "/latest");
        String method = manifest.path("training").path("method").asText() + " + "
                + manifest.path("training").path("consolidation").path("method").asText();
        out.printf("%nLearned %d examples in %.0f s (%.0f examples/s, produce to learned, including evaluation and consolidation)%n",
                total, seconds, total / seconds);
        out.printf("%nAccuracy matrix R[i][j] (%%): row = after task i, column = task j%n");
        JsonNode rows = metrics.get("matrix");
        for (int i = 0; i < rows.size(); i++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  after %2d |", i));
            for (JsonNode v : rows.get(i)) {
                line.append(v.isNull() ? "   ." : String.format(Locale.ROOT, "%4d", Math.round(100 * v.asDouble())));
            }
            out.println(line);
        }
        out.println("\nFine-tuning (plain SGD, no replay, no consolidation) on the same stream, learner only, for comparison...");
        MlpSpec spec = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);
        LearnerSettings fineTuning = ProtocolRunner.settings(spec, LearnerMethod.ONLINE, 200, 1, 1, 42);
        ProtocolRunner.Result baseline = new ProtocolRunner(data, stream, new PrintStream(java.io.OutputStream.nullOutputStream()))
                .run("fine-tuning", fineTuning, stream.tasks(), true);
        out.printf("%n%-28s %8s %8s %8s %8s %11s%n", "", "ACC", "LA", "BWT", "FWT", "forgetting");
        out.printf("%-28s %8s %8s %8s %8s %11s%n", "Engram (" + method + ")", f(metrics.get("acc")), f(metrics.get("la")),
                f(metrics.get("bwt")), f(metrics.get("fwt")), f(metrics.get("forgetting")));
        Map<String, Double> b = baseline.figures();
        out.printf("%-28s %8.3f %8.3f %8.3f %8.3f %11.3f%n", "fine-tuning", b.get("acc"), b.get("la"), b.get("bwt"), b.get("fwt"),
                b.get("forgetting"));
        out.println("\nFormulas (docs/algorithms.md): " + metrics.get("formulas"));
        out.printf("%nDashboard: %s/   Versions: %s/api/models   Pull one: ./engram pull --model %s --version latest --out model.zip%n",
                url, url, model);
    }

    private static String f(JsonNode v) {
        return v == null || v.isNull() ? "-" : String.format(Locale.ROOT, "%.3f", v.asDouble());
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
