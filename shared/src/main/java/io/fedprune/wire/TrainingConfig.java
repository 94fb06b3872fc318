package io.fedprune.wire;

import static io.fedprune.wire.Checks.atLeast;
import static io.fedprune.wire.Checks.bad;
import static io.fedprune.wire.Checks.positive;
import static io.fedprune.wire.Checks.present;

/**
 * How a device trains its logits in a round.
 *
 * @param localEpochs      passes over the local data, {@code >= 1}
 * @param learningRate     Adam learning rate on the logits, {@code > 0}
 * @param batchSize        {@code >= 1}
 * @param temperatureStart T0 of the linear temperature schedule, {@code > 0}
 * @param temperatureEnd   T1, {@code > 0}
 * @param entropyWeight    lambda of the entropy regulariser, {@code >= 0}
 * @param gumbelScale      s in {@code D + s*g}, {@code >= 0}
 * @param updateEncoding   how the device encodes its logits
 * @param int8GroupSize    group size for {@link TensorEncoding#INT8} ({@code >= 1}); 0 for other encodings
 * @param rowRanks         whether the device sends each logits tensor's row ranks ({@link TensorCodec#withRowRanks}),
 *                         which the coordinator's rank fusion folds (checked) instead of sorting every row
 */
public record TrainingConfig(int localEpochs, double learningRate, int batchSize, double temperatureStart,
                             double temperatureEnd, double entropyWeight, double gumbelScale,
                             TensorEncoding updateEncoding, int int8GroupSize, boolean rowRanks) {
    public TrainingConfig {
        atLeast(localEpochs, 1, "local_epochs");
        positive(learningRate, "learning_rate");
        atLeast(batchSize, 1, "batch_size");
        positive(temperatureStart, "temperature_start");
        positive(temperatureEnd, "temperature_end");
        atLeast(entropyWeight, 0.0, "entropy_weight");
        atLeast(gumbelScale, 0.0, "gumbel_scale");
        present(updateEncoding, "update_encoding");
        if (updateEncoding == TensorEncoding.INT8) atLeast(int8GroupSize, 1, "int8_group_size");
        else if (int8GroupSize != 0) throw bad("int8_group_size must be 0 for " + updateEncoding + ", was " + int8GroupSize);
    }

    /** A config without row ranks. */
    public TrainingConfig(int localEpochs, double learningRate, int batchSize, double temperatureStart, double temperatureEnd,
                          double entropyWeight, double gumbelScale, TensorEncoding updateEncoding, int int8GroupSize) {
        this(localEpochs, learningRate, batchSize, temperatureStart, temperatureEnd, entropyWeight, gumbelScale, updateEncoding,
                int8GroupSize, false);
    }

    /** The same config with another update encoding ({@code groupSize} is used for INT8 only). */
    public TrainingConfig withEncoding(TensorEncoding encoding, int groupSize) {
        return new TrainingConfig(localEpochs, learningRate, batchSize, temperatureStart, temperatureEnd, entropyWeight,
                gumbelScale, encoding, encoding == TensorEncoding.INT8 ? groupSize : 0, rowRanks);
    }
}
