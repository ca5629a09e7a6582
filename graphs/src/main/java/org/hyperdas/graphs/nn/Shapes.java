package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Value;

/** Small shape-tensor helpers shared by the layers and the model builders. */
public final class Shapes {
    private Shapes() {
    }

    /** Dim {@code axis} of {@code v} as a rank-0 int64: a constant when static, else read at run time. */
    public static Value dimScalar(Value v, int axis) {
        Dim d = v.shape().dim(axis);
        Graph g = v.graph();
        return d.isStatic() ? g.scalar(d.size(), DType.INT64) : v.shapeTensor(axis, axis + 1).squeeze(0);
    }

    /** The runtime shape of {@code v} with its last dim replaced by {@code last}. */
    public static Value withLastDim(Value v, long last) {
        Graph g = v.graph();
        if (v.shape().isStatic()) {
            long[] dims = v.shape().staticDims();
            dims[dims.length - 1] = last;
            return g.constantLongs(dims);
        }
        return g.concat(0, v.shapeTensor(0, v.rank() - 1), g.constantLongs(last));
    }

    /** 0, 1, ..., n-1 (int64) where n is dim {@code axis} of {@code v}; its length is that very dim. */
    public static Value iota(Value v, int axis) {
        Graph g = v.graph();
        return g.range(g.scalar(0, DType.INT64), dimScalar(v, axis), g.scalar(1, DType.INT64));
    }
}
