package org.hyperdas.graphs.intervention;

import org.hyperdas.graphs.Value;

/**
 * A graph fragment that edits the base run's residual stream at layer L using the source run's
 * residual stream at the same layer, between {@code LlamaBuilder.prefix(.., L)} and
 * {@code LlamaBuilder.suffix(.., L)}.
 *
 * <p>Implementations only move content the source run computed (a full interchange or an
 * interchange inside a subspace); none writes a free vector into the model.
 */
public interface Intervention {
    /**
     * @param base [batch, base_seq, hidden], the base residual entering block L
     * @param source [batch, source_seq, hidden], the source residual entering block L
     * @param sites where to write
     * @return the edited base residual, [batch, base_seq, hidden]
     */
    Value apply(Value base, Value source, Sites sites);

    /** Leaves the base residual as it is. */
    Intervention NONE = (base, source, sites) -> base;
}
