package io.engram.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Engram's networks as standard DL4J models: a {@code MultiLayerNetwork} of dense layers and a
 * softmax/MCXENT output layer whose flat parameter vector is Engram's, as is. A published artifact
 * is DL4J's model zip ({@link ModelSerializer}), loadable with plain DL4J; reading one back never
 * goes through DL4J's restore (see {@link #read}).
 */
public final class Dl4jModels {

    private Dl4jModels() {
    }

    /** The DL4J network of {@code spec} with {@code parameters}. */
    public static MultiLayerNetwork toDl4j(MlpSpec spec, float[] parameters, double learningRate) {
        int[] sizes = spec.sizes();
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .updater(new Sgd(learningRate))
                .list();
        for (int l = 0; l < spec.layers() - 1; l++) {
            layers.layer(new DenseLayer.Builder().nIn(sizes[l]).nOut(sizes[l + 1])
                    .activation(dl4jActivation(spec.activation())).build());
        }
        layers.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(sizes[spec.layers() - 1]).nOut(spec.classes())
                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build());
        MultiLayerConfiguration configuration = layers.build();
        MultiLayerNetwork network = new MultiLayerNetwork(configuration);
        network.init();
        network.setParams(Nd4j.createFromArray(parameters).reshape(1, parameters.length));
        return network;
    }

    /** Writes the DL4J model zip of {@code spec} with {@code parameters}. */
    public static void write(MlpSpec spec, float[] parameters, OutputStream out) throws IOException {
        ModelSerializer.writeModel(toDl4j(spec, parameters, 0.0), out, false);
    }

    /** Largest configuration.json read; Engram's are a few KB per layer. */
    private static final int MAX_CONFIGURATION_BYTES = 1 << 20;
    /** Largest coefficients.bin read before the configuration says how many parameters there are. */
    private static final long MAX_COEFFICIENT_BYTES = 256L << 20;
    /** Most layers a restored network may have. */
    private static final int MAX_LAYERS = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The spec and parameters of a DL4J model zip written by {@link #write}, restored from its two
     * data entries only: {@code configuration.json}, read as plain JSON (no class named in it is
     * loaded), and {@code coefficients.bin}, read as ND4J's binary array layout. Nothing is ever
     * deserialized with Java serialization: a zip with any other entry (an updater state, a
     * normalizer or a {@code preprocessor.bin}, which DL4J's own restore would hand to an
     * {@code ObjectInputStream}) is refused, as is a configuration that is not an Engram network.
     *
     * @throws IOException naming what is wrong with the zip
     */
    public static Loaded read(InputStream in) throws IOException {
        byte[] configuration = null;
        byte[] coefficients = null;
        MlpSpec spec = null;
        try (ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                switch (entry.getName()) {
                    case "configuration.json" -> {
                        configuration = readAtMost(zip, MAX_CONFIGURATION_BYTES, entry.getName());
                        spec = spec(JSON.readTree(configuration));
                    }
                    // at most 8 bytes a parameter and a header once the configuration is known (DL4J writes it first)
                    case "coefficients.bin" -> coefficients = readAtMost(zip,
                            spec == null ? MAX_COEFFICIENT_BYTES : 8L * spec.parameterCount() + 4096, entry.getName());
                    default -> throw new IOException("refusing model zip entry '" + entry.getName()
                            + "': only configuration.json and coefficients.bin are restored (no Java-serialized entries)");
                }
            }
        }
        if (configuration == null || coefficients == null) {
            throw new IOException("not a DL4J model zip: configuration.json or coefficients.bin is missing");
        }
        return new Loaded(spec, coefficients(coefficients, spec.parameterCount()));
    }

    /** A loaded model: its shape and its flat parameters. */
    public record Loaded(MlpSpec spec, float[] parameters) {
        /** The same network as a DL4J {@code MultiLayerNetwork}, built from the spec (not deserialized). */
        public MultiLayerNetwork network() {
            return toDl4j(spec, parameters, 0.0);
        }
    }

    private static byte[] readAtMost(ZipInputStream zip, long limit, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = zip.read(buffer)) > 0) {
            if (out.size() + (long) n > limit) {
                throw new IOException("model zip entry '" + name + "' is larger than " + limit + " bytes");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** The spec of a DL4J MultiLayerConfiguration JSON: dense layers with one activation, then a softmax/MCXENT output layer. */
    static MlpSpec spec(JsonNode configuration) throws IOException {
        JsonNode confs = configuration.path("confs");
        if (!confs.isArray() || confs.size() < 1 || confs.size() > MAX_LAYERS) {
            throw new IOException("configuration.json: expected 1 to " + MAX_LAYERS + " layers in 'confs'");
        }
        List<Integer> hidden = new ArrayList<>();
        Activation activation = Activation.RELU;
        int input = -1;
        int previous = -1;
        int classes = -1;
        for (int l = 0; l < confs.size(); l++) {
            JsonNode layer = confs.get(l).path("layer");
            boolean output = l == confs.size() - 1;
            String type = layer.path("@class").asText();
            String expected = output ? "org.deeplearning4j.nn.conf.layers.OutputLayer" : "org.deeplearning4j.nn.conf.layers.DenseLayer";
            if (!type.equals(expected)) {
                throw new IOException("configuration.json: layer " + l + " is '" + type + "', expected " + expected);
            }
            int nIn = layer.path("nin").asInt(-1);
            int nOut = layer.path("nout").asInt(-1);
            if (nIn < 1 || nOut < 1 || (previous > 0 && nIn != previous)) {
                throw new IOException("configuration.json: layer " + l + " has nin " + nIn + " and nout " + nOut
                        + (previous > 0 ? ", expected nin " + previous : ""));
            }
            String fn = layer.path("activationFn").path("@class").asText();
            if (output) {
                if (!fn.endsWith(".ActivationSoftmax") || !layer.path("lossFn").path("@class").asText().endsWith(".LossMCXENT")) {
                    throw new IOException("configuration.json: the output layer is '" + fn + "' with loss '"
                            + layer.path("lossFn").path("@class").asText() + "', expected softmax with MCXENT");
                }
                classes = nOut;
            } else {
                Activation a;
                try {
                    a = fromDl4jActivation(fn.substring(fn.lastIndexOf('.') + 1));
                } catch (IllegalArgumentException e) {
                    throw new IOException("configuration.json: layer " + l + ": " + e.getMessage());
                }
                if (l > 0 && a != activation) {
                    throw new IOException("configuration.json: hidden layers with different activations are not an Engram network");
                }
                activation = a;
                hidden.add(nOut);
            }
            if (l == 0) {
                input = nIn;
            }
            previous = nOut;
        }
        try {
            MlpSpec spec = new MlpSpec(input, hidden, classes, activation);
            if (spec.parameterCount() <= 0) {
                throw new IllegalArgumentException("too many parameters");
            }
            return spec;
        } catch (RuntimeException e) {
            throw new IOException("configuration.json: not a usable network: " + e.getMessage(), e);
        }
    }

    /**
     * The flat parameters in ND4J's binary layout ({@code Nd4j.write}): the shape buffer
     * (allocation mode, length, type, longs), then the data buffer (allocation mode, length,
     * FLOAT or DOUBLE, values), big-endian; exactly {@code count} values.
     */
    static float[] coefficients(byte[] bytes, int count) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        in.readUTF();
        long shapeLength = in.readLong();
        String shapeType = in.readUTF();
        if (shapeLength < 3 || shapeLength > 64 || !shapeType.equals("LONG")) {
            throw new IOException("coefficients.bin: unexpected shape buffer (" + shapeLength + " " + shapeType + ")");
        }
        long[] shape = new long[(int) shapeLength];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = in.readLong();
        }
        long elements = 1;
        for (int d = 1; d <= shape[0] && d < shape.length; d++) {
            elements *= shape[d];
        }
        in.readUTF();
        long length = in.readLong();
        String type = in.readUTF();
        if (length != count || elements != count) {
            throw new IOException("coefficients.bin: " + length + " values of shape " + java.util.Arrays.toString(shape)
                    + ", the configuration needs " + count);
        }
        float[] parameters = new float[count];
        for (int i = 0; i < count; i++) {
            parameters[i] = switch (type) {
                case "FLOAT" -> in.readFloat();
                case "DOUBLE" -> (float) in.readDouble();
                default -> throw new IOException("coefficients.bin: values of type " + type + ", expected FLOAT or DOUBLE");
            };
        }
        return parameters;
    }

    private static org.nd4j.linalg.activations.Activation dl4jActivation(Activation activation) {
        return switch (activation) {
            case RELU -> org.nd4j.linalg.activations.Activation.RELU;
            case TANH -> org.nd4j.linalg.activations.Activation.TANH;
            case SIGMOID -> org.nd4j.linalg.activations.Activation.SIGMOID;
        };
    }

    private static Activation fromDl4jActivation(String name) {
        String n = name.toLowerCase();
        if (n.contains("relu")) {
            return Activation.RELU;
        }
        if (n.contains("tanh")) {
            return Activation.TANH;
        }
        if (n.contains("sigmoid")) {
            return Activation.SIGMOID;
        }
        throw new IllegalArgumentException("unsupported DL4J activation " + name);
    }
}
