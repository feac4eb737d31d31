package io.engram.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The permuted Fashion-MNIST protocol of docs/algorithms.md: each task a fixed seeded pixel
 * permutation; per task a seeded draw of train examples (without replacement) and the first
 * {@code evalPerTask} test images, permuted the same way.
 */
public record PermutedStream(int tasks, int perTask, int evalPerTask, int[][] permutations, int[][] trainIndices)
        implements TaskStream {

    @Override
    public int[] trainIndices(int task) {
        return trainIndices[task];
    }

    @Override
    public void transform(float[] image, int task, float[] into) {
        permute(image, permutations[task], into);
    }

    @Override
    public String kind() {
        return "permuted";
    }

    public static PermutedStream create(int tasks, int perTask, int evalPerTask, int trainSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] permutations = new int[tasks][];
        int[][] trainIndices = new int[tasks][];
        for (int t = 0; t < tasks; t++) {
            permutations[t] = shuffled(FashionMnist.PIXELS, random);
            int[] all = shuffled(trainSize, random);
            trainIndices[t] = java.util.Arrays.copyOf(all, perTask);
        }
        return new PermutedStream(tasks, perTask, evalPerTask, permutations, trainIndices);
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int s = a[i];
            a[i] = a[j];
            a[j] = s;
        }
        return a;
    }

    /** Pixel i of the permuted image is pixel permutation[i] of the original. */
    public static float[] permute(float[] image, int[] permutation, float[] into) {
        for (int i = 0; i < permutation.length; i++) {
            into[i] = image[permutation[i]];
        }
        return into;
    }

    /**
     * Writes the stream for the PyTorch reference (bench/reference.py): int32 little-endian
     * tasks, perTask, evalPerTask, then each task's 784 permutation entries, then each task's
     * train indices.
     */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ByteBuffer buffer = ByteBuffer.allocate(4 * (3 + tasks * (FashionMnist.PIXELS + perTask))).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(tasks).putInt(perTask).putInt(evalPerTask);
        for (int[] p : permutations) {
            for (int v : p) {
                buffer.putInt(v);
            }
        }
        for (int[] idx : trainIndices) {
            for (int v : idx) {
                buffer.putInt(v);
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.write(buffer.array());
        }
    }
}
