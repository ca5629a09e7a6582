/**
 * Hugging Face Llama models as ONNX graphs.
 *
 * <ul>
 *   <li>{@link org.hyperdas.graphs.llama.LlamaBuilder} builds a model from its {@code LlamaConfig}
 *       into a caller's graph, piece by piece (embedding, blocks, final norm, LM head; prefix up to
 *       layer L, suffix from layer L; forward with every hidden state; KV-cache steps), from IR ops,
 *       so the same code serves inference and differentiable graphs.
 *   <li>{@link org.hyperdas.graphs.llama.LlamaWeights} says where the weights come from: external
 *       data inside the model's .safetensors files (frozen), graph inputs named as the HF tensors
 *       (trainable), or inline.
 *   <li>{@link org.hyperdas.graphs.llama.LlamaGraphs} assembles the standard whole graphs with the
 *       names of {@link org.hyperdas.graphs.llama.LlamaHooks} ({@code blocks.{i}.resid_post}, ...).
 *   <li>{@link org.hyperdas.graphs.llama.Generator} generates text (greedy or seeded
 *       temperature/top-p sampling, batched, KV cache) with one reused ONNX Runtime session.
 * </ul>
 */
package org.hyperdas.graphs.llama;
