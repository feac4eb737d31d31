package io.engram.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.data.FashionMnist;
import io.engram.data.PermutedStream;
import io.engram.ingest.AvroRecords;
import io.engram.learn.Example;
import io.engram.ingest.IngestRecord;
import io.engram.ingest.RecordDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one 784-number train example (a permuted Fashion-MNIST image, or the synthetic stand-in
 * when the data set is not installed, as {@code ./engram feed} and the end-to-end bench write it),
 * from bytes to a validated example: JSON against Avro binary of schemas/example.avsc. Sampled
 * times per record, so JMH reports the median (p0.50). Setup prints the bytes on the wire per
 * example of both formats. Run with {@code ./engram bench jmh RecordDecodeBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class RecordDecodeBenchmark {

    private static final int RECORDS = 256;

    private final RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(FashionMnist.PIXELS,
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), Optional.empty()), 524_288);
    private final byte[] key = "default".getBytes(StandardCharsets.UTF_8);
    private byte[][] json;
    private byte[][] avro;
    private int next;

    @Setup
    public void setUp() throws Exception {
        FashionMnist data = FashionMnist.installed(FashionMnist.DEBIAN_PATH) ? FashionMnist.load(FashionMnist.DEBIAN_PATH)
                : FashionMnist.synthetic(RECORDS, 10, 7);
        PermutedStream stream = PermutedStream.create(1, RECORDS, 0, data.trainImages().length, 1);
        ObjectMapper mapper = new ObjectMapper();
        json = new byte[RECORDS][];
        avro = new byte[RECORDS][];
        float[] x = new float[FashionMnist.PIXELS];
        int r = 0;
        long jsonBytes = 0;
        long avroBytes = 0;
        long fullPrecisionBytes = 0;
        for (int index : stream.trainIndices(0)) {
            stream.transform(data.trainImages()[index], 0, x);
            StringBuilder b = new StringBuilder("{\"task\":\"perm-0\",\"y\":" + data.trainLabels()[index] + ",\"x\":[");
            for (int i = 0; i < x.length; i++) {
                b.append(i == 0 ? "" : ",").append(x[i] == 0f ? "0" : Float.toString(Math.round(x[i] * 1000) / 1000f));
            }
            json[r] = b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            StringBuilder full = new StringBuilder("{\"task\":\"perm-0\",\"y\":" + data.trainLabels()[index] + ",\"x\":[");
            for (int i = 0; i < x.length; i++) {
                full.append(i == 0 ? "" : ",").append(x[i]);
            }
            fullPrecisionBytes += full.append("]}").length();
            avro[r] = AvroRecords.encode(mapper.readTree(json[r]));
            jsonBytes += json[r].length;
            avroBytes += avro[r].length;
            r++;
        }
        for (int i = 0; i < RECORDS; i++) {
            if (!(decoder.decode(key, json[i], false) instanceof IngestRecord.Labelled a) || !(decoder.decode(key, avro[i], true) instanceof IngestRecord.Labelled b)
                    || !java.util.Arrays.equals(a.example().x(), b.example().x())) {
                throw new IllegalStateException("record " + i + " does not decode to the same example from JSON and Avro");
            }
        }
        System.out.printf("%nBytes on the wire per example (%s, %d records): JSON with 3 decimals %.0f, JSON with every float "
                + "in full (Float.toString) %.0f, Avro %.0f (%d floats x 4 = %d)%n",
                FashionMnist.installed(FashionMnist.DEBIAN_PATH) ? "Fashion-MNIST" : "synthetic stand-in", RECORDS,
                jsonBytes / (double) RECORDS, fullPrecisionBytes / (double) RECORDS, avroBytes / (double) RECORDS,
                FashionMnist.PIXELS, FashionMnist.PIXELS * 4);
    }

    @Benchmark
    public IngestRecord decodeJson() {
        next = (next + 1) % RECORDS;
        return decoder.decode(key, json[next], false);
    }

    @Benchmark
    public IngestRecord decodeAvro() {
        next = (next + 1) % RECORDS;
        return decoder.decode(key, avro[next], true);
    }
}
