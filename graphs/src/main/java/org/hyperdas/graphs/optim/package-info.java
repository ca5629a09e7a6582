/**
 * Optimizers as graph nodes: a training step is one ONNX model whose inputs are the batch, the
 * parameters, the optimizer state and the step counter, and whose outputs are the loss, metrics,
 * the next parameters and the next state.
 *
 * <ul>
 *   <li>{@link org.hyperdas.graphs.optim.Optimizers} emits SGD or AdamW
 *       ({@link org.hyperdas.graphs.optim.SgdConfig}, {@link org.hyperdas.graphs.optim.AdamWConfig})
 *       for (parameter, gradient, {@link org.hyperdas.graphs.optim.ParamGroup}) triples, with
 *       global gradient clipping and an optional fed learning-rate factor.
 *   <li>{@link org.hyperdas.graphs.optim.TrainingGraph} does the whole job from a scalar loss:
 *       autodiff, update, outputs, model bytes and a matching
 *       {@link org.hyperdas.runtime.train.StepSpec} for {@link org.hyperdas.runtime.train.TrainStep}.
 *   <li>{@link org.hyperdas.graphs.optim.LrSchedule} computes warm-up + constant/linear/cosine
 *       factors in Java.
 * </ul>
 */
package org.hyperdas.graphs.optim;
