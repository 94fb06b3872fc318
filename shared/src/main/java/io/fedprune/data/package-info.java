/**
 * Data: labelled images of any shape and class count ({@link io.fedprune.data.Dataset}), read from a directory in one
 * of three layouts by {@link io.fedprune.data.ImageData} (IDX files of any rank via {@link io.fedprune.data.Idx},
 * NumPy {@code .npy} pairs via {@link io.fedprune.data.Npy}, image folders via {@link io.fedprune.data.ImageFolder})
 * with a SHA-256 of their content; MNIST's names and normalisation ({@link io.fedprune.data.Mnist}); and seeded IID /
 * Dirichlet label-skew partitioners ({@link io.fedprune.data.Partitioner}). Raw data never leaves a device:
 * partitions are index sets into a local data set.
 */
package io.fedprune.data;
