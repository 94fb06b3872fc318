package io.fedprune.wire;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Feeds random and mutated byte strings to the decoder: nothing may escape, every input is either a valid
 * envelope (all records validate on construction) or a rejection with a reason and a detail.
 */
class DecoderFuzzTest {
    static final int RANDOM = 10_000;
    static final int MUTATED = 10_000;
    final WireCodec codec = WireCodec.standard();

    record Tally(Map<RejectReason, Integer> rejected, int decoded) {
        int total() {
            return decoded + rejected.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private Tally feed(List<byte[]> inputs) {
        Map<RejectReason, Integer> rejected = new EnumMap<>(RejectReason.class);
        int decoded = 0;
        for (byte[] in : inputs) {
            Decoded<Envelope> d;
            try {
                d = codec.decode(in);
            } catch (Throwable t) {
                throw new AssertionError("decode threw on " + Arrays.toString(in), t);
            }
            if (d.isOk()) {
                decoded++;
                Envelope e = d.value();   // a still-valid envelope (e.g. a changed character in an id) must round-trip as it is
                assertEquals(e, codec.decode(codec.encode(e)).value());
            } else {
                assertNotNull(d.rejection().reason());
                assertFalse(d.rejection().detail().isBlank(), "rejection without detail");
                rejected.merge(d.rejection().reason(), 1, Integer::sum);
            }
        }
        return new Tally(rejected, decoded);
    }

    @Test
    void randomBytesAreRejectedWithAReason() {
        Random r = new Random(20261121);
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < RANDOM; i++) {
            byte[] b = new byte[r.nextInt(i % 10 == 0 ? 5000 : 200)];
            r.nextBytes(b);
            if (i % 3 == 0 && b.length > 2) {            // look like an envelope start: schema_version = 1
                b[0] = 0x08;
                b[1] = 0x01;
            }
            inputs.add(b);
        }
        Tally t = feed(inputs);
        System.out.println("random:  " + t.total() + " inputs, decoded " + t.decoded() + ", rejected " + t.rejected());
        assertEquals(RANDOM, t.total());
        assertEquals(0, t.decoded(), "random garbage decoded as a valid envelope");
    }

    @Test
    void mutatedEnvelopesNeverEscapeAndAreMostlyRejected() {
        Random r = new Random(42);
        List<byte[]> seeds = new ArrayList<>();
        for (Envelope e : Samples.all().values()) seeds.add(codec.encode(e));
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < MUTATED; i++) {
            byte[] b = seeds.get(r.nextInt(seeds.size())).clone();
            int mutations = 1 + r.nextInt(4);
            for (int m = 0; m < mutations && b.length > 0; m++) b = mutate(b, r, seeds);
            inputs.add(b);
        }
        Tally t = feed(inputs);
        System.out.println("mutated: " + t.total() + " inputs, decoded " + t.decoded() + " (still valid), rejected " + t.rejected());
        assertEquals(MUTATED, t.total());
        assertTrue(t.decoded() < MUTATED / 2, "most mutations must be rejected, decoded " + t.decoded());
        assertTrue(t.rejected().size() >= 5, "several distinct reasons expected: " + t.rejected());
    }

    private static byte[] mutate(byte[] b, Random r, List<byte[]> seeds) {
        int p = r.nextInt(b.length);
        switch (r.nextInt(7)) {
            case 0 -> b[p] ^= (byte) (1 << r.nextInt(8));                              // flip a bit
            case 1 -> b[p] = (byte) r.nextInt(256);                                     // set a byte
            case 2 -> b = Arrays.copyOf(b, p);                                          // truncate
            case 3 -> {                                                                 // insert random bytes
                byte[] ins = new byte[1 + r.nextInt(8)];
                r.nextBytes(ins);
                byte[] out = new byte[b.length + ins.length];
                System.arraycopy(b, 0, out, 0, p);
                System.arraycopy(ins, 0, out, p, ins.length);
                System.arraycopy(b, p, out, p + ins.length, b.length - p);
                b = out;
            }
            case 4 -> {                                                                 // delete a range
                int len = Math.min(b.length - p, 1 + r.nextInt(8));
                byte[] out = new byte[b.length - len];
                System.arraycopy(b, 0, out, 0, p);
                System.arraycopy(b, p + len, out, p, b.length - p - len);
                b = out;
            }
            case 5 -> {                                                                 // splice with another envelope
                byte[] o = seeds.get(r.nextInt(seeds.size()));
                int q = r.nextInt(o.length);
                byte[] out = Arrays.copyOf(b, p + o.length - q);
                System.arraycopy(o, q, out, p, o.length - q);
                b = out;
            }
            default -> b[p] = (byte) (r.nextBoolean() ? 0x7f : 0xff);                   // extreme varint bytes
        }
        return b;
    }
}
