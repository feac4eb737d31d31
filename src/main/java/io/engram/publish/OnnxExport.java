package io.engram.publish;

import ai.onnx.proto.OnnxMl;
import io.engram.network.Activation;
import io.engram.network.MlpSpec;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * A version's network as an ONNX model, written with Tribuo's ONNX graph utilities: per layer a
 * {@code Gemm} (Y = X·Wᵀ + b, W as stored, d_out × d_in row-major) then the hidden activation
 * ({@code Relu}, {@code Tanh} or {@code Sigmoid}); a {@code Softmax} over the classes last.
 *
 * <p>Input {@value #INPUT} (float32, [batch, input size]), output {@value #OUTPUT} (float32,
 * [batch, classes], the class probabilities the service's predict answers). The model's
 * {@code metadata_props} carry the input and output names, the labels (a JSON array in class order),
 * the feature names when declared, the model id and the version.
 *
 * <p>Implementation notes: opset {@value #OPSET} (IR version {@value #IR_VERSION}). The operators
 * used were last changed in opset 13 (Gemm, Softmax, Tanh, Sigmoid) and 14 (Relu, which only added
 * bfloat16), so any opset from 14 up gives them the same meaning; 17 (IR 8) is read by ONNX Runtime
 * from 1.12 on, older than the newest opsets that only recent runtimes load. Tribuo's operator set has no {@code Relu} or
 * {@code Tanh}: {@link Hidden} adds them through Tribuo's {@link ONNXOperator} interface.
 */
public final class OnnxExport {

    /** The name of the graph's input. */
    public static final String INPUT = "input";
    /** The name of the graph's output: class probabilities. */
    public static final String OUTPUT = "probabilities";
    /** The ai.onnx operator set the model imports. */
    public static final int OPSET = 17;
    /** The ONNX IR version that goes with {@link #OPSET}. */
    public static final int IR_VERSION = 8;

    private OnnxExport() {
    }

    /**
     * The serialized ONNX model of {@code spec} with {@code parameters} (Engram's flat layout).
     *
     * @param metadata extra {@code metadata_props} (model id, version, labels ...), in order
     */
    public static byte[] write(MlpSpec spec, float[] parameters, Map<String, String> metadata) {
        if (parameters.length != spec.parameterCount()) {
            throw new IllegalArgumentException("expected " + spec.parameterCount() + " parameters for " + spec + ", found "
                    + parameters.length);
        }
        ONNXContext context = new ONNXContext();
        context.setName("engram-mlp");
        int[] sizes = spec.sizes();
        ONNXPlaceholder input = context.floatInput(INPUT, spec.inputSize());
        ONNXPlaceholder output = context.floatOutput(OUTPUT, spec.classes());
        ONNXRef<?> activations = input;
        for (int l = 0; l < spec.layers(); l++) {
            int in = sizes[l];
            int out = sizes[l + 1];
            int weights = spec.weightOffset(l);
            int bias = spec.biasOffset(l);
            // W_l is stored column-major d_in × d_out, which is d_out × d_in row-major: Gemm's B with transB = 1
            var w = context.floatTensor("W" + l, List.of(out, in), buffer -> buffer.put(parameters, weights, in * out));
            var b = context.floatTensor("b" + l, List.of(out), buffer -> buffer.put(parameters, bias, out));
            ONNXRef<?> linear = context.operation(ONNXOperators.GEMM, List.of(activations, w, b), "dense" + l, Map.of("transB", 1));
            activations = l < spec.layers() - 1
                    ? context.operation(Hidden.of(spec.activation()), List.of(linear), "hidden" + l, Map.of())
                    : context.operation(ONNXOperators.SOFTMAX, List.of(linear), "softmax", Map.of("axis", 1));
        }
        activations.assignTo(output);

        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("engram")
                .setDomain("io.engram")
                .setDocString("Engram MLP " + spec + ": input \"" + INPUT + "\" [batch, " + spec.inputSize() + "], output \""
                        + OUTPUT + "\" [batch, " + spec.classes() + "] class probabilities")
                .setGraph(context.buildGraph());
        metadata.forEach((key, value) -> model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        if (metadata.containsKey("version")) {
            try {
                model.setModelVersion(Long.parseLong(metadata.get("version")));
            } catch (NumberFormatException ignored) {
                // model_version stays unset; the metadata still carries the text
            }
        }
        return model.build().toByteArray();
    }

    /** The hidden activations as ONNX operators (one input, one output, no attributes). */
    enum Hidden implements ONNXOperator {
        RELU("Relu", 14),
        TANH("Tanh", 13),
        SIGMOID("Sigmoid", 13);

        private final String opName;
        private final int version;

        Hidden(String opName, int version) {
            this.opName = opName;
            this.version = version;
        }

        static Hidden of(Activation activation) {
            return switch (activation) {
                case RELU -> RELU;
                case TANH -> TANH;
                case SIGMOID -> SIGMOID;
            };
        }

        @Override
        public String getOpName() {
            return opName;
        }

        @Override
        public int getNumInputs() {
            return 1;
        }

        @Override
        public int getNumOptionalInputs() {
            return 0;
        }

        @Override
        public int getNumOutputs() {
            return 1;
        }

        @Override
        public Map<String, ONNXAttribute> getAttributes() {
            return Collections.emptyMap();
        }

        @Override
        public Set<String> getMandatoryAttributeNames() {
            return Collections.emptySet();
        }

        @Override
        public int getOpVersion() {
            return version;
        }

        @Override
        public String getOpDomain() {
            return null;
        }
    }
}
