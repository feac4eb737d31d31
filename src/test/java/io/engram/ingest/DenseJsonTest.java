package io.engram.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.engram.learn.Example;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link DenseJson} against references: Jackson's own reading of every number, and the decoder's Jackson-only path. */
class DenseJsonTest {

    private static final com.fasterxml.jackson.core.JsonFactory JACKSON = new ObjectMapper().getFactory();

    /** The reference: the values Jackson's parser gives for the array's items, without the fast double parser. */
    private static double[] jackson(String array) throws Exception {
        List<Double> values = new ArrayList<>();
        try (JsonParser p = JACKSON.createParser(array)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            while (p.nextToken() != JsonToken.END_ARRAY) {
                values.add(p.getDoubleValue());
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] dense(String record) {
        RecordDecoder.DenseX dense = new RecordDecoder.DenseX();
        long span = DenseJson.readX(record.getBytes(StandardCharsets.UTF_8), dense);
        assertThat(span).as("the plain case: %s", record).isGreaterThanOrEqualTo(0);
        assertThat(dense.present).isTrue();
        return java.util.Arrays.copyOf(dense.values, dense.count);
    }

    /** A random JSON number: signs, integers, fractions with leading zeros, exponents, many digits, zeros. */
    private static String randomNumber(Random random) {
        StringBuilder b = new StringBuilder();
        if (random.nextBoolean()) {
            b.append('-');
        }
        int kind = random.nextInt(6);
        if (kind == 0) {
            return b.append('0').toString();
        }
        int integerDigits = random.nextInt(4) == 0 ? 1 + random.nextInt(25) : 1 + random.nextInt(3);
        if (random.nextInt(3) == 0) {
            b.append('0');
        } else {
            b.append((char) ('1' + random.nextInt(9)));
            for (int i = 1; i < integerDigits; i++) {
                b.append((char) ('0' + random.nextInt(10)));
            }
        }
        if (kind >= 2) {
            b.append('.');
            int zeros = random.nextInt(3) == 0 ? random.nextInt(8) : 0;
            b.append("0".repeat(zeros));
            int fractionDigits = 1 + (random.nextInt(4) == 0 ? random.nextInt(25) : random.nextInt(8));
            for (int i = 0; i < fractionDigits; i++) {
                b.append((char) ('0' + random.nextInt(10)));
            }
        }
        if (kind >= 4) {
            b.append(random.nextBoolean() ? 'e' : 'E');
            int r = random.nextInt(3);
            b.append(r == 0 ? "" : r == 1 ? "+" : "-");
            b.append(random.nextInt(5) == 0 ? 300 + random.nextInt(40) : random.nextInt(30));
        }
        return b.toString();
    }

    @Test
    void shouldReadEveryNumberAsJacksonDoesBitForBit() throws Exception {
        Random random = new Random(11);
        for (int round = 0; round < 2_000; round++) {
            List<String> numbers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                numbers.add(randomNumber(random));
            }
            String array = "[" + String.join(",", numbers) + "]";
            double[] expected = jackson(array);
            double[] actual = dense("{\"task\":\"t\",\"x\":" + array + ",\"y\":1}");
            for (int i = 0; i < expected.length; i++) {
                assertThat(Double.doubleToRawLongBits(actual[i])).as("%s", numbers.get(i))
                        .isEqualTo(Double.doubleToRawLongBits(expected[i]));
            }
        }
    }

    /**
     * Every token of up to 6 characters from digits, point, signs and an exponent letter, first or last
     * in the array and followed by each delimiter: a token Jackson reads is read to the same bits, and
     * one Jackson refuses leaves the record to the general reader (which then phrases the error).
     */
    @Test
    void shouldReadEveryShortTokenAsJacksonDoes() throws Exception {
        char[] alphabet = {'0', '1', '7', '9', '.', '-', 'e', '+'};
        String[][] layouts = {{"[", ",1,22,333]"}, {"[", " ,1,2,3]"}, {"[", "\n]"}, {"[4,", "]"}, {"[", "]"}};
        int read = 0;
        int refused = 0;
        for (int length = 1; length <= 6; length++) {
            for (long n = 0; n < Math.round(Math.pow(alphabet.length, length)); n++) {
                char[] token = new char[length];
                long rest = n;
                for (int k = 0; k < length; k++) {
                    token[k] = alphabet[(int) (rest % alphabet.length)];
                    rest /= alphabet.length;
                }
                String text = new String(token);
                String[] layout = layouts[(int) (n % layouts.length)];
                String array = layout[0] + text + layout[1];
                double[] expected;
                try {
                    expected = jackson(array);
                } catch (com.fasterxml.jackson.core.JacksonException e) {
                    expected = null;
                }
                RecordDecoder.DenseX dense = new RecordDecoder.DenseX();
                long span = DenseJson.readX(("{\"x\":" + array + "}").getBytes(StandardCharsets.UTF_8), dense);
                if (expected == null) {
                    assertThat(span).as("%s: refused by Jackson", array).isEqualTo(-1);
                    refused++;
                    continue;
                }
                assertThat(span).as("%s", array).isGreaterThanOrEqualTo(0);
                assertThat(dense.count).as("%s", array).isEqualTo(expected.length);
                for (int k = 0; k < expected.length; k++) {
                    assertThat(Double.doubleToRawLongBits(dense.values[k])).as("%s item %d", array, k)
                            .isEqualTo(Double.doubleToRawLongBits(expected[k]));
                }
                read++;
            }
        }
        assertThat(read).as("tokens Jackson reads").isGreaterThan(5_000);
        assertThat(refused).as("tokens Jackson refuses").isGreaterThan(100_000);
    }

    @Test
    void shouldReadEdgeNumbersAsJacksonDoes() throws Exception {
        String array = "[0,-0,-0.0,0.0,-0e0,1e22,1e23,9007199254740993,123456789012345678901234567890,4.9e-324,2e-324,1.7976931348623157e308,"
                + "1e400,-1e400,0.1,0.30000000000000004,123456789012345.6,1234567890123456.7,1E5,1e+5,1e-5,0.000001,100000000000000000000]";
        double[] expected = jackson(array);
        double[] actual = dense("{ \"x\" : " + array.replace(",", " ,\n ") + " }");
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.doubleToRawLongBits(actual[i])).as("item %d", i).isEqualTo(Double.doubleToRawLongBits(expected[i]));
        }
    }

    @Test
    void shouldLeaveAllButThePlainCaseToTheGeneralReader() {
        for (String record : List.of(
                "[1,2]", "{}", "{\"y\":1}", "{\"x\":[1,NaN]}", "{\"x\":[1,Infinity]}", "{\"x\":[01]}", "{\"x\":[.5]}", "{\"x\":[+1]}",
                "{\"x\":[1.]}", "{\"x\":[1e]}", "{\"x\":[\"1\"]}", "{\"x\":[[1]]}", "{\"x\":[1,]}", "{\"x\":[1 2]}", "{\"x\":[true]}",
                "{\"x\":[1],\"x\":[2]}", "{\"\\u0078\":[1]}", "{\"x\":{\"a\":1}}", "{\"x\":1}", "{\"x\":[1]", "{\"x\":[1],", "{\"a\":\"}\",\"x\":[1",
                "{\"x\":[1] \"y\":2}")) {
            RecordDecoder.DenseX dense = new RecordDecoder.DenseX();
            assertThat(DenseJson.readX(record.getBytes(StandardCharsets.UTF_8), dense)).as(record).isEqualTo(-1);
            assertThat(dense.count).as(record).isZero();
        }
    }

    @Test
    void shouldFindTheTopLevelArrayPastNestedAndQuotedLookAlikes() {
        assertThat(dense("{\"features\":{\"x\":[9]},\"note\":\"\\\"x\\\":[8], }\",\"x\":[1,2.5],\"y\":[\"x\"]}")).containsExactly(1, 2.5);
        assertThat(dense("{\"x\":[]}")).isEmpty();
    }

    /** The decoder with and without the fast path decodes the same examples and refuses the same records with the same messages. */
    @Test
    void shouldDecodeAsTheJacksonOnlyPathDoes() {
        RecordDecoder decoder = new RecordDecoder(new RecordDecoder.ModelShape(4, List.of("cat", "dog", "bird"),
                Optional.of(List.of("age", "height", "weight", "score"))), 1000);
        RecordDecoder jacksonOnly = decoder.withoutDenseJson();
        Random random = new Random(5);
        List<String> records = new ArrayList<>(List.of(
                "{\"task\":\"a\",\"x\":[1,2,3],\"y\":1}",
                "{\"task\":\"a\",\"x\":[1,2,3,1e400],\"y\":1}",
                "{\"task\":\"a\",\"x\":[1,2,3,4],\"y\":1,}",
                "{\"task\":\"a\",\"x\":[1,2,3,4],\"y\":1} x",
                "{\"task\":\"a\",\"x\":[1,2,3,4],\"y\":\"dog\",\"split\":\"eval\",\"id\":\"q\"}",
                "{\"task\":\"a\",\"x\":[1,2,3,4],\"y\":7}",
                "{\"task\":7,\"x\":[1,2,3,4],\"y\":1}",
                "{\"task\":\"a\",\"x\":[],\"y\":1}",
                "{\"task\":\"a\",\"x\":[1,2,3,4],\"x\":[1,2,3,4],\"y\":1}",
                "{\"task\":\"a\",\"x\":[1,2,3,4],\"features\":{\"age\":1},\"y\":1}"));
        for (int i = 0; i < 200; i++) {
            StringBuilder x = new StringBuilder();
            for (int k = 0; k < 4; k++) {
                x.append(k == 0 ? "" : ",").append(random.nextInt(10) == 0 ? "-0" : Float.toString((random.nextFloat() - 0.5f) * 8));
            }
            records.add("{\"task\":\"t\",\"y\":" + random.nextInt(3) + ",\"x\":[" + x + "]}");
        }
        for (String record : records) {
            byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
            IngestRecord fast = decoder.decode("m".getBytes(StandardCharsets.UTF_8), bytes);
            IngestRecord reference = jacksonOnly.decode("m".getBytes(StandardCharsets.UTF_8), bytes);
            assertThat(fast.getClass()).as(record).isEqualTo(reference.getClass());
            if (fast instanceof IngestRecord.Labelled labelled) {
                Example a = labelled.example();
                Example b = ((IngestRecord.Labelled) reference).example();
                assertThat(a.x()).as(record).isEqualTo(b.x());
                assertThat(List.of(a.task(), a.label(), a.split())).isEqualTo(List.of(b.task(), b.label(), b.split()));
            } else if (fast instanceof Rejection r) {
                assertThat(r.reason()).as(record).isEqualTo(((Rejection) reference).reason());
                assertThat(r.message()).as(record).isEqualTo(((Rejection) reference).message());
            }
        }
    }
}
