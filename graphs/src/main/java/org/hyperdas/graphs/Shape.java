package org.hyperdas.graphs;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A tensor shape: an ordered list of static or symbolic dims. Rank 0 is a scalar.
 *
 * <p>Broadcasting follows numpy: shapes are right-aligned, and a pair of dims is compatible when
 * they are equal (same static size or same symbol) or when one of them is a static 1. A symbol
 * against a different symbol, or against a static size other than 1, is rejected: the IR only
 * accepts what it can prove at build time, so every broadcast axis is known when a VJP has to sum
 * the gradient back over it.
 */
public record Shape(List<Dim> dims) {

    public Shape {
        dims = List.copyOf(dims);
        for (Dim d : dims) {
            if (d instanceof Dim.Static s && s.size() < 0) {
                throw new GraphBuildException("negative dim " + s.size() + " in shape " + dims);
            }
        }
    }

    /** Dims from longs/ints (static) and strings (symbolic), e.g. {@code Shape.of("batch", 4)}. */
    public static Shape of(Object... dims) {
        List<Dim> list = new ArrayList<>(dims.length);
        for (Object d : dims) {
            if (d instanceof Number n) {
                list.add(Dim.of(n.longValue()));
            } else if (d instanceof String s) {
                list.add(Dim.of(s));
            } else if (d instanceof Dim dim) {
                list.add(dim);
            } else {
                throw new GraphBuildException("a dim must be a number, a name or a Dim, got " + d);
            }
        }
        return new Shape(list);
    }

    public static Shape ofStatic(long... dims) {
        List<Dim> list = new ArrayList<>(dims.length);
        for (long d : dims) {
            list.add(Dim.of(d));
        }
        return new Shape(list);
    }

    public static Shape scalar() {
        return new Shape(List.of());
    }

    public int rank() {
        return dims.size();
    }

    public Dim dim(int axis) {
        return dims.get(axis);
    }

    public boolean isStatic() {
        return dims.stream().allMatch(Dim::isStatic);
    }

    /** The static sizes; throws when a dim is symbolic. */
    public long[] staticDims() {
        return dims.stream().mapToLong(Dim::size).toArray();
    }

    /** Element count; throws when a dim is symbolic. */
    public long numElements() {
        long n = 1;
        for (Dim d : dims) {
            n *= d.size();
        }
        return n;
    }

    /** This shape with the dim at {@code axis} replaced. */
    public Shape withDim(int axis, Dim dim) {
        List<Dim> list = new ArrayList<>(dims);
        list.set(axis, dim);
        return new Shape(list);
    }

    /** Maps a possibly negative axis into [0, rank), or throws naming the op. */
    public static int normalizeAxis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new GraphBuildException(op + ": axis " + axis + " out of range for rank " + rank);
        }
        return a;
    }

    /** The numpy-broadcast shape of the operands, or an exception naming the op and the shapes. */
    public static Shape broadcast(String op, Shape... shapes) {
        int rank = 0;
        for (Shape s : shapes) {
            rank = Math.max(rank, s.rank());
        }
        List<Dim> out = new ArrayList<>(rank);
        for (int i = 0; i < rank; i++) {
            Dim result = Dim.of(1);
            for (Shape s : shapes) {
                int j = i - (rank - s.rank());
                if (j < 0) {
                    continue;
                }
                Dim d = s.dim(j);
                if (d.isOne() || d.equals(result)) {
                    continue;
                }
                if (!result.isOne()) {
                    throw new GraphBuildException(op + ": shapes do not broadcast: " + List.of(shapes)
                            .stream().map(Shape::toString).collect(Collectors.joining(" vs ")));
                }
                result = d;
            }
            out.add(result);
        }
        return new Shape(out);
    }

    @Override
    public String toString() {
        return dims.stream().map(Dim::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
