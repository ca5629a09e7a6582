package org.hyperdas.graphs.ops;

import org.hyperdas.graphs.Op;

/**
 * The closed set of ops: six sealed families whose leaves are the enums and records that
 * {@link OnnxOperator} declares. (Java requires a sealed type and its permitted subtypes to share a
 * package outside named modules, so the sealed root is here rather than {@link Op} itself.)
 */
public sealed interface OnnxOp extends Op permits ElementwiseOps, LinalgOps, ReductionOps, ShapeOps, IndexOps,
        ControlFlowOps {
}
