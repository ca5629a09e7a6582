package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.Value;

/**
 * Llama's gated MLP: {@code down(silu(gate(x)) * up(x))}.
 *
 * @param gate [hidden -> intermediate]
 * @param up [hidden -> intermediate]
 * @param down [intermediate -> hidden]
 */
public record SwiGlu(Linear gate, Linear up, Linear down) {

    /** From Hugging Face weights gate_proj/up_proj [inter, hidden] and down_proj [hidden, inter]. */
    public static SwiGlu fromHf(Value gateWeight, Value upWeight, Value downWeight) {
        return new SwiGlu(Linear.fromHf(gateWeight), Linear.fromHf(upWeight), Linear.fromHf(downWeight));
    }

    /** {@code x: [..., hidden]} to {@code [..., hidden]}. */
    public Value apply(Value x) {
        return down.apply(Silu.apply(gate.apply(x)).mul(up.apply(x)));
    }
}
