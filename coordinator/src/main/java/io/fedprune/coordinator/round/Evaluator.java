package io.fedprune.coordinator.round;

import java.util.Map;
import java.util.OptionalDouble;

/**
 * Accuracy of the job's model under weight masks on the coordinator's held-out data: the test split (what is reported)
 * and, if the coordinator has one, a validation split apart from it (what selects each tier's best round,
 * {@link TierSelection}; the test split never selects anything).
 */
public interface Evaluator {

    /**
     * A model's accuracy under masks, each in [0, 1].
     *
     * @param test       on the test split (what is reported), or empty if the coordinator has no held-out set
     * @param validation on the validation split (what selects a tier's best round), or empty if the coordinator has none
     *                   (then nothing is selected)
     */
    record Accuracy(OptionalDouble test, OptionalDouble validation) {
        /** Neither split. */
        public static final Accuracy NONE = new Accuracy(OptionalDouble.empty(), OptionalDouble.empty());
    }

    /**
     * The accuracies of the job's model under {@code weightMasks}, on each split the coordinator has (the masked model is
     * built once for both).
     *
     * @param weightMasks per pruned layer name, a dense 0/1 mask of the weight's shape (layers not named stay dense)
     */
    Accuracy evaluate(Map<String, float[]> weightMasks);

    /** An evaluator for a coordinator without held-out data. */
    static Evaluator none() {
        return masks -> Accuracy.NONE;
    }
}
