/**
 * Models on ND4J (LeNet-300-100, LeNet-5), their parameters as named {@link io.fedprune.model.Tensor}s, and training:
 * dense, DPP mask logits with frozen weights, and joint.
 */
package io.fedprune.model;
