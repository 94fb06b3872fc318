package io.fedprune.coordinator;

import io.fedprune.coordinator.job.JobSpec;
import io.fedprune.data.DataFiles;
import io.fedprune.data.Idx;
import io.fedprune.data.Mnist;
import io.fedprune.data.NdArray;
import io.fedprune.data.TestData;
import io.fedprune.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ModelProviderTest {

    /** The committed MNIST subset, re-written as plain IDX files; with {@code shift}, every label moved by that much. */
    private static Path copyOfMini(Path dir, int shift) throws IOException {
        Files.createDirectories(dir);
        Path mini = TestData.mnistMini();
        for (String f : new String[]{Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, Mnist.TEST_IMAGES, Mnist.TEST_LABELS}) {
            NdArray a = Idx.read(mini.resolve(f + ".gz"));
            byte[] b = new byte[a.values().length];
            boolean labels = a.rank() == 1;
            for (int i = 0; i < b.length; i++) b[i] = (byte) (labels ? ((int) a.values()[i] + shift) % 10 : (int) a.values()[i]);
            DataFiles.idx(dir.resolve(f), a.dims(), b);
        }
        return dir;
    }

    private static long cached(Path work) throws IOException {
        try (Stream<Path> s = Files.list(work.resolve("models"))) {
            return s.count();
        }
    }

    @Test
    void otherDataNeverReusesAModelPretrainedOnMnist(@TempDir Path tmp) throws IOException {
        Path mnist = copyOfMini(tmp.resolve("mnist"), 0), same = copyOfMini(tmp.resolve("same"), 0);
        Path other = copyOfMini(tmp.resolve("other"), 3);
        Path work = tmp.resolve("work");
        JobSpec spec = JobSpec.defaults();
        ModelProvider onMnist = new ModelProvider(mnist, work, ref -> null);
        ModelProvider onSame = new ModelProvider(same, work, ref -> null);
        ModelProvider onOther = new ModelProvider(other, work, ref -> null);

        // keyed by content: the same files in another folder share the key, other labels do not
        assertEquals(onMnist.cacheKey(spec), onSame.cacheKey(spec));
        assertNotEquals(onMnist.cacheKey(spec), onOther.cacheKey(spec));

        Model a = onMnist.model(spec);
        assertEquals(1, cached(work));
        assertArrayEquals(a.weight("fc1"), onSame.model(spec).weight("fc1"));   // read back from the cache
        assertEquals(1, cached(work));
        Model b = onOther.model(spec);
        assertEquals(2, cached(work), "the other data set is pretrained on, not served from the MNIST cache");
        assertFalse(java.util.Arrays.equals(a.weight("fc3"), b.weight("fc3")));
    }

    @Test
    void theValidationSplitIsTheTailOfTheTrainingImagesAndPretrainingLeavesItOut(@TempDir Path tmp) throws IOException {
        Path mnist = copyOfMini(tmp.resolve("mnist"), 0), work = tmp.resolve("work");
        JobSpec spec = JobSpec.builder().pretrainEpochs(1).build("j");
        ModelProvider plain = new ModelProvider(mnist, work, ref -> null), held = new ModelProvider(mnist, work, ref -> null, 500);
        assertNotEquals(plain.cacheKey(spec), held.cacheKey(spec), "a model pretrained without the validation images is cached apart");
        Model m = held.model(spec);
        assertFalse(java.util.Arrays.equals(plain.model(spec).weight("fc1"), m.weight("fc1")), "1500, not 2000, images pretrained on");

        io.fedprune.coordinator.round.Evaluator none = plain.evaluator(m, 0), eval = held.evaluator(m, 0);
        assertTrue(none.evaluate(java.util.Map.of()).validation().isEmpty(), "no validation split: nothing selects");
        io.fedprune.data.Dataset tail = held.raw().train().tail(500);
        var p = m.graph().preprocessing();
        double expected = io.fedprune.model.Network.of(m).evaluate(tail.normalized(p.scale(), p.mean(), p.std())).accuracy();
        assertEquals(expected, eval.evaluate(java.util.Map.of()).validation().getAsDouble(), 0);
        assertEquals(none.evaluate(java.util.Map.of()).test().getAsDouble(), eval.evaluate(java.util.Map.of()).test().getAsDouble(), 0,
                "the reported accuracy stays the test split's");
        // the last 500 of 2000 training images: image 1500 is the split's first
        assertArrayEquals(java.util.Arrays.copyOfRange(held.raw().train().x(), 1500 * 784, 1501 * 784), java.util.Arrays.copyOf(tail.x(), 784));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelProvider(mnist, work, ref -> null, 2000).evaluator(m, 0));
        assertTrue(e.getMessage().contains("leaves none of the 2000 training images"), e.getMessage());
    }
}
