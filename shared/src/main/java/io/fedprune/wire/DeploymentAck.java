package io.fedprune.wire;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.fraction;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.orEmpty;
import static io.fedprune.wire.Checks.text;

/**
 * A device applied (or failed to apply) a deployment (topic {@code fedprune.updates}, key: the job id, like the
 * device's updates); the coordinator keeps it in its job log under {@link JobEvent#key}.
 *
 * @param deviceId      the device
 * @param tier          the tier it took
 * @param applied       whether the mask was applied
 * @param localAccuracy accuracy of the masked model on the device's local test split, in [0, 1] (0 if not applied)
 * @param evalSamples   samples it was measured on
 * @param error         why it was not applied; empty when applied, required otherwise
 * @param parameterBytes bytes of the applied model's parameters as the device stores them (compact runtime); 0 if
 *                      not applied or not measured
 * @param latencyMicros measured median time of one inference at batch 1, microseconds; 0 if not applied or not measured
 */
public record DeploymentAck(String deviceId, String tier, boolean applied, double localAccuracy, long evalSamples, String error,
                            long parameterBytes, double latencyMicros)
        implements Message {
    public DeploymentAck {
        text(deviceId, "deployment_ack.device_id");
        text(tier, "deployment_ack.tier");
        fraction(localAccuracy, "deployment_ack.local_accuracy");
        atLeast(evalSamples, 0L, "deployment_ack.eval_samples");
        error = orEmpty(error);
        if (applied && !error.isEmpty()) throw bad("deployment_ack.error must be empty when applied");
        if (!applied && error.isBlank()) throw bad("deployment_ack.error must say why the deployment was not applied");
        atLeast(parameterBytes, 0L, "deployment_ack.parameter_bytes");
        if (!(latencyMicros >= 0 && Double.isFinite(latencyMicros))) throw bad("deployment_ack.latency_us must be finite and >= 0, was " + latencyMicros);
    }

    /** A successful ack without measurements. */
    public static DeploymentAck applied(String deviceId, String tier, double localAccuracy, long evalSamples) {
        return applied(deviceId, tier, localAccuracy, evalSamples, 0, 0);
    }

    /** A successful ack with the applied model's parameter bytes and latency. */
    public static DeploymentAck applied(String deviceId, String tier, double localAccuracy, long evalSamples, long parameterBytes,
                                        double latencyMicros) {
        return new DeploymentAck(deviceId, tier, true, localAccuracy, evalSamples, "", parameterBytes, latencyMicros);
    }

    /** A failed ack with the reason. */
    public static DeploymentAck failed(String deviceId, String tier, String error) {
        return new DeploymentAck(deviceId, tier, false, 0, 0, error, 0, 0);
    }

    @Override
    public MessageType type() {
        return MessageType.DEPLOYMENT_ACK;
    }

    @Override
    public boolean jobScoped() {
        return true;
    }
}
