package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;

/** Picks per-example sequence positions out of a [batch, seq, ...] tensor. */
public final class TokenPositions {
    private TokenPositions() {
    }

    /**
     * {@code out[b, l, ...] = x[b, positions[b, l], ...]}. Implemented as one Gather on the
     * flattened [batch * seq, ...] rows (row index {@code b * seq + position}), whose gradient is one
     * ScatterND-add: cheaper than GatherElements with indices expanded over the feature axis, which
     * for logits would be a [batch, L, vocab] int64 tensor.
     *
     * @param x [batch, seq, f] (rank 3)
     * @param positions int64 [batch, L], each in [0, seq)
     * @return [batch, L, f]
     */
    public static Value gather(Value x, Value positions) {
        if (x.rank() != 3 || positions.rank() != 2 || positions.dtype() != DType.INT64) {
            throw new GraphBuildException("TokenPositions: expected x [batch, seq, f] and int64 positions [batch, L],"
                    + " got " + x + " and " + positions);
        }
        if (!x.shape().dim(0).equals(positions.shape().dim(0))) {
            throw new GraphBuildException("TokenPositions: batch dims differ: " + x + " vs " + positions);
        }
        long features = x.shape().dim(2).size();
        Value rows = x.reshape(-1, features); // [batch * seq, f]
        Value rowStart = Shapes.iota(x, 0).mul(Shapes.dimScalar(x, 1)); // [batch]: b * seq
        Value flatIndex = positions.add(rowStart.unsqueeze(1)); // [batch, L]
        return rows.gather(flatIndex, 0);
    }
}
