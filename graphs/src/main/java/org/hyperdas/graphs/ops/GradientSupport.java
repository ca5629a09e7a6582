package org.hyperdas.graphs.ops;

import java.util.ArrayList;
import java.util.List;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;

/** Building blocks of the VJPs: summing over broadcast axes, runtime shape tensors, zeros. */
public final class GradientSupport {
    private GradientSupport() {
    }

    /**
     * Sums a gradient of the broadcast result shape back to {@code operand}'s shape. The axes are
     * resolved from the IR's shapes at build time: the leading axes the operand lacks, and the axes
     * where the operand has a static 1 and the gradient does not. Also used as
     * {@code unbroadcast(g, operand)}.
     */
    public static Value unbroadcast(Value grad, Shape target) {
        Shape from = grad.shape();
        if (from.equals(target)) {
            return grad;
        }
        int lead = from.rank() - target.rank();
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < from.rank(); i++) {
            if (i < lead || (target.dim(i - lead).isOne() && !from.dim(i).isOne())) {
                axes.add(i);
            }
        }
        Value summed = axes.isEmpty() ? grad
                : grad.reduceSum(true, axes.stream().mapToInt(Integer::intValue).toArray());
        if (lead > 0) {
            int[] leading = new int[lead];
            for (int i = 0; i < lead; i++) {
                leading[i] = i;
            }
            summed = summed.squeeze(leading);
        }
        if (!summed.shape().equals(target)) {
            throw new GraphBuildException("cannot reduce gradient " + grad + " to shape " + target);
        }
        return summed;
    }

    public static Value unbroadcast(Value grad, Value operand) {
        return unbroadcast(grad, operand.shape());
    }

    /**
     * A 1-D int64 tensor holding {@code target}: a constant when static, else assembled from the
     * Shape of {@code sources} that carry each symbolic dim. Its contents are exactly
     * {@code target}, so ops fed with it get {@code target} as their static-or-symbolic shape.
     */
    public static Value shapeTensor(Graph g, Shape target, Value... sources) {
        if (target.isStatic()) {
            return g.constantLongs(target.staticDims());
        }
        for (Value s : sources) {
            if (s.shape().equals(target)) {
                return s.shapeTensor();
            }
        }
        List<Value> pieces = new ArrayList<>();
        List<Long> pendingStatic = new ArrayList<>();
        for (Dim d : target.dims()) {
            if (d.isStatic()) {
                pendingStatic.add(d.size());
                continue;
            }
            if (!pendingStatic.isEmpty()) {
                pieces.add(g.constantLongs(pendingStatic.stream().mapToLong(Long::longValue).toArray()));
                pendingStatic.clear();
            }
            pieces.add(dimTensor(d, sources));
        }
        if (!pendingStatic.isEmpty()) {
            pieces.add(g.constantLongs(pendingStatic.stream().mapToLong(Long::longValue).toArray()));
        }
        return pieces.size() == 1 ? pieces.get(0) : g.concat(0, pieces);
    }

    private static Value dimTensor(Dim d, Value... sources) {
        for (Value s : sources) {
            int axis = s.shape().dims().indexOf(d);
            if (axis >= 0) {
                return s.shapeTensor(axis, axis + 1);
            }
        }
        throw new GraphBuildException("no value among the sources carries symbolic dim '" + d + "'");
    }

    /** Zeros shaped like {@code like}. */
    public static Value zerosLike(Value like) {
        Graph g = like.graph();
        return g.zeros(shapeTensor(g, like.shape(), like), like.dtype());
    }

    /** A rank-0 tensor holding dim {@code axis} of {@code v}, e.g. for Range. */
    static Value dimScalar(Value v, int axis) {
        Graph g = v.graph();
        Dim d = v.shape().dim(axis);
        return d.isStatic() ? g.scalar(d.size(), DType.INT64) : v.shapeTensor(axis, axis + 1).squeeze(0);
    }

    /** 0..n-1, e.g. every axis of a rank-n tensor. */
    static int[] iota(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }
}
