package org.hyperdas.graphs.intervention;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;

/**
 * Where an intervention writes: for each example, up to {@code sites} pairs (base position <-
 * source position), each switched on or off by a mask. The default site is one pair, the last
 * token of the entity in the base prompt and in the source prompt.
 *
 * <p>A mask of zeros is an empty position set: the intervention then changes nothing. Positions
 * of one example should be distinct (two sites writing the same base position add their changes).
 *
 * @param basePositions int64 [batch, sites], positions in the base sequence
 * @param sourcePositions int64 [batch, sites], positions in the source sequence
 * @param mask [batch, sites], 1 = site active, 0 = ignored (int64 or floating)
 */
public record Sites(Value basePositions, Value sourcePositions, Value mask) {
    public Sites {
        for (Value v : new Value[] {basePositions, sourcePositions}) {
            if (v.rank() != 2 || v.dtype() != DType.INT64) {
                throw new GraphBuildException("Sites: positions must be int64 [batch, sites], got " + v);
            }
        }
        if (mask.rank() != 2) {
            throw new GraphBuildException("Sites: mask must be [batch, sites], got " + mask);
        }
        if (!basePositions.shape().equals(sourcePositions.shape()) || !basePositions.shape().equals(mask.shape())) {
            throw new GraphBuildException("Sites: base positions " + basePositions + ", source positions "
                    + sourcePositions + " and mask " + mask + " must have one shape");
        }
    }

    /** The mask in {@code dtype} (a Cast when it is stored otherwise). */
    public Value maskAs(DType dtype) {
        return mask.dtype() == dtype ? mask : mask.cast(dtype);
    }
}
