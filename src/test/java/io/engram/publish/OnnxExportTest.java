package io.engram.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import io.engram.network.Activation;
import io.engram.network.JvmMlp;
import io.engram.network.MlpSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The ONNX model of a network, read back from its bytes alone: the graph is run by a brute-force
 * interpreter in double precision (plain loops over the initializers the nodes name) and must give
 * the service's probabilities.
 */
class OnnxExportTest {

    private static final MlpSpec SPEC = new MlpSpec(20, List.of(12, 8), 5, Activation.RELU);

    @Test
    void onnxGraph_givesTheServicesProbabilities() throws Exception {
        for (Activation activation : Activation.values()) {
            MlpSpec spec = new MlpSpec(20, List.of(12, 8), 5, activation);
            JvmMlp net = new JvmMlp(spec, 1, 7L + activation.ordinal());
            float[] params = new float[spec.parameterCount()];
            net.parameters(params);
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(OnnxExport.write(spec, params, Map.of()));
            SplittableRandom random = new SplittableRandom(3);
            float[] x = new float[20];
            float[] expected = new float[5];
            for (int trial = 0; trial < 50; trial++) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextDouble(-2, 2);
                }
                net.predict(x, 0, expected);
                double[] actual = run(model, x);
                assertThat(actual).hasSize(5);
                for (int c = 0; c < 5; c++) {
                    assertThat(actual[c]).as("%s, trial %d, class %d", activation, trial, c).isCloseTo(expected[c], within(1e-5));
                }
            }
        }
    }

    @Test
    void onnxModel_namesItsInputOutputOpsetAndLabels() throws Exception {
        float[] params = new float[SPEC.parameterCount()];
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("labels", "[\"a\",\"b\",\"c\",\"d\",\"e\"]");
        metadata.put("version", "4");
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(OnnxExport.write(SPEC, params, metadata));
        assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(OnnxExport.OPSET);
        assertThat(model.getIrVersion()).isEqualTo(OnnxExport.IR_VERSION);
        assertThat(model.getModelVersion()).isEqualTo(4);
        assertThat(model.getGraph().getInput(0).getName()).isEqualTo("input");
        assertThat(model.getGraph().getOutput(0).getName()).isEqualTo("probabilities");
        assertThat(model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue()).isEqualTo(20);
        assertThat(model.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue()).isEqualTo(5);
        assertThat(model.getGraph().getNodeList().stream().map(OnnxMl.NodeProto::getOpType))
                .containsExactly("Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax", "Identity");
        Map<String, String> props = new HashMap<>();
        model.getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
        assertThat(props).containsEntry("labels", "[\"a\",\"b\",\"c\",\"d\",\"e\"]").containsEntry("version", "4");
    }

    @Test
    void write_refusesParametersOfAnotherShape() {
        assertThatThrownBy(() -> OnnxExport.write(SPEC, new float[3], Map.of()))
                .hasMessageContaining("expected " + SPEC.parameterCount() + " parameters");
    }

    /** Runs the graph on one input: Gemm, Relu, Tanh, Sigmoid, Softmax and Identity, in double precision. */
    static double[] run(OnnxMl.ModelProto model, float[] x) {
        Map<String, double[]> values = new HashMap<>();
        Map<String, List<Long>> shapes = new HashMap<>();
        for (OnnxMl.TensorProto t : model.getGraph().getInitializerList()) {
            values.put(t.getName(), floats(t));
            shapes.put(t.getName(), t.getDimsList());
        }
        double[] input = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            input[i] = x[i];
        }
        values.put(model.getGraph().getInput(0).getName(), input);
        for (OnnxMl.NodeProto node : model.getGraph().getNodeList()) {
            double[] a = values.get(node.getInput(0));
            double[] out;
            switch (node.getOpType()) {
                case "Gemm" -> {
                    assertThat(attribute(node, "transB")).isEqualTo(1);
                    double[] w = values.get(node.getInput(1));
                    double[] b = values.get(node.getInput(2));
                    int rows = shapes.get(node.getInput(1)).get(0).intValue();
                    int cols = shapes.get(node.getInput(1)).get(1).intValue();
                    assertThat(cols).isEqualTo(a.length);
                    out = new double[rows];
                    for (int o = 0; o < rows; o++) {
                        double s = b[o];
                        for (int i = 0; i < cols; i++) {
                            s += a[i] * w[o * cols + i];
                        }
                        out[o] = s;
                    }
                }
                case "Relu" -> out = java.util.Arrays.stream(a).map(v -> Math.max(0, v)).toArray();
                case "Tanh" -> out = java.util.Arrays.stream(a).map(Math::tanh).toArray();
                case "Sigmoid" -> out = java.util.Arrays.stream(a).map(v -> 1 / (1 + Math.exp(-v))).toArray();
                case "Softmax" -> {
                    assertThat(attribute(node, "axis")).isEqualTo(1);
                    double max = java.util.Arrays.stream(a).max().orElseThrow();
                    double sum = java.util.Arrays.stream(a).map(v -> Math.exp(v - max)).sum();
                    out = java.util.Arrays.stream(a).map(v -> Math.exp(v - max) / sum).toArray();
                }
                case "Identity" -> out = a;
                default -> throw new AssertionError("unexpected operator " + node.getOpType());
            }
            values.put(node.getOutput(0), out);
        }
        return values.get(model.getGraph().getOutput(0).getName());
    }

    private static long attribute(OnnxMl.NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(node.getOpType() + " lacks attribute " + name)).getI();
    }

    private static double[] floats(OnnxMl.TensorProto t) {
        assertThat(t.getDataType()).isEqualTo(OnnxMl.TensorProto.DataType.FLOAT.getNumber());
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            double[] out = new double[raw.remaining() / 4];
            for (int i = 0; i < out.length; i++) {
                out[i] = raw.getFloat();
            }
            return out;
        }
        return t.getFloatDataList().stream().mapToDouble(Float::doubleValue).toArray();
    }
}
