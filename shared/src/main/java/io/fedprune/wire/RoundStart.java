package io.fedprune.wire;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.nonEmpty;
import static io.fedprune.wire.Checks.present;
import static io.fedprune.wire.Checks.text;

/**
 * The coordinator opens a round (topic {@code fedprune.rounds}, key: job id).
 *
 * @param modelArchitecture built-in architecture name, e.g. {@code lenet300}
 * @param model             the model weights
 * @param globalLogits      the fused logits to start from; {@code null} if devices initialise them themselves
 * @param assignments       the selected devices and their per-layer k (device ids unique); copied
 * @param config            training hyper-parameters
 * @param seed              round seed; a device derives its own from (seed, device id)
 * @param deadlineMs        Unix epoch milliseconds after which updates are late
 * @param totalRounds       rounds in the job, {@code >= 1}
 */
public record RoundStart(String modelArchitecture, BlobRef model, BlobRef globalLogits, List<DeviceAssignment> assignments,
                         TrainingConfig config, long seed, long deadlineMs, int totalRounds) implements Message {
    public RoundStart {
        text(modelArchitecture, "round_start.model_architecture");
        present(model, "round_start.model");
        assignments = nonEmpty(assignments, "round_start.assignments");
        Set<String> seen = new HashSet<>();
        for (DeviceAssignment a : assignments) {
            if (!seen.add(a.deviceId())) throw bad("round_start.assignments names device '" + a.deviceId() + "' twice");
        }
        present(config, "round_start.config");
        atLeast(deadlineMs, 1L, "round_start.deadline_ms");
        atLeast(totalRounds, 1, "round_start.total_rounds");
    }

    /** The assignment of {@code deviceId}, if it was selected. */
    public Optional<DeviceAssignment> assignmentFor(String deviceId) {
        return assignments.stream().filter(a -> a.deviceId().equals(deviceId)).findFirst();
    }

    @Override
    public MessageType type() {
        return MessageType.ROUND_START;
    }

    @Override
    public boolean jobScoped() {
        return true;
    }

    @Override
    public boolean roundScoped() {
        return true;
    }
}
