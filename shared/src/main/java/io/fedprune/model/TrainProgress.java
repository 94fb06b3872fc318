package io.fedprune.model;

/**
 * Progress of a training run, reported after every epoch.
 *
 * @param phase         what is being trained, e.g. {@code dense lenet300} or {@code dpp lenet300}
 * @param epoch         epochs done (1-based)
 * @param epochs        epochs in total
 * @param loss          mean training loss over the epoch
 * @param accuracy      accuracy in [0, 1] on the validation set if one was given (deterministic masks for DPP),
 *                      else NaN
 * @param temperature   DPP temperature at the end of the epoch, NaN for dense training
 * @param elapsedMillis wall time since training started
 */
public record TrainProgress(String phase, int epoch, int epochs, double loss, double accuracy, double temperature,
                            long elapsedMillis) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("%s epoch %d/%d loss %.4f", phase, epoch, epochs, loss));
        if (!Double.isNaN(accuracy)) sb.append(String.format(" acc %.2f%%", 100 * accuracy));
        if (!Double.isNaN(temperature)) sb.append(String.format(" T %.2f", temperature));
        return sb.append(String.format(" (%.1f s)", elapsedMillis / 1000.0)).toString();
    }
}
