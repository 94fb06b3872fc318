package io.fedprune.coordinator.round;

import java.util.Map;
import java.util.OptionalDouble;

/** Accuracy of the job's model under weight masks on the coordinator's held-out set. */
public interface Evaluator {

    /**
     * @param weightMasks per pruned layer name, a dense 0/1 mask of the weight's shape (layers not named stay dense)
     * @return the accuracy in [0, 1], or empty if the coordinator has no held-out set
     */
    OptionalDouble accuracy(Map<String, float[]> weightMasks);

    /** An evaluator for a coordinator without held-out data. */
    static Evaluator none() {
        return masks -> OptionalDouble.empty();
    }
}
