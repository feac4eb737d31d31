package io.engram.cli;

import io.engram.bench.FashionMnist;
import io.engram.bench.PermutedStream;
import io.engram.bench.RotatedStream;
import io.engram.bench.TaskStream;
import io.engram.broker.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./engram feed}: a producer into any Kafka, with a progress bar.
 *
 * <pre>
 *   ./engram feed --file records.jsonl [--model M]                  one Engram record (JSON) per line
 *   ./engram feed --csv data.csv --task T [--label-column y] [--split train]   numeric columns become x
 *   ./engram feed --benchmark permuted|rotated [--tasks N --per-task N --eval-per-task N]
 *   --avro: send each record as Avro binary of schemas/example.avsc (header content-type: application/avro)
 *   common: --bootstrap HOST:PORT (or ENGRAM_KAFKA_BOOTSTRAP_SERVERS, default 127.0.0.1:ENGRAM_KAFKA_EMBEDDED_PORT or 9092),
 *           --topic (default engram.examples), --model (record key, default "default"), --rate N records/s
 * </pre>
 */
public final class Feed {

    private Feed() {
    }

    public static void main(String[] args) throws Exception {
        List<String> arguments = new ArrayList<>(List.of(args));
        boolean avro = arguments.remove("--avro");
        Map<String, String> o = options(arguments.toArray(String[]::new));
        String bootstrap = o.getOrDefault("bootstrap", io.engram.broker.KafkaClients.defaultBootstrap(System.getenv()));
        KafkaClients clients = new KafkaClients(bootstrap, KafkaClients.passThrough(System.getenv().keySet(), System.getenv()::get), 10_000);
        String topic = o.getOrDefault("topic", "engram.examples");
        List<byte[]> records;
        if (o.containsKey("file")) {
            records = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of(o.get("file")), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    records.add(line.getBytes(StandardCharsets.UTF_8));
                }
            }
        } else if (o.containsKey("csv")) {
            records = csv(Path.of(o.get("csv")), o.getOrDefault("task", "csv"), o.getOrDefault("label-column", "y"),
                    o.getOrDefault("split", "train"));
        } else if (o.containsKey("benchmark")) {
            FashionMnist data = data();
            records = StreamProducer.records(data, stream(o, data), Integer.parseInt(o.getOrDefault("eval-per-task", "500")));
        } else {
            System.err.println("usage: ./engram feed --file F | --csv F --task T | --benchmark permuted|rotated [--avro] [options]; see README");
            System.exit(2);
            return;
        }
        if (avro) {
            try {
                records = StreamProducer.toAvro(records);
            } catch (IllegalArgumentException e) {
                System.err.println("engram feed: " + e.getMessage());
                System.exit(1);
                return;
            }
        }
        System.err.printf("Feeding %d records (%s) to %s at %s (key %s)%n", records.size(), avro ? "Avro" : "JSON", topic, bootstrap,
                o.getOrDefault("model", "default"));
        StreamProducer.produce(clients, topic, o.getOrDefault("model", "default"), records,
                Double.parseDouble(o.getOrDefault("rate", "0")), System.err, avro);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return options;
    }

    /** Fashion-MNIST from Debian's package, or the synthetic stand-in (and it says which). */
    static FashionMnist data() throws java.io.IOException {
        if (FashionMnist.installed(FashionMnist.DEBIAN_PATH)) {
            System.err.println("Data: Fashion-MNIST from " + FashionMnist.DEBIAN_PATH);
            return FashionMnist.load(FashionMnist.DEBIAN_PATH);
        }
        System.err.println("Data: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist); "
                + "using a synthetic 10-class stream of 28x28 images instead");
        return FashionMnist.synthetic(20_000, 2_000, 7);
    }

    static TaskStream stream(Map<String, String> o, FashionMnist data) {
        int tasks = Integer.parseInt(o.getOrDefault("tasks", "10"));
        int perTask = Integer.parseInt(o.getOrDefault("per-task", "1000"));
        int evalPerTask = Integer.parseInt(o.getOrDefault("eval-per-task", "500"));
        long seed = Long.parseLong(o.getOrDefault("seed", "1"));
        return o.getOrDefault("benchmark", "permuted").equals("rotated")
                ? RotatedStream.create(tasks, perTask, evalPerTask, Double.parseDouble(o.getOrDefault("step-degrees", "18")),
                        data.trainImages().length, seed)
                : PermutedStream.create(tasks, perTask, evalPerTask, data.trainImages().length, seed);
    }

    private static List<byte[]> csv(Path file, String task, String labelColumn, String split) throws java.io.IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String[] header = lines.get(0).split(",");
        int label = java.util.Arrays.asList(header).indexOf(labelColumn);
        if (label < 0) {
            throw new IllegalArgumentException("no column '" + labelColumn + "' in " + file + "; columns: " + String.join(",", header));
        }
        List<byte[]> records = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",");
            StringBuilder x = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                if (i != label) {
                    x.append(x.length() == 0 ? "" : ",").append(cells[i].trim());
                }
            }
            String y = cells[label].trim();
            String labelJson = y.matches("-?\\d+") ? "\"y\":" + y : "\"label\":\"" + y.replace("\"", "") + "\"";
            records.add(("{\"task\":\"" + task + "\",\"split\":\"" + split + "\"," + labelJson + ",\"x\":[" + x + "]}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }
}
