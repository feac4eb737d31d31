// A 2-thread scaling check of this machine (BENCHMARKS.md, "Scale-out"): java bench/Spin.java 1; java bench/Spin.java 2
public class Spin {
  public static void main(String[] a) throws Exception {
    int threads = Integer.parseInt(a[0]);
    float[][] w = new float[threads][784*100]; float[][] x = new float[threads][784];
    Thread[] ts = new Thread[threads]; long[] ops = new long[threads];
    long end = System.nanoTime() + 4_000_000_000L;
    for (int t = 0; t < threads; t++) { final int k = t; ts[t] = new Thread(() -> { float s = 0; long n = 0;
      java.util.Arrays.fill(x[k], 0.5f); java.util.Arrays.fill(w[k], 0.01f);
      while (System.nanoTime() < end) { for (int o = 0; o < 100; o++) { float acc = 0; for (int i = 0; i < 784; i++) acc += w[k][o*784+i]*x[k][i]; s += acc; } n++; }
      ops[k] = n; if (s == 42) System.out.println(s); }); ts[t].start(); }
    long total = 0; for (int t = 0; t < threads; t++) { ts[t].join(); total += ops[t]; }
    System.out.println(threads + " threads: " + total / 4 + " matvecs/s");
  }
}
