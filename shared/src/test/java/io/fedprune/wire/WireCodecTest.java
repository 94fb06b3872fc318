package io.fedprune.wire;

import io.fedprune.wire.proto.Pb;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class WireCodecTest {
    final WireCodec codec = WireCodec.standard();

    @Test
    void theJobLogCarriesDeploymentsAndAcks() {
        Deployment d = (Deployment) Samples.all().get("deployment").body();
        for (JobEvent e : java.util.List.of(new JobDeployed(d), new JobAcked(DeploymentAck.applied("device-7", "keep-0.10", 0.955, 1000)),
                new JobAcked(DeploymentAck.failed("device-9", "keep-0.10", "does not fit")))) {
            Envelope env = Envelope.of("job-1", 0, "coordinator", e);
            Decoded<Envelope> back = codec.decode(codec.encode(env));
            assertTrue(back.isOk(), String.valueOf(back));
            assertEquals(e, back.value().body());
            assertEquals(MessageType.JOB_EVENT, back.value().type());
        }
    }

    @Test
    void samplesCoverEveryMessageType() {
        Set<MessageType> covered = Samples.all().values().stream().map(Envelope::type).collect(Collectors.toSet());
        assertEquals(EnumSet.allOf(MessageType.class), covered);
    }

    @Test
    void everyMessageTypeRoundTrips() {
        for (Map.Entry<String, Envelope> e : Samples.all().entrySet()) {
            Decoded<Envelope> d = codec.decode(codec.encode(e.getValue()));
            assertTrue(d.isOk(), e.getKey() + ": " + d);
            assertEquals(e.getValue(), d.value(), e.getKey());
            assertArrayEquals(codec.encode(e.getValue()), codec.encode(d.value()), e.getKey() + " re-encodes to the same bytes");
        }
    }

    @Test
    void envelopeFieldsAreOnTheWire() throws Exception {
        Envelope e = Samples.all().get("round_start");
        Pb.Envelope pb = Pb.Envelope.parseFrom(codec.encode(e));
        assertEquals(1, pb.getSchemaVersion());
        assertEquals(Pb.MessageType.MESSAGE_TYPE_ROUND_START, pb.getType());
        assertEquals("job-1", pb.getJobId());
        assertEquals(3, pb.getRound());
        assertEquals("msg-round", pb.getMessageId());
        assertEquals("coordinator", pb.getSender());
        assertEquals(Samples.T0 + 2, pb.getTimestampMs());
        assertEquals(2, pb.getRoundStart().getAssignmentsCount());
    }

    @Test
    void anAssignmentsSmallerTiersTravelAndMustNestInItsOwnLayers() throws Exception {
        Envelope e = Samples.all().get("round_start_nested");
        Pb.Envelope pb = Pb.Envelope.parseFrom(codec.encode(e));
        Pb.DeviceAssignment a = pb.getRoundStart().getAssignments(0);
        assertEquals(1, a.getSmallerTiersCount());
        assertEquals(39, a.getSmallerTiers(0).getLayers(0).getK());
        assertEquals(List.of(), ((RoundStart) Samples.all().get("round_start").body()).assignments().get(0).smallerTiers());
        // a smaller tier above the own k, or naming another layer, is refused on decoding
        for (Pb.LayerSpec bad : List.of(a.getSmallerTiers(0).getLayers(0).toBuilder().setK(79).build(),
                a.getSmallerTiers(0).getLayers(0).toBuilder().setLayer("fc9").build())) {
            Pb.Envelope.Builder b = pb.toBuilder();
            b.getRoundStartBuilder().getAssignmentsBuilder(0).getSmallerTiersBuilder(0).setLayers(0, bad);
            Rejection r = reject(b.build().toByteArray());
            assertTrue(r.detail().contains("does not nest"), r.detail());
        }
        Pb.Envelope.Builder b = pb.toBuilder();
        b.getRoundStartBuilder().getAssignmentsBuilder(0).getSmallerTiersBuilder(0).removeLayers(1);
        assertTrue(reject(b.build().toByteArray()).detail().contains("smaller tier has 1 layers"));
    }

    @Test
    void tensorBundleRoundTrips() {
        List<EncodedTensor> tensors = Samples.tensors();
        assertEquals(tensors, codec.decodeTensors(codec.encodeTensors(tensors)).value());
    }

    private static Pb.Envelope.Builder valid() throws Exception {
        return Pb.Envelope.parseFrom(WireCodec.standard().encode(Samples.all().get("update_inline"))).toBuilder();
    }

    private Rejection reject(byte[] bytes) {
        Decoded<Envelope> d = codec.decode(bytes);
        assertFalse(d.isOk(), () -> "expected a rejection, decoded " + d);
        assertFalse(d.rejection().detail().isBlank());
        return d.rejection();
    }

    @Test
    void rejectsNewerMissingAndUnknownSchemaVersions() throws Exception {
        Rejection r = reject(valid().setSchemaVersion(2).build().toByteArray());
        assertEquals(RejectReason.UNSUPPORTED_VERSION, r.reason());
        assertTrue(r.detail().contains("newer"), r.detail());
        assertEquals(RejectReason.UNSUPPORTED_VERSION, reject(valid().setSchemaVersion(0).build().toByteArray()).reason());
    }

    @Test
    void rejectsWrongTypes() throws Exception {
        assertEquals(RejectReason.WRONG_TYPE, reject(valid().setType(Pb.MessageType.MESSAGE_TYPE_HEARTBEAT).build().toByteArray()).reason());
        assertEquals(RejectReason.WRONG_TYPE, reject(valid().setTypeValue(99).build().toByteArray()).reason());
        assertEquals(RejectReason.WRONG_TYPE, reject(valid().clearBody().build().toByteArray()).reason());
        Decoded<Envelope> d = codec.decode(valid().build().toByteArray(), EnumSet.of(MessageType.DEVICE_HELLO, MessageType.HEARTBEAT));
        assertEquals(RejectReason.WRONG_TYPE, d.rejection().reason());
        assertTrue(d.rejection().detail().contains("UPDATE"), d.rejection().detail());
    }

    @Test
    void rejectsTruncatedMalformedEmptyAndOversizeBytes() throws Exception {
        byte[] ok = valid().build().toByteArray();
        assertEquals(RejectReason.TRUNCATED, reject(Arrays.copyOf(ok, ok.length - 3)).reason());
        assertEquals(RejectReason.MALFORMED, reject(new byte[]{0x0f, 0x00}).reason());
        assertEquals(RejectReason.MALFORMED, reject(new byte[0]).reason());
        assertEquals(RejectReason.MALFORMED, reject(null).reason());
        WireCodec small = new WireCodec(new WireCodec.Limits(100, 1000, 1000));
        Rejection r = small.decode(ok).rejection();
        assertEquals(RejectReason.OVERSIZE, r.reason());
        assertTrue(r.detail().contains("limit of 100"), r.detail());
    }

    @Test
    void rejectsShapeAndDtypeMismatch() throws Exception {
        Pb.Envelope.Builder b = valid();
        b.getUpdateBuilder().getInlineLogitsBuilder().getTensorsBuilder(0).setShape(1, 4);  // [2,4] needs 32 bytes, has 24
        Rejection r = reject(b.build().toByteArray());
        assertEquals(RejectReason.SHAPE_MISMATCH, r.reason());
        assertTrue(r.detail().contains("'fc1'") && r.detail().contains("needs 32 bytes"), r.detail());

        b = valid();
        b.getUpdateBuilder().getInlineLogitsBuilder().getTensorsBuilder(1).setDtype(Pb.DType.DTYPE_FLOAT32);  // 4 bytes = 1 float32, shape [2]
        assertEquals(RejectReason.SHAPE_MISMATCH, reject(b.build().toByteArray()).reason());

        b = valid();
        b.getUpdateBuilder().getInlineLogitsBuilder().getTensorsBuilder(2).clearScales().addScales(0.5f).addScales(0.25f);
        assertEquals(RejectReason.SHAPE_MISMATCH, reject(b.build().toByteArray()).reason());
    }

    @Test
    void rejectsNonFiniteNumbers() throws Exception {
        Pb.Envelope.Builder b = valid();
        byte[] nan = {0, 0, (byte) 0xc0, 0x7f};
        b.getUpdateBuilder().getInlineLogitsBuilder().getTensorsBuilder(0)
                .setData(com.google.protobuf.ByteString.copyFrom(new byte[20]).concat(com.google.protobuf.ByteString.copyFrom(nan)));
        Rejection r = reject(b.build().toByteArray());
        assertEquals(RejectReason.NON_FINITE, r.reason());
        assertTrue(r.detail().contains("element 5 is NaN"), r.detail());

        b = valid();
        b.getUpdateBuilder().getMetricsBuilder().setLossAfter(Double.POSITIVE_INFINITY);
        assertEquals(RejectReason.NON_FINITE, reject(b.build().toByteArray()).reason());

        b = valid();
        b.getUpdateBuilder().getInlineLogitsBuilder().getTensorsBuilder(1).setData(com.google.protobuf.ByteString.copyFrom(new byte[]{0, 0x7c, 0, 0}));
        assertEquals(RejectReason.NON_FINITE, reject(b.build().toByteArray()).reason());
    }

    @Test
    void rejectsInvalidFieldsNamingThem() throws Exception {
        Pb.Envelope.Builder b = valid();
        b.getUpdateBuilder().getKUsedBuilder(0).setK(1000);
        Rejection r = reject(b.build().toByteArray());
        assertEquals(RejectReason.INVALID_FIELD, r.reason());
        assertTrue(r.detail().contains("layer 'fc1' k must be <= n = 784"), r.detail());

        assertEquals("job_id must not be blank for UPDATE", reject(valid().setJobId("").build().toByteArray()).detail());

        b = valid();
        b.getUpdateBuilder().setLogitsRef(Pb.BlobRef.newBuilder().setBlobId("x").setSha256("nothex").setChunkCount(1));
        assertTrue(reject(b.build().toByteArray()).detail().contains("sha256 must be 64 lowercase hex digits"));
    }

    @Test
    void rejectsCorruptBlobChunk() throws Exception {
        Pb.Envelope.Builder b = Pb.Envelope.parseFrom(codec.encode(Samples.all().get("blob_chunk"))).toBuilder();
        b.getBlobChunkBuilder().setData(com.google.protobuf.ByteString.copyFrom(new byte[]{9, 8, 7, 5}));
        Rejection r = reject(b.build().toByteArray());
        assertEquals(RejectReason.CHECKSUM_MISMATCH, r.reason());
        assertTrue(r.detail().contains("blob upd-7-3 chunk 1 of 3"), r.detail());
    }

    @Test
    void newerWriterFieldsAreIgnoredWithinTheSameVersion() throws Exception {
        // a v1 writer that knows a field this reader does not (field 999) stays readable
        byte[] ok = valid().build().toByteArray();
        byte[] extra = Pb.Envelope.parseFrom(ok).toBuilder().setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(999, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build()).build().toByteArray();
        assertEquals(codec.decode(ok).value(), codec.decode(extra).value());
    }
}
