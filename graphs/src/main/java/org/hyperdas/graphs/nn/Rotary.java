package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Value;

/**
 * Rotary position embedding in the rotate-half convention of Hugging Face Llama: for a head vector
 * {@code x} of size d, {@code x' = x * cos + rotate_half(x) * sin} with
 * {@code rotate_half(x) = [-x[d/2:], x[:d/2]]}, {@code cos/sin = cos/sin([f, f])} and
 * {@code f = position * inv_freq} (d/2 frequencies).
 *
 * <p>The frequencies are computed in Java at build time (they depend only on the config); the
 * angles are computed in the graph from int64 position ids, exactly as HF does it (one float
 * multiply of position by frequency), so no table sized by max_position_embeddings is stored.
 */
public final class Rotary {
    private Rotary() {
    }

    /**
     * cos and sin for each (example, position), shaped [batch, 1, seq, head_dim] to broadcast over
     * heads. {@code sinSigned} is {@code [-sin(f), sin(f)]}: with it the rotation is
     * {@code x * cos + swap_halves(x) * sinSigned}, one Neg fewer per application than rotate_half.
     */
    public record Tables(Value cos, Value sinSigned) {
    }

    /** {@code theta^(-2i/headDim)} for i < headDim/2 (HF's default rope init). */
    public static double[] inverseFrequencies(int headDim, double theta) {
        if (headDim % 2 != 0) {
            throw new GraphBuildException("Rotary: head_dim " + headDim + " must be even");
        }
        double[] inv = new double[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        return inv;
    }

    /**
     * Llama 3 "llama3" rope scaling (transformers' {@code _compute_llama3_parameters}): with
     * {@code wavelen = 2 pi / inv_freq}, frequencies whose wavelength exceeds
     * {@code originalMaxPositions / lowFreqFactor} are divided by {@code factor}; those shorter than
     * {@code originalMaxPositions / highFreqFactor} are kept; the ones between are blended with
     * {@code smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor)}
     * into {@code (1 - smooth) * inv_freq / factor + smooth * inv_freq}. The llama3 attention factor
     * is 1, so cos and sin are not rescaled.
     */
    public static double[] llama3Scaled(double[] invFreq, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositions) {
        double lowFreqWavelen = originalMaxPositions / lowFreqFactor;
        double highFreqWavelen = originalMaxPositions / highFreqFactor;
        double[] out = invFreq.clone();
        for (int i = 0; i < out.length; i++) {
            double wavelen = 2 * Math.PI / invFreq[i];
            if (wavelen > lowFreqWavelen) {
                out[i] = invFreq[i] / factor;
            } else if (wavelen >= highFreqWavelen) {
                double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
            }
        }
        return out;
    }

    /**
     * The cos/sin tables for int64 position ids [batch, seq], in {@code dtype} (frequencies are
     * rounded to it, as HF keeps inv_freq in float32).
     */
    public static Tables tables(Value positionIds, double[] invFreq, DType dtype) {
        if (positionIds.rank() != 2) {
            throw new GraphBuildException("Rotary: position ids " + positionIds + " must be [batch, seq]");
        }
        Graph g = positionIds.graph();
        HostTensor freqData = dtype == DType.FLOAT64 ? HostTensor.ofDoubles(invFreq, invFreq.length)
                : HostTensor.ofFloats(toFloats(invFreq), invFreq.length);
        Value inv = g.constant(freqData);
        Value angles = positionIds.cast(dtype).unsqueeze(2).mul(inv); // [batch, seq, d/2]
        Value cosHalf = angles.cos();
        Value sinHalf = angles.sin();
        Value cos = g.concat(-1, cosHalf, cosHalf).unsqueeze(1);
        Value sinSigned = g.concat(-1, sinHalf.neg(), sinHalf).unsqueeze(1);
        return new Tables(cos, sinSigned);
    }

    /** Rotates {@code x: [batch, heads, seq, head_dim]} by the tables' angles. */
    public static Value apply(Value x, Tables tables) {
        long d = x.shape().dim(x.rank() - 1).size();
        var halves = x.split(-1, d / 2, d / 2);
        Value swapped = x.graph().concat(-1, halves.get(1), halves.get(0));
        return x.mul(tables.cos()).add(swapped.mul(tables.sinSigned()));
    }

    private static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
