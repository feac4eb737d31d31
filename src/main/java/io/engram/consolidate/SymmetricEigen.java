package io.engram.consolidate;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Eigendecomposition of a symmetric matrix with LAPACK (ND4J's {@code syev}, through OpenBLAS on
 * the CPU), in double precision. Returns eigenvectors as rows.
 */
final class SymmetricEigen {

    /** Eigenvalues (ascending) and eigenvectors as rows of {@code vectors} (n × n, row-major). */
    record Result(int n, double[] values, double[] vectors) {
    }

    private SymmetricEigen() {
    }

    static Result decompose(double[] matrix, int n) {
        INDArray a = Nd4j.createFromArray(matrix.clone()).reshape(n, n).castTo(DataType.DOUBLE).dup('f');
        INDArray values = Eigen.symmetricGeneralizedEigenvalues(a, true);
        // a now holds the eigenvectors as columns
        double[] vectors = a.transpose().dup('c').data().asDouble();
        double[] v = values.data().asDouble();
        for (double x : v) {
            if (!Double.isFinite(x)) {
                throw new ArithmeticException("eigendecomposition of a " + n + "×" + n + " factor gave " + x);
            }
        }
        return new Result(n, v, vectors);
    }
}
