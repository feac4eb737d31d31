package io.engram.bench;

import io.engram.network.Activation;
import io.engram.network.Batch;
import io.engram.network.Dl4jModels;
import io.engram.network.JvmMlp;
import io.engram.learn.MetaExperienceReplay;
import io.engram.network.MlpSpec;
import io.engram.network.Nd4jMlp;
import io.engram.replay.ReplayPolicy;
import io.engram.replay.ReservoirBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * The training step of a 784-100-100-10 ReLU MLP, one thread, in every implementation: the JVM
 * kernel (Vector API, and plain scalar Java), the ND4J network, and DL4J's own {@code fit()}; plus
 * one MER example (s = 10 batches of k = 11). Run with {@code ./engram bench jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dorg.bytedeco.javacpp.cachedir=target/javacpp-cache"})
public class LearnerStepBenchmark {

    private static final MlpSpec SPEC = new MlpSpec(784, List.of(100, 100), 10, Activation.RELU);

    private JvmMlp jvm;
    private Nd4jMlp nd4j;
    private MultiLayerNetwork dl4j;
    private Batch one;
    private Batch twenty;
    private INDArray dl4jOne;
    private INDArray dl4jOneLabel;
    private INDArray dl4jTwenty;
    private INDArray dl4jTwentyLabels;
    private MetaExperienceReplay mer;
    private float[] x;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(1);
        x = new float[20 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        one = new Batch(1).add(x, 0, 3);
        twenty = new Batch(20);
        for (int r = 0; r < 20; r++) {
            twenty.add(x, r * 784, r % 10);
        }
        jvm = new JvmMlp(SPEC, 20, 7L);
        nd4j = new Nd4jMlp(SPEC, 20, 7L);
        dl4j = Dl4jModels.toDl4j(SPEC, JvmMlp.initialParameters(SPEC, 7L), 0.01);
        dl4jOne = Nd4j.createFromArray(java.util.Arrays.copyOf(x, 784)).reshape(1, 784);
        dl4jOneLabel = Nd4j.zeros(DataType.FLOAT, 1, 10).putScalar(0, 3, 1f);
        dl4jTwenty = Nd4j.createFromArray(x).reshape(20, 784);
        dl4jTwentyLabels = Nd4j.zeros(DataType.FLOAT, 20, 10);
        for (int r = 0; r < 20; r++) {
            dl4jTwentyLabels.putScalar(r, r % 10, 1f);
        }
        ReservoirBuffer buffer = new ReservoirBuffer(5120, 784, ReplayPolicy.RESERVOIR, 3);
        for (int i = 0; i < 5120; i++) {
            buffer.add(x, (i % 20) * 784, i % 10, 0);
        }
        mer = new MetaExperienceReplay(new JvmMlp(SPEC, 1, 9L), buffer, 0.03f, 0.03f, 1f, 10, 10);
    }

    @Benchmark
    public float jvmStep1() {
        return jvm.step(one, 0.001f);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Dengram.kernels=scalar"})
    public float jvmScalarStep1() {
        return jvm.step(one, 0.001f);
    }

    @Benchmark
    public float jvmStep20() {
        return jvm.step(twenty, 0.001f);
    }

    @Benchmark
    public float nd4jStep1() {
        return nd4j.step(one, 0.001f);
    }

    @Benchmark
    public float nd4jStep20() {
        return nd4j.step(twenty, 0.001f);
    }

    @Benchmark
    public MultiLayerNetwork dl4jFit1() {
        dl4j.fit(dl4jOne, dl4jOneLabel);
        return dl4j;
    }

    @Benchmark
    public MultiLayerNetwork dl4jFit20() {
        dl4j.fit(dl4jTwenty, dl4jTwentyLabels);
        return dl4j;
    }

    /** One incoming example of MER with s = 10, k = 11: 110 single-example steps and the Reptile updates. */
    @Benchmark
    public float merExample() {
        return mer.observe(x, 784, 5, 0);
    }
}
