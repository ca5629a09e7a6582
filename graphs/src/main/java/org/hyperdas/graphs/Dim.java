package org.hyperdas.graphs;

/**
 * One dimension of a shape: a static size or a named symbol bound at run time ("batch", "seq").
 * Also used for the known contents of small int64 tensors that describe shapes (see
 * {@link ValueType#contents()}), where a static entry may be 0 or -1 (Reshape's copy/infer codes).
 */
public sealed interface Dim permits Dim.Static, Dim.Symbolic {

    static Dim of(long size) {
        return new Static(size);
    }

    static Dim of(String name) {
        return new Symbolic(name);
    }

    default boolean isStatic() {
        return this instanceof Static;
    }

    /** True only for a static 1, the one size that broadcasts against anything. */
    default boolean isOne() {
        return this instanceof Static s && s.size() == 1;
    }

    /** The static size; throws for a symbolic dim. */
    default long size() {
        throw new GraphBuildException("dim '" + this + "' is symbolic, a static size is needed here");
    }

    record Static(long size) implements Dim {
        @Override
        public String toString() {
            return Long.toString(size);
        }
    }

    record Symbolic(String name) implements Dim {
        public Symbolic {
            if (name == null || name.isBlank()) {
                throw new GraphBuildException("a symbolic dim needs a non-blank name");
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
