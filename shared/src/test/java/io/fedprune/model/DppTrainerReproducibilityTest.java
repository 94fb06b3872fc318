package io.fedprune.model;

import io.fedprune.dpp.ChildJvm;
import io.fedprune.dpp.MaskSpec;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A seeded DPP training (ND4J network, vectorised mask kernels) gives the same bits as the first training in a fresh
 * JVM and after any number of earlier trainings in this one. (Before the DPP kernels were made independent of JIT
 * state, the first training in a JVM differed in the last bits, and the coordinator IT needed a warm-up run.)
 */
class DppTrainerReproducibilityTest {

    /** Frozen-weight training at keep 2% (exact relaxation) and 10% (continuous limit on fc1), and joint training. */
    static Map<String, float[]> train() {
        Model model = Model.init(ModelArch.LENET300.graph(), 1);
        var data = MiniMnist.get().train().head(512);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (double keep : new double[]{0.02, 0.1}) {
            for (boolean joint : new boolean[]{false, true}) {
                if (joint && keep == 0.02) continue;
                List<MaskSpec> specs = MaskSpecs.weightLevel(ModelArch.LENET300.graph(), keep);
                TrainConfig cfg = new TrainConfig(1, 64, 0.1, 5, 0.5, 1e-3, 32, 1.0, 1, joint, 1e-3, 0, false);
                DppResult r = DppTrainer.train(model, data, specs, null, cfg, 3, ProgressListener.NONE);
                String run = "keep " + keep + (joint ? " joint " : " ");
                r.logits().forEach((layer, d) -> out.put(run + layer + " logits", d));
                if (joint) out.put(run + "fc1 weights", r.weights().weight("fc1"));
            }
        }
        return out;
    }

    /** Child JVM entry: one training in a fresh JVM. */
    public static void main(String[] args) {
        ChildJvm.print(train());
    }

    @Test
    void firstTrainingInAFreshJvmEqualsLaterOnes() throws Exception {
        Map<String, float[]> fresh = ChildJvm.run(DppTrainerReproducibilityTest.class, List.of());
        for (int rep = 0; rep < 3; rep++) ChildJvm.assertSameBits(fresh, train(), "fresh child JVM vs this JVM, training " + (rep + 1));
    }
}
