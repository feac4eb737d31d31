package io.engram.network;

/** Which implementation of the network trains: {@code auto}, {@code jvm} or {@code nd4j}. */
public enum Kernel {
    /** {@link Nd4jMlp} when the CUDA backend is on the classpath (the {@code cuda} profile), else {@link JvmMlp}. */
    AUTO,
    /** {@link JvmMlp}: plain Java and Vector API loops, the fastest on a CPU for small layers. */
    JVM,
    /** {@link Nd4jMlp}: ND4J on the backend's device. */
    ND4J;

    private static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

    /** AUTO resolved for this JVM. */
    public Kernel resolve() {
        if (this != AUTO) {
            return this;
        }
        try {
            Class.forName(CUDA_BACKEND, false, Kernel.class.getClassLoader());
            return ND4J;
        } catch (ClassNotFoundException e) {
            return JVM;
        }
    }
}
