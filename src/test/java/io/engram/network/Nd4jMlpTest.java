package io.engram.network;

import io.engram.network.Nd4jMlp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The ND4J (GPU) path computes what the JVM kernel computes, to float tolerance. */
class Nd4jMlpTest {

    /** INDArray methods that read or write values on the host (a transfer on a device). */
    private static final Set<String> VALUE_ACCESS = Set.of("getFloat", "getDouble", "getInt", "getLong", "putScalar",
            "toFloatVector", "toDoubleVector", "toIntVector", "toLongVector", "toFloatMatrix", "toDoubleMatrix",
            "toIntMatrix", "toLongMatrix", "data", "element", "getNumber", "putRow", "toString");

    /**
     * The transfer counter sees every transfer: outside {@link Transfers}, the ND4J network and
     * its rows never read or write an array's values on the host (no scalar getter or setter, no
     * {@code *Number()} reduction to a Java number, no data buffer, no array made from host values).
     */
    @Test
    void everyHostTransfer_goesThroughTheCounter() {
        DescribedPredicate<JavaMethodCall> hostAccess = new DescribedPredicate<>("reads or writes ND4J values on the host") {
            @Override
            public boolean test(JavaMethodCall call) {
                JavaClass owner = call.getTargetOwner();
                String name = call.getName();
                if (owner.isAssignableTo(INDArray.class)) {
                    return VALUE_ACCESS.contains(name) || name.endsWith("Number");
                }
                if (owner.isAssignableTo(DataBuffer.class)) {
                    return true;
                }
                if (owner.isEquivalentTo(Nd4j.class)) {
                    return name.startsWith("createFrom") || name.equals("scalar") || call.getTarget().getRawParameterTypes().stream()
                            .anyMatch(t -> t.isArray() && t.getComponentType().isPrimitive() && !t.getName().equals("[J")
                            && !name.equals("pullRows")); // host values in; long[] is a shape, pullRows' int[] are counted indices
                }
                return false;
            }
        };
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that().belongToAnyOf(Nd4jMlp.class, DeviceRows.class).or().haveNameMatching("io\\.engram\\.consolidate\\.Device.*")
                .should().callMethodWhere(hostAccess)
                .check(new ClassFileImporter().importPackages("io.engram.network", "io.engram.consolidate"));
    }

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
        float[] mJvm = new float[4];
        float[] mNd4j = new float[4];
        jvm.measure(x, 60, 2, mJvm, probJvm);
        nd4j.measure(x, 60, 2, mNd4j, probNd4j);
        for (int i = 0; i < 4; i++) {
            assertThat(mNd4j[i]).as("measure[%d]", i).isCloseTo(mJvm[i], within(1e-5f * Math.max(1f, mJvm[i])));
        }
        for (int c = 0; c < 4; c++) {
            assertThat(probNd4j[c]).isCloseTo(probJvm[c], within(1e-5f));
        }
    }

    /**
     * Every temporary of a step comes from the network's workspace: after the first steps it holds
     * what a step needs (single-row and batch steps of device rows, clipping) and never grows.
     */
    @Test
    void steps_afterTheFirst_takeTheirTemporariesFromAWorkspaceThatDoesNotGrow() {
        MlpSpec spec = new MlpSpec(30, List.of(16, 8), 4, Activation.RELU);
        Nd4jMlp nd4j = new Nd4jMlp(spec, 12, JvmMlp.initialParameters(spec, 2), 5);
        nd4j.setClipNorm(0.5f);
        Rows rows = nd4j.rows(40);
        float[] x = JvmMlpTest.randomInputs(40, 30, 3);
        for (int i = 0; i < 40; i++) {
            rows.put(i, x, i * 30, i % 4);
        }
        Batch batch = new Batch(12);
        java.util.SplittableRandom random = new java.util.SplittableRandom(4);
        Runnable steps = () -> {
            for (int s = 0; s < 20; s++) {
                batch.clear();
                for (int r = 0; r < (s % 2 == 0 ? 12 : 1); r++) {
                    batch.add(rows, random.nextInt(40), 0);
                }
                nd4j.step(batch, 0.05f);
            }
        };
        steps.run();
        long size = nd4j.workspace().getCurrentSize();
        assertThat(size).as("the workspace's size after the first steps").isPositive();
        for (int i = 0; i < 10; i++) {
            steps.run();
        }
        assertThat(nd4j.workspace().getCurrentSize()).as("the workspace's size 200 steps later").isEqualTo(size);
        assertThat(nd4j.workspace().getLastCycleAllocations()).as("a step's temporaries, from the workspace").isPositive();
        assertThat(nd4j.isFinite()).isTrue();
    }
}
