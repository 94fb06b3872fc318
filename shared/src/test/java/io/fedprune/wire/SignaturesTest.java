package io.fedprune.wire;

import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class SignaturesTest {
    private final KeyPair device = Signatures.generate();
    private final KeyPair other = Signatures.generate();
    private final WireCodec codec = WireCodec.standard();

    private Envelope update(String sender, String sha) {
        Update u = new Update(sender, List.of(new LayerSpec("fc1", Granularity.WEIGHT, 784, 78)),
                new BlobRef("b1", sha, 10, 1, Blobs.TENSORS), List.of(), TensorEncoding.FLOAT32, 100,
                new LocalMetrics(1, 0.5, 0.1, 0.9, 10), new Timings(1, 2, 3, 4), 0, 32, new byte[0]);
        return new Envelope("job", 1, "m-1", sender, 1000, u);
    }

    @Test
    void aSignatureVerifiesWithItsKeyOnlyAndSurvivesTheWire() {
        Envelope signed = Signatures.sign(update("d1", Samples.SHA_A), device.getPrivate());
        assertEquals(64, signed.signature().length);
        assertEquals(Optional.empty(), Signatures.verify(signed, device.getPublic()));
        Envelope back = codec.decode(codec.encode(signed)).value();
        assertEquals(signed, back);
        assertEquals(Optional.empty(), Signatures.verify(back, device.getPublic()));
        assertEquals(RejectReason.BAD_SIGNATURE, Signatures.verify(signed, other.getPublic()).orElseThrow().reason());
        assertEquals(RejectReason.UNSIGNED, Signatures.verify(update("d1", Samples.SHA_A), device.getPublic()).orElseThrow().reason());
    }

    @Test
    void aSenderSignsWhatItSendsButBlobChunksAndSendsUnsignedWithoutAKey() {
        Envelope update = update("d1", Samples.SHA_A), chunk = Samples.all().get("blob_chunk");
        assertEquals(Optional.empty(), Signatures.verify(Signatures.signForSending(update, device.getPrivate()), device.getPublic()));
        assertSame(chunk, Signatures.signForSending(chunk, device.getPrivate()), "a chunk is pinned by its blob's signed SHA-256");
        assertSame(update, Signatures.signForSending(update, null));
    }

    @Test
    void signaturesAreTheJdkProvidersBitForBitAndATamperedOneFails() throws Exception {
        Envelope e = update("d1", Samples.SHA_A);
        Envelope signed = Signatures.sign(e, device.getPrivate());
        java.security.Signature jdk = java.security.Signature.getInstance("Ed25519");
        jdk.initSign(device.getPrivate());
        jdk.update(Signatures.signingBytes(e));
        assertArrayEquals(jdk.sign(), signed.signature(), "Ed25519 is deterministic: the JDK provider signs the same bytes alike");
        jdk.initVerify(device.getPublic());
        jdk.update(Signatures.signingBytes(e));
        assertTrue(jdk.verify(signed.signature()));
        byte[] tampered = signed.signature();
        tampered[40] ^= 1;
        assertEquals(RejectReason.BAD_SIGNATURE, Signatures.verify(e.withSignature(tampered), device.getPublic()).orElseThrow().reason());
        byte[] shorter = java.util.Arrays.copyOf(signed.signature(), 63);
        assertEquals(RejectReason.BAD_SIGNATURE, Signatures.verify(e.withSignature(shorter), device.getPublic()).orElseThrow().reason());
    }

    @Test
    void theSignatureCoversTheContextAndTheReferencedBlobsHash() {
        Envelope signed = Signatures.sign(update("d1", Samples.SHA_A), device.getPrivate());
        Envelope otherBlob = update("d1", Samples.SHA_B).withSignature(signed.signature());
        assertEquals(RejectReason.BAD_SIGNATURE, Signatures.verify(otherBlob, device.getPublic()).orElseThrow().reason());
        Envelope otherRound = new Envelope("job", 2, "m-1", "d1", 1000, signed.body(), signed.signature());
        assertEquals(RejectReason.BAD_SIGNATURE, Signatures.verify(otherRound, device.getPublic()).orElseThrow().reason());
        Envelope otherId = new Envelope("job", 1, "m-2", "d1", 1000, signed.body(), signed.signature());
        assertEquals(RejectReason.BAD_SIGNATURE, Signatures.verify(otherId, device.getPublic()).orElseThrow().reason());
    }

    @Test
    void keysRoundTripThroughTheirTextForm() {
        assertEquals(device.getPublic(), Signatures.decodePublicKey(Signatures.encodePublicKey(device.getPublic())));
        assertArrayEquals(device.getPrivate().getEncoded(),
                Signatures.decodePrivateKey(Signatures.encodePrivateKey(device.getPrivate())).getEncoded());
        assertThrows(IllegalArgumentException.class, () -> Signatures.decodePublicKey("bm90IGEga2V5"));
        assertEquals(16, Signatures.fingerprint(device.getPublic()).length());
    }

    @Test
    void theVerifierRefusesUnknownRevokedMismatchedAndReplayedMessages() {
        boolean[] revoked = {false};
        MessageVerifier v = new MessageVerifier(s -> s.equals("d1") ? new MessageVerifier.KeyStatus(device.getPublic(), revoked[0]) : null, 2);
        Envelope ok = Signatures.sign(update("d1", Samples.SHA_A), device.getPrivate());
        assertEquals(Optional.empty(), v.check(ok));
        assertEquals(RejectReason.REPLAYED, v.check(ok).orElseThrow().reason());
        assertEquals(RejectReason.UNSIGNED, v.check(update("d1", Samples.SHA_A)).orElseThrow().reason());
        assertEquals(RejectReason.UNKNOWN_KEY, v.check(Signatures.sign(update("d2", Samples.SHA_A), other.getPrivate())).orElseThrow().reason());
        assertEquals(RejectReason.BAD_SIGNATURE, v.check(Signatures.sign(update("d1", Samples.SHA_A), other.getPrivate())).orElseThrow().reason());
        Envelope namesAnother = Signatures.sign(new Envelope("job", 1, "m-9", "d1", 1000, update("d2", Samples.SHA_A).body()), device.getPrivate());
        assertEquals(RejectReason.INVALID_FIELD, v.check(namesAnother).orElseThrow().reason());
        revoked[0] = true;
        assertEquals(RejectReason.REVOKED_KEY, v.check(Signatures.sign(new Envelope("job", 1, "m-3", "d1", 1000, ok.body()), device.getPrivate()))
                .orElseThrow().reason());
    }
}
