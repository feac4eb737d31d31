package io.engram.network;

import io.engram.network.Nd4jMlp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The ND4J (GPU) path computes what the JVM kernel computes, to float tolerance. */
class Nd4jMlpTest {

    @ParameterizedTest
    @EnumSource(Activation.class)
    void stepsGradientsAndPredictions_matchTheJvmKernel(Activation activation) {
        MlpSpec spec = new MlpSpec(30, List.of(16, 8), 4, activation);
        JvmMlp jvm = new JvmMlp(spec, 12, 21L);
        Nd4jMlp nd4j = new Nd4jMlp(spec, 12, JvmMlp.initialParameters(spec, 21L), 1); // reads its loss every step
        float[] x = JvmMlpTest.randomInputs(12, 30, 5);
        for (int rows : new int[] {1, 5, 12}) {
            Batch batch = JvmMlpTest.batch(x, rows, 30, 4);
            float[] gJvm = new float[spec.parameterCount()];
            float[] gNd4j = new float[spec.parameterCount()];
            assertThat(nd4j.gradient(batch, gNd4j)).isCloseTo(jvm.gradient(batch, gJvm), within(1e-5f));
            for (int i = 0; i < gJvm.length; i++) {
                assertThat(gNd4j[i]).as("gradient θ[%d], %d rows", i, rows).isCloseTo(gJvm[i], within(1e-5f));
            }
            assertThat(nd4j.step(batch, 0.2f)).isCloseTo(jvm.step(batch, 0.2f), within(1e-5f));
        }
        nd4j.saveSnapshot(0);
        jvm.saveSnapshot(0);
        Batch batch = JvmMlpTest.batch(x, 3, 30, 4);
        nd4j.step(batch, 0.5f);
        jvm.step(batch, 0.5f);
        nd4j.interpolateFromSnapshot(0, 0.3f);
        jvm.interpolateFromSnapshot(0, 0.3f);
        float[] pJvm = new float[spec.parameterCount()];
        float[] pNd4j = new float[spec.parameterCount()];
        jvm.parameters(pJvm);
        nd4j.parameters(pNd4j);
        for (int i = 0; i < pJvm.length; i++) {
            assertThat(pNd4j[i]).as("θ[%d]", i).isCloseTo(pJvm[i], within(1e-5f));
        }
        float[] probJvm = new float[4];
        float[] probNd4j = new float[4];
        jvm.predict(x, 30, probJvm);
        nd4j.predict(x, 30, probNd4j);
        for (int c = 0; c < 4; c++) {
            assertThat(probNd4j[c]).isCloseTo(probJvm[c], within(1e-5f));
        }
        int[] cJvm = new int[12];
        int[] cNd4j = new int[12];
        Batch all = JvmMlpTest.batch(x, 12, 30, 4);
        jvm.classify(all, cJvm);
        nd4j.classify(all, cNd4j);
        assertThat(cNd4j).containsExactly(cJvm);
    }
}
