package io.fedprune.wire;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.nonEmpty;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * A device's result for a round (topic {@code fedprune.updates}, key: job id): its trained logits, by reference or
 * inline (exactly one of the two), and what it measured.
 *
 * @param deviceId         the device
 * @param kUsed            the spec it trained under, per layer; copied
 * @param logitsRef        the logits as a blob ({@code null} if inline)
 * @param inlineLogits     the logits inline (empty if by reference); copied
 * @param encoding         how the logits are encoded
 * @param sampleCount      local training samples (the fusion weight)
 * @param metrics          local loss and accuracy before and after
 * @param timings          where the time went
 * @param baseRound        the round whose global logits this update started from ({@code >= 0})
 * @param bitsPerParameter payload bits (incl. scales) per logit actually sent, {@code >= 0}
 * @param signature        reserved for signed updates; empty if unsigned; copied
 */
public record Update(String deviceId, List<LayerSpec> kUsed, BlobRef logitsRef, List<EncodedTensor> inlineLogits,
                     TensorEncoding encoding, long sampleCount, LocalMetrics metrics, Timings timings, int baseRound,
                     double bitsPerParameter, byte[] signature) implements Message {

    public Update {
        text(deviceId, "update.device_id");
        kUsed = nonEmpty(kUsed, "update.k_used");
        inlineLogits = Checks.list(inlineLogits, "update.inline_logits");
        if ((logitsRef == null) == inlineLogits.isEmpty()) {
            throw bad("update needs exactly one of logits_ref and inline_logits, got " + (logitsRef == null ? "neither" : "both"));
        }
        present(encoding, "update.encoding");
        atLeast(sampleCount, 0L, "update.sample_count");
        present(metrics, "update.metrics");
        present(timings, "update.timings");
        atLeast(baseRound, 0, "update.base_round");
        atLeast(bitsPerParameter, 0.0, "update.bits_per_parameter");
        signature = signature == null ? new byte[0] : signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** Whether the logits travel inline (else as a blob). */
    public boolean inline() {
        return logitsRef == null;
    }

    @Override
    public MessageType type() {
        return MessageType.UPDATE;
    }

    @Override
    public boolean jobScoped() {
        return true;
    }

    @Override
    public boolean roundScoped() {
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Update u && deviceId.equals(u.deviceId) && kUsed.equals(u.kUsed) && Objects.equals(logitsRef, u.logitsRef)
                && inlineLogits.equals(u.inlineLogits) && encoding == u.encoding && sampleCount == u.sampleCount
                && metrics.equals(u.metrics) && timings.equals(u.timings) && baseRound == u.baseRound
                && Double.compare(bitsPerParameter, u.bitsPerParameter) == 0 && Arrays.equals(signature, u.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(deviceId, kUsed, logitsRef, inlineLogits, encoding, sampleCount, metrics, timings, baseRound,
                bitsPerParameter) * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "Update[" + deviceId + ", k " + kUsed + ", " + (inline() ? inlineLogits.size() + " inline tensors" : logitsRef)
                + ", " + encoding + ", samples " + sampleCount + ", " + metrics + ", " + timings + "]";
    }
}
