package io.engram.cli;

import io.engram.data.FashionMnist;
import io.engram.broker.KafkaClients;
import io.engram.command.CommandSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./engram feed}: a producer into any Kafka, with a progress bar.
 *
 * <pre>
 *   ./engram feed --file records.jsonl [--model M]                  one Engram record (JSON) per line
 *   ./engram feed --csv data.csv --task T [--label-column y] [--split train]   numeric columns become x
 *   ./engram feed --benchmark permuted|rotated [--tasks N --per-task N --eval-per-task N]
 *   --avro: send each record as Avro binary of schemas/example.avsc (header content-type: application/avro)
 *   common: --bootstrap HOST:PORT (default: the service's broker, from its settings), --topic (default: the service's
 *           examples topic), --model (record key, default "default"), --rate N records/s
 * </pre>
 */
@picocli.CommandLine.Command(name = "engram feed", mixinStandardHelpOptions = true,
        description = "A producer into any Kafka, with a progress bar: a JSON-lines file, a CSV file or a benchmark stream.")
public final class Feed implements java.util.concurrent.Callable<Integer> {

    /** Exactly one source. */
    static final class Source {
        @picocli.CommandLine.Option(names = "--file", description = "one Engram record (JSON) per line")
        Path file;

        @picocli.CommandLine.Option(names = "--csv", description = "a CSV file with a header; numeric columns become x")
        Path csv;

        @picocli.CommandLine.Option(names = "--benchmark", description = "permuted or rotated Fashion-MNIST")
        StreamOptions.Kind benchmark;
    }

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @picocli.CommandLine.Mixin
    StreamOptions streamOptions = new StreamOptions();

    @picocli.CommandLine.Option(names = "--task", defaultValue = "csv", description = "task of the CSV records (default: ${DEFAULT-VALUE})")
    String task;

    @picocli.CommandLine.Option(names = "--label-column", defaultValue = "y", description = "CSV column of the label (default: ${DEFAULT-VALUE})")
    String labelColumn;

    @picocli.CommandLine.Option(names = "--split", defaultValue = "train", description = "train or eval, for CSV records (default: ${DEFAULT-VALUE})")
    String split;

    @picocli.CommandLine.Option(names = "--avro", description = "send Avro binary of schemas/example.avsc (header content-type: application/avro)")
    boolean avro;

    @picocli.CommandLine.Option(names = "--bootstrap", description = "Kafka; default the service's: engram.kafka.bootstrap-servers, "
            + "else its embedded broker at 127.0.0.1:engram.kafka.embedded.port (application.properties, the environment)")
    String bootstrap;

    @picocli.CommandLine.Option(names = "--topic", description = "default the service's examples topic (engram.topic-prefix + examples)")
    String topic;

    @picocli.CommandLine.Option(names = "--model", defaultValue = "default", description = "the record key (default: ${DEFAULT-VALUE})")
    String model;

    @picocli.CommandLine.Option(names = "--rate", defaultValue = "0", description = "records a second, 0 = as fast as possible")
    double rate;

    public static void main(String[] args) {
        io.engram.command.Commands.run(new Feed(), args);
    }

    @Override
    public Integer call() throws Exception {
        CommandSettings settings = CommandSettings.load();
        KafkaClients clients = settings.kafkaClients(bootstrap);
        String servers = clients.bootstrapServers();
        String topic = this.topic != null ? this.topic : settings.topics(null).examples();
        List<byte[]> records;
        try {
            if (source.file != null) {
                records = new ArrayList<>();
                for (String line : Files.readAllLines(source.file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        records.add(line.getBytes(StandardCharsets.UTF_8));
                    }
                }
            } else if (source.csv != null) {
                records = csv(source.csv, task, labelColumn, split);
            } else {
                FashionMnist data = data();
                records = StreamProducer.records(data, streamOptions.stream(source.benchmark, data), streamOptions.evalPerTask);
            }
            if (avro) {
                records = StreamProducer.toAvro(records);
            }
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("engram feed: " + e.getMessage());
            return 1;
        }
        System.err.printf("Feeding %d records (%s) to %s at %s (key %s)%n", records.size(), avro ? "Avro" : "JSON", topic, servers, model);
        StreamProducer.produce(clients, topic, model, records, rate, System.err, avro);
        return 0;
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

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * CSV with a header (RFC 4180: quoted cells, commas inside quotes): every column but the label's
     * becomes x in order; an integer label is {@code y}, any other {@code label}. Records are built
     * as JSON objects, so no cell can change their shape.
     */
    static List<byte[]> csv(Path file, String task, String labelColumn, String split) throws java.io.IOException {
        org.apache.commons.csv.CSVFormat format = org.apache.commons.csv.CSVFormat.RFC4180.builder()
                .setHeader().setSkipHeaderRecord(true).setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true).get();
        List<byte[]> records = new ArrayList<>();
        try (java.io.Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                org.apache.commons.csv.CSVParser parser = org.apache.commons.csv.CSVParser.parse(in, format)) {
            List<String> header = parser.getHeaderNames();
            int label = header.indexOf(labelColumn);
            if (label < 0) {
                throw new IllegalArgumentException("no column '" + labelColumn + "' in " + file + "; columns: " + String.join(",", header));
            }
            for (org.apache.commons.csv.CSVRecord row : parser) {
                com.fasterxml.jackson.databind.node.ObjectNode record = JSON.createObjectNode();
                record.put("task", task);
                record.put("split", split);
                String y = row.get(label);
                if (y.matches("-?\\d+")) {
                    record.put("y", Long.parseLong(y));
                } else {
                    record.put("label", y);
                }
                com.fasterxml.jackson.databind.node.ArrayNode x = record.putArray("x");
                for (int i = 0; i < row.size(); i++) {
                    if (i != label) {
                        try {
                            x.add(Double.parseDouble(row.get(i)));
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException(file + " line " + parser.getCurrentLineNumber() + ", column '"
                                    + header.get(i) + "': expected a number, found '" + row.get(i) + "'");
                        }
                    }
                }
                records.add(JSON.writeValueAsBytes(record));
            }
        }
        return records;
    }
}
