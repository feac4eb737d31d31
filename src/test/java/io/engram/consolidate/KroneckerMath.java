package io.engram.consolidate;

/** Brute-force matrix algebra for tests: explicit products and Kronecker products, row-major doubles. */
final class KroneckerMath {

    private KroneckerMath() {
    }

    static double[] multiply(double[] a, int rows, int inner, double[] b, int cols) {
        double[] c = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int k = 0; k < inner; k++) {
                    s += a[i * inner + k] * b[k * cols + j];
                }
                c[i * cols + j] = s;
            }
        }
        return c;
    }

    /** A ⊗ G for A (n×n) and G (m×m): (nm × nm), entry ((i·m + p), (j·m + q)) = A[i][j]·G[p][q]. */
    static double[] kronecker(double[] a, int n, double[] g, int m) {
        int size = n * m;
        double[] k = new double[size * size];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < m; p++) {
                    for (int q = 0; q < m; q++) {
                        k[(i * m + p) * size + j * m + q] = a[i * n + j] * g[p * m + q];
                    }
                }
            }
        }
        return k;
    }

    /** vec(ΔW) stacking columns: ΔW is m×n (rows = outputs), vec index j·m + p holds ΔW[p][j]. */
    static double[] vec(double[] w, int m, int n) {
        double[] v = new double[m * n];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < m; p++) {
                v[j * m + p] = w[p * n + j];
            }
        }
        return v;
    }

    static double quadratic(double[] v, double[] k) {
        int n = v.length;
        double s = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s += v[i] * k[i * n + j] * v[j];
            }
        }
        return s;
    }

    /** sum(ΔW ⊙ (G ΔW A)), ΔW m×n, G m×m, A n×n. */
    static double traceForm(double[] w, int m, int n, double[] a, double[] g) {
        double[] gwa = multiply(multiply(g, m, m, w, n), m, n, a, n);
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * gwa[i];
        }
        return s;
    }

    static double[] randomSymmetricPsd(int n, java.util.SplittableRandom random) {
        double[] b = new double[n * (n + 2)];
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextGaussian();
        }
        // B Bᵀ / (n+2), B n × (n+2)
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n + 2; k++) {
                    s += b[i * (n + 2) + k] * b[j * (n + 2) + k];
                }
                a[i * n + j] = s / (n + 2);
            }
        }
        return a;
    }

    /** Q diag(s) Qᵀ from eigenvectors as rows. */
    static double[] reconstruct(float[] rows, float[] values, int n) {
        double[] m = new double[n * n];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    m[i * n + j] += (double) rows[k * n + i] * values[k] * rows[k * n + j];
                }
            }
        }
        return m;
    }

    /** x with k x = b, by Gaussian elimination with partial pivoting (k n×n row-major, left unchanged). */
    static double[] solve(double[] k, double[] b, int n) {
        double[] m = k.clone();
        double[] x = b.clone();
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r * n + c]) > Math.abs(m[pivot * n + c])) {
                    pivot = r;
                }
            }
            for (int j = 0; j < n; j++) {
                double t = m[c * n + j];
                m[c * n + j] = m[pivot * n + j];
                m[pivot * n + j] = t;
            }
            double t = x[c];
            x[c] = x[pivot];
            x[pivot] = t;
            for (int r = c + 1; r < n; r++) {
                double f = m[r * n + c] / m[c * n + c];
                for (int j = c; j < n; j++) {
                    m[r * n + j] -= f * m[c * n + j];
                }
                x[r] -= f * x[c];
            }
        }
        for (int r = n - 1; r >= 0; r--) {
            double sum = x[r];
            for (int j = r + 1; j < n; j++) {
                sum -= m[r * n + j] * x[j];
            }
            x[r] = sum / m[r * n + r];
        }
        return x;
    }
}
