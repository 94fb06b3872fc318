package io.fedprune.coordinator.round;

import io.fedprune.model.Tensor;
import io.fedprune.wire.Rejection;
import io.fedprune.wire.Update;

import java.util.List;
import java.util.Map;

/**
 * An update as the transport hands it to the round loop: either decoded (the message and its logits, dequantised to
 * float32) or a rejection found while decoding it. The original record is kept for the dead-letter topic.
 *
 * @param jobId     the envelope's job
 * @param round     the envelope's round
 * @param deviceId  the sending device (the envelope's sender when the update could not be decoded)
 * @param update    the message, or {@code null} when it could not be decoded
 * @param logits    the logits per layer, or {@code null} when they could not be fetched or decoded
 * @param rowRanks  the row ranks that came with the logits, by tensor name (empty if none: see
 *                  {@link io.fedprune.wire.TensorCodec#withRowRanks})
 * @param error     why it could not be decoded, or {@code null}
 * @param bytes     bytes received for it (record plus blob chunks)
 * @param rawKey    the original record key (may be {@code null})
 * @param rawValue  the original record value
 */
public record ReceivedUpdate(String jobId, int round, String deviceId, Update update, List<Tensor> logits,
                             Map<String, int[]> rowRanks, Rejection error, long bytes, byte[] rawKey, byte[] rawValue) {

    /** A decoded update without row ranks. */
    public static ReceivedUpdate of(String jobId, int round, Update update, List<Tensor> logits, long bytes, byte[] rawKey, byte[] rawValue) {
        return of(jobId, round, update, logits, Map.of(), bytes, rawKey, rawValue);
    }

    /** A decoded update. */
    public static ReceivedUpdate of(String jobId, int round, Update update, List<Tensor> logits, Map<String, int[]> rowRanks,
                                    long bytes, byte[] rawKey, byte[] rawValue) {
        return new ReceivedUpdate(jobId, round, update.deviceId(), update, List.copyOf(logits), Map.copyOf(rowRanks), null, bytes, rawKey, rawValue);
    }

    /** An update that could not be decoded. */
    public static ReceivedUpdate failed(String jobId, int round, String deviceId, Rejection error, long bytes, byte[] rawKey, byte[] rawValue) {
        return new ReceivedUpdate(jobId, round, deviceId, null, null, Map.of(), error, bytes, rawKey, rawValue);
    }
}
