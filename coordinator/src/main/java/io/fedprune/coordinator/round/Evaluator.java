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
     * @param weightMasks per pruned layer name, a dense 0/1 mask of the weight's shape (layers not named stay dense)
     * @return the accuracy in [0, 1] on the test split, or empty if the coordinator has no held-out set
     */
    OptionalDouble accuracy(Map<String, float[]> weightMasks);

    /** The accuracy in [0, 1] on the validation split, or empty if the coordinator has none (then nothing is selected). */
    default OptionalDouble validationAccuracy(Map<String, float[]> weightMasks) {
        return OptionalDouble.empty();
    }

    /** An evaluator for a coordinator without held-out data. */
    static Evaluator none() {
        return masks -> OptionalDouble.empty();
    }
}
