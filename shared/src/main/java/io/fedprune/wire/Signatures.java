package io.fedprune.wire;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Signing and verifying envelopes with Ed25519: the one place of that logic, pure functions. Keys are the JDK's
 * ({@link KeyPairGenerator}, {@link KeyFactory}); signing and verifying run Bouncy Castle's RFC 8032 code on their raw
 * 32 bytes (the same signatures, Ed25519 being deterministic, at about a tenth of the JDK 17 provider's CPU time: every
 * device message is signed and verified), or the JDK's provider for a key of another encoding. A signature covers {@code "fedprune.v1.envelope\0"} followed by the envelope encoded by
 * {@link WireCodec} without its signature: context (job, round, message id, sender, timestamp) and the whole body,
 * including the SHA-256 of every blob the body references, so a signed message also pins the blobs it points to.
 * Keys travel as Base64 of their standard encodings (X.509 SubjectPublicKeyInfo, PKCS#8).
 */
public final class Signatures {
    /** The signature algorithm. */
    public static final String ALGORITHM = "Ed25519";
    private static final byte[] CONTEXT = "fedprune.v1.envelope\0".getBytes(StandardCharsets.US_ASCII);
    private static final WireCodec CODEC = WireCodec.standard();
    /** DER before the raw key: X.509 SubjectPublicKeyInfo and PKCS#8 (v1, no public key) of an Ed25519 key (RFC 8410). */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
    private static final int KEY_BYTES = 32;

    private Signatures() {
    }

    /** A fresh Ed25519 key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no " + ALGORITHM, e);
        }
    }

    /** The bytes a signature of {@code e} covers (its own signature left out). */
    public static byte[] signingBytes(Envelope e) {
        byte[] body = CODEC.encode(e.withSignature(null));
        byte[] out = new byte[CONTEXT.length + body.length];
        System.arraycopy(CONTEXT, 0, out, 0, CONTEXT.length);
        System.arraycopy(body, 0, out, CONTEXT.length, body.length);
        return out;
    }

    /**
     * {@code e} as its sender puts it on the wire: signed with {@code key}, except a blob chunk (pinned instead by the
     * SHA-256 in the signed message that refers to its blob) or when the sender has no key ({@code key} null).
     */
    public static Envelope signForSending(Envelope e, PrivateKey key) {
        return key == null || e.type() == MessageType.BLOB_CHUNK ? e : sign(e, key);
    }

    /** {@code e} signed with {@code key} (any previous signature replaced). */
    public static Envelope sign(Envelope e, PrivateKey key) {
        byte[] message = signingBytes(e);
        byte[] raw = raw(key.getEncoded(), PKCS8_PREFIX);
        if (raw != null) {
            byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
            Ed25519.sign(raw, 0, message, 0, message.length, signature, 0);
            return e.withSignature(signature);
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(message);
            return e.withSignature(s.sign());
        } catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("cannot sign with this key: " + ex.getMessage(), ex);
        }
    }

    /**
     * Checks the signature of {@code e} against {@code key}: empty if it verifies, else the rejection
     * ({@link RejectReason#UNSIGNED} or {@link RejectReason#BAD_SIGNATURE}).
     */
    public static Optional<Rejection> verify(Envelope e, PublicKey key) {
        if (!e.signed()) return Optional.of(new Rejection(RejectReason.UNSIGNED, e.type() + " from " + e.sender() + " is not signed"));
        if (verifies(e.signature(), signingBytes(e), key)) return Optional.empty();
        return Optional.of(new Rejection(RejectReason.BAD_SIGNATURE, e.type() + " from " + e.sender()
                + ": the signature does not verify with the key enrolled for " + e.sender()));
    }

    private static boolean verifies(byte[] signature, byte[] message, PublicKey key) {
        byte[] raw = raw(key.getEncoded(), X509_PREFIX);
        try {
            if (raw != null) return signature.length == Ed25519.SIGNATURE_SIZE && Ed25519.verify(signature, 0, raw, 0, message, 0, message.length);
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException ex) {
            return false;   // a malformed signature or key is a bad signature
        }
    }

    /** The raw 32-byte key of an encoding that is {@code prefix} followed by it (the JDK's encodings of Ed25519 keys); else null. */
    private static byte[] raw(byte[] encoded, byte[] prefix) {
        if (encoded == null || encoded.length != prefix.length + KEY_BYTES
                || !Arrays.equals(encoded, 0, prefix.length, prefix, 0, prefix.length)) return null;
        return Arrays.copyOfRange(encoded, prefix.length, encoded.length);
    }

    /** Base64 of the X.509 encoding of a public key. */
    public static String encodePublicKey(PublicKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /**
     * The Ed25519 public key of {@link #encodePublicKey}'s form.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static PublicKey decodePublicKey(String base64) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64.trim())));
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("not a Base64 X.509 Ed25519 public key");
        }
    }

    /** Base64 of the PKCS#8 encoding of a private key. */
    public static String encodePrivateKey(PrivateKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /**
     * The Ed25519 private key of {@link #encodePrivateKey}'s form.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static PrivateKey decodePrivateKey(String base64) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64.trim())));
        } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("not a Base64 PKCS#8 Ed25519 private key");
        }
    }

    /** A short, stable name of a public key for logs and listings: the first 16 hex digits of its SHA-256. */
    public static String fingerprint(PublicKey key) {
        return Blobs.sha256Hex(key.getEncoded()).substring(0, 16);
    }
}
