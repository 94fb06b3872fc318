/**
 * Models as graphs on ND4J, their parameters as named {@link io.fedprune.model.Tensor}s, and training: dense, DPP
 * mask logits with frozen weights, and joint.
 *
 * <ul>
 *   <li>{@link io.fedprune.model.Graph} (a DAG of typed {@link io.fedprune.model.Op}s, input shape, classes,
 *       {@link io.fedprune.model.Preprocessing}; its Conv and Dense ops are the prunable {@link io.fedprune.model.Layer}s),
 *       {@link io.fedprune.model.ModelArch} (the built-in graphs lenet300 and lenet5; imported graphs come from
 *       {@code io.fedprune.onnx.OnnxImport}), {@link io.fedprune.model.Model} (a graph plus parameters as
 *       {@code float[]} per tensor, to and from {@code List<Tensor>}), {@link io.fedprune.model.ModelFile} (on disk).</li>
 *   <li>{@link io.fedprune.model.Network}: forward/backward of a batch with given (e.g. masked) weights; matrix
 *       products are ND4J gemms into preallocated arrays, everything else Java loops over {@code float[]}.</li>
 *   <li>{@link io.fedprune.model.DenseTrainer} ({@link io.fedprune.model.DenseConfig}) and
 *       {@link io.fedprune.model.DppTrainer} ({@link io.fedprune.model.TrainConfig}, result
 *       {@link io.fedprune.model.DppResult}): what a device agent calls to learn its logits.</li>
 *   <li>{@link io.fedprune.model.MaskSpecs} (specs from a keep ratio), {@link io.fedprune.model.Pruning} (masks and
 *       8-bit quantisation applied to a model), {@link io.fedprune.model.Quantizer}.</li>
 * </ul>
 */
package io.fedprune.model;
