/**
 * A small typed graph IR that emits ONNX models, with reverse-mode autodiff built from standard
 * ONNX ops (ONNX Runtime's Java builds have no training support).
 *
 * <ul>
 *   <li>{@link org.hyperdas.graphs.Graph} holds inputs (data), parameters (trainable inputs),
 *       initializers (inline or external data), nodes and outputs; {@link org.hyperdas.graphs.Value}
 *       applies ops fluently. Every op checks arity, dtypes and shapes when it is added.
 *   <li>Shapes mix static and named symbolic dims. Broadcasting is numpy's, strict about symbols:
 *       a symbol matches only itself or a static 1, so every broadcast axis is known at build time.
 *       Shape tensors built from Shape/Concat/Gather/Slice keep their contents, so Reshape/Expand
 *       driven by runtime shapes still get exact symbolic output shapes.
 *   <li>Each op ({@link org.hyperdas.graphs.Op}, families in {@code org.hyperdas.graphs.ops}) owns
 *       its emission, shape rule and VJP; {@link org.hyperdas.graphs.Autodiff} appends the backward
 *       graph; {@link org.hyperdas.graphs.OnnxEmitter} writes ModelProto (IR 10, opset 21).
 *   <li>{@link org.hyperdas.graphs.exec.GraphRunner} runs a graph on ONNX Runtime's CPU provider.
 * </ul>
 */
package org.hyperdas.graphs;
