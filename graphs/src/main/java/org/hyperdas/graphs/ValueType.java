package org.hyperdas.graphs;

import java.util.List;

/**
 * What the IR knows about a value: its dtype, its shape and, for small int64 tensors that hold a
 * shape (outputs of Shape, constants, Concat/Gather/Slice of those), their contents as dims.
 * Knowing the contents lets Reshape/Expand/ConstantOfShape whose target is built at run time
 * still get exact (possibly symbolic) output shapes, which the VJPs rely on.
 *
 * @param contents the tensor's elements in row-major order, or null when unknown
 */
public record ValueType(DType dtype, Shape shape, List<Dim> contents) {

    public ValueType {
        contents = contents == null ? null : List.copyOf(contents);
    }

    public static ValueType of(DType dtype, Shape shape) {
        return new ValueType(dtype, shape, null);
    }

    /** A 1-D int64 tensor whose elements are the given dims. */
    public static ValueType shapeTensor(List<Dim> contents) {
        return new ValueType(DType.INT64, Shape.ofStatic(contents.size()), contents);
    }
}
