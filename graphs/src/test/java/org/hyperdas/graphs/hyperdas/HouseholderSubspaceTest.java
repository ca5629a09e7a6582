package org.hyperdas.graphs.hyperdas;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.exec.GraphRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** R from Householder vectors, and R' = (I - 2 v v^T) R, against plain Java. */
class HouseholderSubspaceTest {
    private static final int K = 5;
    private static final int D = 12;
    private static final int B = 3;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"FLOAT64, 1e-13, 1e-12", "FLOAT32, 1e-5, 1e-5"})
    void rotationAndReflectionAreOrthonormalAndMatchPlainJava(DType dtype, double orthTolerance, double tolerance)
            throws Exception {
        Random random = new Random(9);
        double[] u = gaussian(random, K * D, 1.0);
        double[] v = new double[B * D];
        for (int b = 0; b < B; b++) {
            double[] row = gaussian(random, D, 1.0);
            double norm = Math.sqrt(dot(row, row));
            for (int i = 0; i < D; i++) {
                v[b * D + i] = row[i] / norm;
            }
        }
        Graph g = new Graph("householder");
        Value uIn = g.input("u", dtype, Shape.of(K, D));
        Value vIn = g.input("v", dtype, Shape.of("batch", D));
        Value r = HouseholderSubspace.rotation(uIn);
        g.output("r", r);
        g.output("r_prime", HouseholderSubspace.reflect(r, vIn));
        Map<String, HostTensor> out;
        try (GraphRunner runner = GraphRunner.open(g)) {
            out = runner.run(Map.of("u", HyperDasFixtures.tensor(u, new long[] {K, D}, dtype),
                    "v", HyperDasFixtures.tensor(v, new long[] {B, D}, dtype)));
        }
        double[] rGraph = out.get("r").toDoubles();
        double[] rPrime = out.get("r_prime").toDoubles();

        double[] rJava = rotation(u);
        double rError = HyperDasFixtures.maxAbsDiff(rGraph, rJava);
        double orth = orthonormalityError(rGraph, 1, D, K);
        double orthPrime = orthonormalityError(rPrime, B, D, K);
        double[] reflected = new double[B * D * K];
        for (int b = 0; b < B; b++) {
            for (int c = 0; c < K; c++) {
                double vr = 0;
                for (int i = 0; i < D; i++) {
                    vr += v[b * D + i] * rJava[i * K + c];
                }
                for (int i = 0; i < D; i++) {
                    reflected[(b * D + i) * K + c] = rJava[i * K + c] - 2 * v[b * D + i] * vr;
                }
            }
        }
        double reflectError = HyperDasFixtures.maxAbsDiff(rPrime, reflected);
        System.out.printf("Householder %s: |R - java| %.2e, |R' - java| %.2e, orthonormality R %.2e, R' %.2e%n",
                dtype, rError, reflectError, orth, orthPrime);
        assertTrue(rError < tolerance && reflectError < tolerance, "R " + rError + ", R' " + reflectError);
        assertTrue(orth < orthTolerance && orthPrime < orthTolerance, "R " + orth + ", R' " + orthPrime);
    }

    @Test
    void moreColumnsThanDimensionsAreRejected() {
        Graph g = new Graph("bad");
        Value u = g.input("u", DType.FLOAT32, Shape.of(4, 3));
        assertThrows(GraphBuildException.class, () -> HouseholderSubspace.rotation(u));
    }

    /** Plain Java: H(u_0) ... H(u_{k-1}) applied to the first k columns of I_d. */
    static double[] rotation(double[] u) {
        double[] y = new double[D * K];
        for (int i = 0; i < K; i++) {
            y[i * K + i] = 1;
        }
        for (int r = K - 1; r >= 0; r--) {
            double[] row = new double[D];
            System.arraycopy(u, r * D, row, 0, D);
            double norm2 = dot(row, row);
            for (int c = 0; c < K; c++) {
                double p = 0;
                for (int i = 0; i < D; i++) {
                    p += row[i] * y[i * K + c];
                }
                for (int i = 0; i < D; i++) {
                    y[i * K + c] -= 2 * row[i] * p / norm2;
                }
            }
        }
        return y;
    }

    /** max over examples of max |M^T M - I| for M [d, k] blocks stored row-major. */
    static double orthonormalityError(double[] m, int batch, int d, int k) {
        double worst = 0;
        for (int b = 0; b < batch; b++) {
            int offset = b * d * k;
            for (int p = 0; p < k; p++) {
                for (int q = 0; q < k; q++) {
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += m[offset + i * k + p] * m[offset + i * k + q];
                    }
                    worst = Math.max(worst, Math.abs(s - (p == q ? 1 : 0)));
                }
            }
        }
        return worst;
    }

    private static double[] gaussian(Random random, int n, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = std * random.nextGaussian();
        }
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
