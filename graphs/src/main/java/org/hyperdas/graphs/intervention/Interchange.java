package org.hyperdas.graphs.intervention;

import java.util.function.UnaryOperator;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.nn.Shapes;
import org.hyperdas.graphs.nn.TokenPositions;

/**
 * Interchange intervention: at each active site, the base vector {@code h} takes the source vector
 * {@code h_s}, either whole ({@link #FULL}, activation patching) or inside a subspace
 * ({@link #projected}): {@code h' = h + P(h_s - h)} with a linear map P.
 *
 * <p>Built as: gather {@code h} and {@code h_s} at the sites ([batch, sites, hidden]), compute the
 * change {@code P(h_s - h)}, zero it at inactive sites, and add it back with a one-hot
 * [batch, base_seq, sites] matrix product. Everything is a plain differentiable op, so gradients
 * reach whatever P is made of; positions and mask carry none.
 */
public final class Interchange implements Intervention {
    /** Full-vector interchange: {@code h' = h_s} at the sites. */
    public static final Interchange FULL = new Interchange(UnaryOperator.identity());

    private final UnaryOperator<Value> projection;

    private Interchange(UnaryOperator<Value> projection) {
        this.projection = projection;
    }

    /**
     * Interchange inside a subspace: {@code h' = h + P(h_s - h)}.
     *
     * @param projection maps the differences [batch, sites, hidden] to the changes of the same shape
     */
    public static Interchange projected(UnaryOperator<Value> projection) {
        return new Interchange(projection);
    }

    @Override
    public Value apply(Value base, Value source, Sites sites) {
        if (base.rank() != 3 || source.rank() != 3 || !base.shape().dim(2).equals(source.shape().dim(2))
                || base.dtype() != source.dtype()) {
            throw new GraphBuildException("Interchange: base " + base + " and source " + source
                    + " must be [batch, seq, hidden] of one hidden size and dtype");
        }
        Graph g = base.graph();
        try (Graph.Scope s = g.scope("intervention")) {
            Value h = TokenPositions.gather(base, sites.basePositions()); // [b, sites, d]
            Value hs = TokenPositions.gather(source, sites.sourcePositions()); // [b, sites, d]
            Value change = projection.apply(hs.sub(h));
            if (!change.shape().equals(h.shape()) || change.dtype() != h.dtype()) {
                throw new GraphBuildException("Interchange: the projection turned " + h + " into " + change);
            }
            Value active = sites.maskAs(base.dtype()).unsqueeze(2); // [b, sites, 1]
            return base.add(scatterMatrix(base, sites).matmul(change.mul(active)));
        }
    }

    /**
     * One-hot [batch, base_seq, sites] with a 1 where base position t is site p's position, in the
     * base's dtype: {@code scatter @ x} puts each site's row at its position.
     */
    static Value scatterMatrix(Value base, Sites sites) {
        Value positions = Shapes.iota(base, 1).unsqueeze(1); // [base_seq, 1]
        Value hit = positions.equal(sites.basePositions().unsqueeze(1)); // [b, base_seq, sites]
        return hit.cast(base.dtype());
    }
}
