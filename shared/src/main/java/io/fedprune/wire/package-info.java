/**
 * The fedprune wire protocol: one versioned Protocol Buffers schema ({@code fedprune/v1/fedprune.proto}, generated
 * into {@link io.fedprune.wire.proto.Pb}), immutable records that mirror its messages, and the codecs.
 *
 * <ul>
 *   <li>{@link io.fedprune.wire.Envelope} wraps every {@link io.fedprune.wire.Message} with the schema context
 *       (job, round, message id, sender, time); {@link io.fedprune.wire.WireCodec} encodes envelopes and decodes
 *       bytes into a {@link io.fedprune.wire.Decoded}: the envelope or a {@link io.fedprune.wire.Rejection}
 *       with a {@link io.fedprune.wire.RejectReason}. Decoding never throws.</li>
 *   <li>{@link io.fedprune.wire.TensorCodec} turns {@link io.fedprune.model.Tensor}s into
 *       {@link io.fedprune.wire.EncodedTensor}s (float32, float16, int8 with a per-group scale) and back.</li>
 *   <li>{@link io.fedprune.wire.Blobs} splits payloads into {@link io.fedprune.wire.BlobChunk}s and
 *       {@link io.fedprune.wire.BlobAssembler} puts them together again, verified; the Kafka side lives in
 *       {@code io.fedprune.kafka}.</li>
 *   <li>{@link io.fedprune.wire.Safetensors} reads and writes the safetensors file format (deployment artifacts).</li>
 * </ul>
 *
 * <p>Records validate in their compact constructors and throw {@link io.fedprune.wire.InvalidMessageException}
 * (an {@link IllegalArgumentException}) whose message names the field.
 */
package io.fedprune.wire;
