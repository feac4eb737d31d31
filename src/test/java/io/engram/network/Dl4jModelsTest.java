package io.engram.network;

import io.engram.network.Dl4jModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The JVM kernel against DL4J/ND4J on the same parameters: same outputs, same gradient, same artifact. */
class Dl4jModelsTest {

    private static final MlpSpec SPEC = new MlpSpec(20, List.of(12, 8), 5, Activation.RELU);

    @Test
    void dl4jNetwork_givesTheSameProbabilitiesAndGradient() {
        JvmMlp net = new JvmMlp(SPEC, 8, 5L);
        float[] params = new float[SPEC.parameterCount()];
        net.parameters(params);
        MultiLayerNetwork dl4j = Dl4jModels.toDl4j(SPEC, params, 0.1);
        assertThat(dl4j.numParams()).isEqualTo(SPEC.parameterCount());

        int rows = 6;
        float[] x = JvmMlpTest.randomInputs(rows, 20, 11);
        Batch batch = JvmMlpTest.batch(x, rows, 20, 5);
        INDArray features = Nd4j.createFromArray(x).reshape(rows, 20);
        INDArray labels = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, rows, 5);
        for (int r = 0; r < rows; r++) {
            labels.putScalar(r, batch.label(r), 1f);
        }
        INDArray output = dl4j.output(features);
        float[] probabilities = new float[5];
        for (int r = 0; r < rows; r++) {
            net.predict(x, r * 20, probabilities);
            for (int c = 0; c < 5; c++) {
                assertThat(probabilities[c]).isCloseTo(output.getFloat(r, c), within(1e-5f));
            }
        }

        dl4j.setInput(features);
        dl4j.setLabels(labels);
        dl4j.computeGradientAndScore();
        float[] dl4jGradient = dl4j.gradient().gradient().toFloatVector();
        float[] ours = new float[SPEC.parameterCount()];
        float loss = net.gradient(batch, ours);
        assertThat((double) loss).isCloseTo(dl4j.score(), within(1e-4));
        // DL4J's gradient is of the summed loss over the minibatch; ours is of the mean
        for (int i = 0; i < ours.length; i++) {
            assertThat(ours[i]).as("θ[%d]", i).isCloseTo(dl4jGradient[i] / rows, within(1e-5f));
        }
    }

    @Test
    void modelZip_roundTripsSpecAndParameters() throws Exception {
        JvmMlp net = new JvmMlp(SPEC, 1, 9L);
        float[] params = new float[SPEC.parameterCount()];
        net.parameters(params);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Dl4jModels.write(SPEC, params, out);
        Dl4jModels.Loaded loaded = Dl4jModels.read(new ByteArrayInputStream(out.toByteArray()));
        assertThat(loaded.spec()).isEqualTo(SPEC);
        assertThat(loaded.parameters()).containsExactly(params);
    }

    /** Sets {@link #deserialized} when Java serialization restores it: the payload of a hostile zip entry. */
    public static final class Tripwire implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    @Test
    void aZipCarryingASerializedObjectIsRefusedWithoutDeserializingIt() throws Exception {
        JvmMlp net = new JvmMlp(SPEC, 1, 9L);
        float[] params = new float[SPEC.parameterCount()];
        net.parameters(params);
        ByteArrayOutputStream good = new ByteArrayOutputStream();
        Dl4jModels.write(SPEC, params, good);
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(payload)) {
            out.writeObject(new Tripwire());
        }
        // the entries of the good zip, then preprocessor.bin (the entry DL4J's restore hands to an ObjectInputStream)
        ByteArrayOutputStream hostile = new ByteArrayOutputStream();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new ByteArrayInputStream(good.toByteArray()));
                java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(hostile)) {
            java.util.zip.ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(in.readAllBytes());
            }
            out.putNextEntry(new java.util.zip.ZipEntry("preprocessor.bin"));
            out.write(payload.toByteArray());
        }
        Tripwire.deserialized = false;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Dl4jModels.read(new ByteArrayInputStream(hostile.toByteArray())))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("preprocessor.bin");
        assertThat(Tripwire.deserialized).as("the serialized object was restored").isFalse();
    }

    @Test
    void aConfigurationThatIsNotAnEngramNetworkIsRefused() throws Exception {
        String[] bad = {
            "{\"confs\":[]}",
            "{\"confs\":[{\"layer\":{\"@class\":\"org.deeplearning4j.nn.conf.layers.ConvolutionLayer\",\"nin\":4,\"nout\":3}}]}",
            "{\"confs\":[{\"layer\":{\"@class\":\"org.deeplearning4j.nn.conf.layers.OutputLayer\",\"nin\":4,\"nout\":3,"
                    + "\"activationFn\":{\"@class\":\"x.ActivationSoftmax\"},\"lossFn\":{\"@class\":\"x.LossMSE\"}}}]}",
        };
        for (String json : bad) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Dl4jModels.spec(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json)))
                    .as(json).isInstanceOf(java.io.IOException.class).hasMessageContaining("configuration.json");
        }
        // a configuration that disagrees with its coefficients
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Dl4jModels.coefficients(new byte[] {0, 1, 65, 0, 0, 0, 0, 0, 0, 0, 3}, 10))
                .isInstanceOf(java.io.IOException.class);
    }
}
