package io.engram.data;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST from Debian's {@code dataset-fashion-mnist} (IDX files, gzipped): 60,000 train and
 * 10,000 test images of 28×28 bytes, scaled to [0, 1].
 */
public record FashionMnist(float[][] trainImages, int[] trainLabels, float[][] testImages, int[] testLabels) {

    public static final Path DEBIAN_PATH = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int PIXELS = 784;

    public static boolean installed(Path dir) {
        return Files.exists(dir.resolve("train-images-idx3-ubyte.gz")) && Files.exists(dir.resolve("t10k-labels-idx1-ubyte.gz"));
    }

    /**
     * A stand-in when the data set is not installed: 10 classes, each a random 28×28 prototype,
     * images = prototype + noise, clipped to [0, 1]. Same shapes as Fashion-MNIST, learnable, not it.
     */
    public static FashionMnist synthetic(int train, int test, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[][] prototypes = new float[10][PIXELS];
        for (float[] p : prototypes) {
            for (int i = 0; i < PIXELS; i++) {
                p[i] = random.nextDouble() < 0.3 ? (float) random.nextDouble(0.5, 1) : 0f;
            }
        }
        float[][] trainImages = new float[train][];
        int[] trainLabels = new int[train];
        float[][] testImages = new float[test][];
        int[] testLabels = new int[test];
        for (int n = 0; n < train + test; n++) {
            int c = random.nextInt(10);
            float[] image = new float[PIXELS];
            for (int i = 0; i < PIXELS; i++) {
                image[i] = (float) Math.min(1, Math.max(0, prototypes[c][i] + random.nextGaussian() * 0.25));
            }
            if (n < train) {
                trainImages[n] = image;
                trainLabels[n] = c;
            } else {
                testImages[n - train] = image;
                testLabels[n - train] = c;
            }
        }
        return new FashionMnist(trainImages, trainLabels, testImages, testLabels);
    }

    public static FashionMnist load(Path dir) throws IOException {
        if (!installed(dir)) {
            throw new IOException("Fashion-MNIST not found in " + dir + ": install it with `apt-get install dataset-fashion-mnist`");
        }
        return new FashionMnist(images(dir.resolve("train-images-idx3-ubyte.gz")), labels(dir.resolve("train-labels-idx1-ubyte.gz")),
                images(dir.resolve("t10k-images-idx3-ubyte.gz")), labels(dir.resolve("t10k-labels-idx1-ubyte.gz")));
    }

    private static float[][] images(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 2051) {
                throw new IOException(file + ": expected IDX image magic 2051, found " + magic);
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            byte[] pixels = new byte[rows * cols];
            float[][] images = new float[n][rows * cols];
            for (int i = 0; i < n; i++) {
                in.readFully(pixels);
                for (int p = 0; p < pixels.length; p++) {
                    images[i][p] = (pixels[p] & 0xFF) / 255f;
                }
            }
            return images;
        }
    }

    private static int[] labels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 2049) {
                throw new IOException(file + ": expected IDX label magic 2049, found " + magic);
            }
            int n = in.readInt();
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = in.readUnsignedByte();
            }
            return labels;
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        return new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
    }
}
