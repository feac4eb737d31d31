package io.engram.data;

import java.util.SplittableRandom;

/**
 * Rotated Fashion-MNIST: task t rotates every image by {@code t · step} degrees about its centre
 * (bilinear interpolation, zero outside), the classic domain-incremental protocol where plain
 * fine-tuning forgets.
 */
public record RotatedStream(int tasks, int perTask, int evalPerTask, double stepDegrees, int[][] indices) implements TaskStream {

    private static final int SIDE = 28;

    public static RotatedStream create(int tasks, int perTask, int evalPerTask, double stepDegrees, int trainSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] indices = new int[tasks][perTask];
        for (int t = 0; t < tasks; t++) {
            for (int i = 0; i < perTask; i++) {
                indices[t][i] = random.nextInt(trainSize);
            }
        }
        return new RotatedStream(tasks, perTask, evalPerTask, stepDegrees, indices);
    }

    @Override
    public int[] trainIndices(int task) {
        return indices[task];
    }

    @Override
    public void transform(float[] image, int task, float[] into) {
        double angle = Math.toRadians(task * stepDegrees);
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double c = (SIDE - 1) / 2.0;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                // source pixel of the rotated image's (x, y): rotate back by −angle
                double sx = cos * (x - c) + sin * (y - c) + c;
                double sy = -sin * (x - c) + cos * (y - c) + c;
                into[y * SIDE + x] = bilinear(image, sx, sy);
            }
        }
    }

    private static float bilinear(float[] image, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        return (float) ((1 - fx) * (1 - fy) * pixel(image, x0, y0) + fx * (1 - fy) * pixel(image, x0 + 1, y0)
                + (1 - fx) * fy * pixel(image, x0, y0 + 1) + fx * fy * pixel(image, x0 + 1, y0 + 1));
    }

    private static float pixel(float[] image, int x, int y) {
        return x < 0 || y < 0 || x >= SIDE || y >= SIDE ? 0f : image[y * SIDE + x];
    }

    @Override
    public String kind() {
        return "rotated";
    }
}
