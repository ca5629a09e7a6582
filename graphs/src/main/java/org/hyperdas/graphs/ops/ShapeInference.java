package org.hyperdas.graphs.ops;

import java.util.ArrayList;
import java.util.List;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** The longer build-time shape rules of {@link ShapeOps}: Reshape targets, Concat and Slice dims, Range lengths. */
final class ShapeInference {
    private ShapeInference() {
    }

    /**
     * The output type of Reshape: entries positive = that size, 0 = copy the input dim at the same
     * index, -1 = infer (symbolically where needed, see {@link DimProduct}); symbolic entries are
     * taken as they are.
     */
    static ValueType reshape(Value x, Value target) {
        if (target.dtype() != DType.INT64 || target.rank() != 1 || !target.shape().dim(0).isStatic()) {
            throw new GraphBuildException("Reshape: target " + target + " must be a 1-D int64 tensor of static length");
        }
        List<Dim> entries = target.type().contents();
        if (entries == null) {
            List<Dim> dims = new ArrayList<>();
            for (long i = 0; i < target.shape().dim(0).size(); i++) {
                dims.add(x.graph().freshDim());
            }
            return ValueType.of(x.dtype(), new Shape(dims));
        }
        List<Dim> dims = new ArrayList<>();
        int inferAt = -1;
        for (int i = 0; i < entries.size(); i++) {
            Dim e = entries.get(i);
            if (e instanceof Dim.Static s && s.size() == 0) {
                if (i >= x.rank()) {
                    throw new GraphBuildException("Reshape: entry " + i + " copies a dim " + x.shape() + " lacks");
                }
                dims.add(x.shape().dim(i));
            } else if (e instanceof Dim.Static s && s.size() == -1) {
                if (inferAt >= 0) {
                    throw new GraphBuildException("Reshape: more than one -1 in target " + entries);
                }
                inferAt = i;
                dims.add(null);
            } else if (e instanceof Dim.Static s && s.size() < 0) {
                throw new GraphBuildException("Reshape: invalid entry " + s.size() + " in target " + entries);
            } else {
                dims.add(e);
            }
        }
        DimProduct total = DimProduct.of(x.shape().dims());
        DimProduct known = DimProduct.of(dims.stream().filter(d -> d != null).toList());
        boolean allStatic = total.symbols().isEmpty() && known.symbols().isEmpty();
        if (inferAt >= 0) {
            DimProduct rest = total.divide(known);
            if (rest == null && allStatic) {
                throw new GraphBuildException("Reshape: cannot reshape " + x.shape() + " to " + entries);
            }
            dims.set(inferAt, rest != null ? rest.toDim() : x.graph().freshDim());
        } else if (total.symbols().equals(known.symbols()) && total.coefficient() != known.coefficient()) {
            throw new GraphBuildException("Reshape: cannot reshape " + x.shape() + " to " + new Shape(dims));
        }
        return ValueType.of(x.dtype(), new Shape(dims));
    }

    /** Static sum when all are static, else a symbol naming the sum ("seq+1"). */
    static Dim sum(List<Dim> dims) {
        long total = 0;
        List<String> symbols = new ArrayList<>();
        for (Dim d : dims) {
            if (d.isStatic()) {
                total += d.size();
            } else {
                symbols.add(d.toString());
            }
        }
        if (symbols.isEmpty()) {
            return Dim.of(total);
        }
        return Dim.of(String.join("+", symbols) + (total > 0 ? "+" + total : ""));
    }

    /** The length of Range(start, limit, delta): static when all three are known, else limit for 0..limit, else fresh. */
    static Dim rangeLength(List<Value> in) {
        Dim start = scalarContent(in.get(0));
        Dim limit = scalarContent(in.get(1));
        Dim delta = scalarContent(in.get(2));
        Dim length;
        if (start != null && limit != null && delta != null && start.isStatic() && limit.isStatic()
                && delta.isStatic() && delta.size() != 0) {
            long span = limit.size() - start.size();
            long step = delta.size();
            length = Dim.of(Math.max(0, Math.floorDiv(span + step + (step > 0 ? -1 : 1), step)));
        } else if (Dim.of(0).equals(start) && Dim.of(1).equals(delta) && limit != null) {
            length = limit;
        } else {
            length = in.get(0).graph().freshDim();
        }
        return length;
    }

    private static Dim scalarContent(Value v) {
        List<Dim> c = v.type().contents();
        return c == null ? null : c.get(0);
    }

    /** [first index, count] of a slice of a static dim, with ONNX's clamping. */
    static long[] resolveSlice(long dim, long start, long end, long step) {
        long s = start < 0 ? start + dim : start;
        long e = end < 0 ? end + dim : end;
        if (step > 0) {
            s = Math.max(0, Math.min(s, dim));
            e = Math.max(0, Math.min(e, dim));
            return new long[] {s, Math.max(0, (e - s + step - 1) / step)};
        }
        s = Math.max(-1, Math.min(s, dim - 1));
        e = Math.max(-1, Math.min(e, dim - 1));
        return new long[] {s, Math.max(0, (s - e + (-step) - 1) / (-step))};
    }

    static long[] toLongs(List<Integer> axes) {
        return axes.stream().mapToLong(Integer::longValue).toArray();
    }
}
