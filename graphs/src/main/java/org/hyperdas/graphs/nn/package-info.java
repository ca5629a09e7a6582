/**
 * Neural-network layers composed from IR ops, so {@link org.hyperdas.graphs.Autodiff} differentiates
 * them like any other graph: {@link org.hyperdas.graphs.nn.Linear} (Hugging Face [out, in] weights),
 * {@link org.hyperdas.graphs.nn.RmsNorm}, {@link org.hyperdas.graphs.nn.Silu},
 * {@link org.hyperdas.graphs.nn.SwiGlu}, {@link org.hyperdas.graphs.nn.Rotary} (rotate-half RoPE with
 * Llama 3 frequency scaling), {@link org.hyperdas.graphs.nn.Attention} (causal + padding masked,
 * grouped-query), {@link org.hyperdas.graphs.nn.TokenPositions} (per-example position gather) and
 * {@link org.hyperdas.graphs.nn.CrossEntropy} (weighted label loss and first-k accuracy flags).
 *
 * <p>Layout conventions: activations are [batch, seq, features]; attention heads are
 * [batch, heads, seq, head_dim]; token ids, positions and masks are int64.
 */
package org.hyperdas.graphs.nn;
