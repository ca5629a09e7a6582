package org.hyperdas.graphs.intervention;

import java.util.SplittableRandom;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;

/**
 * A differentiable parametrization of matrices with orthonormal columns (points of the Stiefel
 * manifold) by Householder reflections, the map torch's {@code parametrizations.orthogonal} uses
 * for non-square matrices:
 * <pre>
 *   R = H_1 H_2 ... H_k E,    H_i = I - 2 u_i u_i^T,   u_i = v_i / |v_i|,
 * </pre>
 * with E the first k columns of the d x d identity and v_i the k free vectors (rows of a [k, d]
 * parameter). Every product of reflections is orthogonal, so R has orthonormal columns for ANY
 * value of the vectors: an optimizer may move them freely and R never leaves the manifold; no
 * projection step is needed and the gradient is exact. Any orthonormal frame is reachable (the
 * Householder QR of a frame gives its vectors).
 *
 * <p>Why this and not the alternatives: the Cayley transform and the matrix exponential need a
 * d x d inverse or exponential (no ONNX op, no gradient); a projection back after each step
 * (QR in Java) leaves the optimizer's moments describing a different point. The reflections cost
 * k rank-1 updates of a [d, k] matrix, small beside the target model.
 *
 * <p>Precision: the chain of k reflections runs in float64 inside the graph and is cast to the
 * compute dtype at the end, so rounding does not accumulate over k: |R^T R - I| stays at float32
 * rounding (about 1e-7) for the k used here. {@link #householderProduct} is the same computation
 * in Java, for materializing R from trained vectors.
 */
public final class OrthogonalSubspace {
    private static final double EPS = 1e-30;

    private OrthogonalSubspace() {
    }

    /**
     * R [d, k] in {@code dtype} from Householder vectors [k, d] (float32 or float64).
     */
    public static Value rotation(Value vectors, DType dtype) {
        if (vectors.rank() != 2 || !vectors.shape().isStatic() || !vectors.dtype().isFloating()) {
            throw new GraphBuildException("OrthogonalSubspace: vectors must be a static floating [k, d] matrix, got "
                    + vectors);
        }
        int k = Math.toIntExact(vectors.shape().dim(0).size());
        int d = Math.toIntExact(vectors.shape().dim(1).size());
        if (k < 1 || k > d) {
            throw new GraphBuildException("OrthogonalSubspace: k = " + k + " must lie in [1, d = " + d + "]");
        }
        Graph g = vectors.graph();
        try (Graph.Scope s = g.scope("orthogonal")) {
            Value v = vectors.dtype() == DType.FLOAT64 ? vectors : vectors.cast(DType.FLOAT64);
            Value units = v.div(v.pow(2).reduceSum(true, 1).add(EPS).sqrt()); // [k, d]
            double[] eye = new double[d * k];
            for (int i = 0; i < k; i++) {
                eye[i * k + i] = 1;
            }
            Value x = g.constant(HostTensor.ofDoubles(eye, d, k));
            for (int i = k - 1; i >= 0; i--) {
                Value u = units.slice(0, i, i + 1); // [1, d]
                Value coefficients = u.matmul(x); // [1, k]
                x = x.sub(u.transpose(1, 0).matmul(coefficients).mul(2.0));
            }
            return dtype == DType.FLOAT64 ? x : x.cast(dtype);
        }
    }

    /**
     * The same product in Java (float64): R row-major [d, k] from vectors row-major [k, d].
     */
    public static double[] householderProduct(float[] vectors, int k, int d) {
        if (vectors.length != (long) k * d) {
            throw new IllegalArgumentException(vectors.length + " values for [" + k + ", " + d + "] vectors");
        }
        double[] x = new double[d * k];
        for (int i = 0; i < k; i++) {
            x[i * k + i] = 1;
        }
        double[] u = new double[d];
        double[] c = new double[k];
        for (int i = k - 1; i >= 0; i--) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                u[j] = vectors[i * d + j];
                norm += u[j] * u[j];
            }
            norm = Math.sqrt(norm + EPS);
            for (int j = 0; j < d; j++) {
                u[j] /= norm;
            }
            java.util.Arrays.fill(c, 0);
            for (int j = 0; j < d; j++) {
                for (int col = 0; col < k; col++) {
                    c[col] += u[j] * x[j * k + col];
                }
            }
            for (int j = 0; j < d; j++) {
                for (int col = 0; col < k; col++) {
                    x[j * k + col] -= 2 * u[j] * c[col];
                }
            }
        }
        return x;
    }

    /** {@link #householderProduct} rounded to float32. */
    public static float[] rotationFloats(float[] vectors, int k, int d) {
        double[] r = householderProduct(vectors, k, d);
        float[] out = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            out[i] = (float) r[i];
        }
        return out;
    }

    /** Seeded starting vectors [k, d], entries N(0, 1): R starts as a uniformly random frame. */
    public static float[] initialVectors(long seed, int k, int d) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[k * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) gaussian(random);
        }
        return v;
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller on SplittableRandom, whose sequence is fixed by the seed on every JVM.
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** max |R^T R - I| over all entries for R row-major [d, k]. */
    public static double orthonormalityError(float[] r, int d, int k) {
        if (r.length != (long) d * k) {
            throw new IllegalArgumentException(r.length + " values for a [" + d + ", " + k + "] matrix");
        }
        double worst = 0;
        for (int a = 0; a < k; a++) {
            for (int b = a; b < k; b++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += (double) r[j * k + a] * r[j * k + b];
                }
                worst = Math.max(worst, Math.abs(dot - (a == b ? 1 : 0)));
            }
        }
        return worst;
    }
}
