package io.fedprune.agent;

import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.wire.Budget;
import io.fedprune.wire.Deployment;
import io.fedprune.wire.Granularity;
import io.fedprune.wire.LayerSpec;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.*;

class AgentMainTest {

    /** Runs the CLI capturing stdout and stderr. */
    private static String[] run(int[] code, String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            code[0] = AgentMain.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[]{o.toString(), e.toString()};
    }

    @Test
    void helpListsTheOptions() {
        int[] code = new int[1];
        String[] out = run(code, "--help");
        assertEquals(0, code[0]);
        for (String opt : List.of("--device-id", "--budget", "--data", "--partition", "--bootstrap", "--work-dir"))
            assertTrue(out[0].contains(opt), opt + " missing from --help");
    }

    @Test
    void badOptionsGiveAClearMessageAndExitCode2() {
        int[] code = new int[1];
        String[] out = run(code, "--budget", "0.1", "--data", "x");
        assertEquals(2, code[0]);
        assertTrue(out[1].contains("--device-id"), out[1]);
        out = run(code, "--device-id", "d", "--budget", "1.5", "--data", "x", "--bootstrap", "localhost:1");
        assertEquals(2, code[0]);
        assertTrue(out[1].contains("keep must be in (0, 1]"), out[1]);
        out = run(code, "--device-id", "d", "--budget", "0.1", "--data", "x", "--partition", "iid:4/4", "--bootstrap", "localhost:1");
        assertEquals(2, code[0]);
        assertTrue(out[1].contains("outside [0, 4)"), out[1]);
    }

    @Test
    void unreadableDataGivesExitCode1() {
        int[] code = new int[1];
        String[] out = run(code, "--device-id", "d", "--budget", "0.1", "--data", "/no/such/dir", "--bootstrap", "localhost:1");
        assertEquals(1, code[0]);
        assertTrue(out[1].contains("cannot read data in /no/such/dir"), out[1]);
    }

    @Test
    void budgetsParse() {
        Budget b = AgentMain.parseBudget("0.1,fc3=30");
        assertEquals(0.1, b.keep());
        assertEquals(Map.of("fc3", 30), b.kPerLayer());
        assertEquals(Map.of("fc1", 40, "fc2", 15), AgentMain.parseBudget("fc1=40, fc2=15").kPerLayer());
        assertThrows(IllegalArgumentException.class, () -> AgentMain.parseBudget("fc1=0"));
        assertThrows(IllegalArgumentException.class, () -> AgentMain.parseBudget("lots"));
    }

    @Test
    void partitionsSplitTheDataWithoutOverlap() throws Exception {
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        int total = 0;
        for (int i = 0; i < 4; i++) total += PartitionSpec.parse("iid:" + i + "/4:9").apply(mini.train()).n();
        assertEquals(mini.train().n(), total);
        int dir = 0;
        for (int i = 0; i < 3; i++) dir += PartitionSpec.parse("dirichlet:0.5:" + i + "/3").apply(mini.train()).n();
        assertEquals(mini.train().n(), dir);
        assertEquals(mini.train().n(), PartitionSpec.parse("all").apply(mini.train()).n());
        assertThrows(IllegalArgumentException.class, () -> PartitionSpec.parse("dirichlet:0:1/3"));
        assertThrows(IllegalArgumentException.class, () -> PartitionSpec.parse("shards:3"));
    }

    @Test
    void aTierFitsWhenItsKeepAndKAreWithinTheBudget() throws Exception {
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        Agent keep10 = new Agent(new Agent.Settings("a", Budget.ofKeep(0.1), mini.train().head(10), mini.test().head(10), null));
        Agent k40 = new Agent(new Agent.Settings("b", AgentMain.parseBudget("fc1=40"), mini.train().head(10), mini.test().head(10), null));
        Deployment t05 = tier(0.05, 40), t10 = tier(0.1, 79), t25 = tier(0.25, 196);
        assertTrue(keep10.fits(t05));
        assertTrue(keep10.fits(t10));
        assertFalse(keep10.fits(t25));
        assertTrue(k40.fits(t05));
        assertFalse(k40.fits(t10));
    }

    private static Deployment tier(double keep, int kFc1) {
        var ref = new io.fedprune.wire.BlobRef("b", "0".repeat(64), 1, 1, "");
        return new Deployment("keep-" + keep, keep, List.of(new LayerSpec("fc1", Granularity.WEIGHT, 784, kFc1)), ref, ref,
                OptionalDouble.empty(), Map.of());
    }
}
