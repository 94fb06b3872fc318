/**
 * Data: the IDX file format of MNIST ({@link io.fedprune.data.Idx}), the normalised {@link io.fedprune.data.Dataset},
 * the MNIST loader ({@link io.fedprune.data.Mnist}) and seeded IID / Dirichlet label-skew partitioners
 * ({@link io.fedprune.data.Partitioner}). Raw data never leaves a device: partitions are index sets into a local
 * data set.
 */
package io.fedprune.data;
