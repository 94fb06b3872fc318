package io.fedprune.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ProtocolMessageEnum;
import com.google.protobuf.UnsafeByteOperations;
import io.fedprune.wire.proto.Pb;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one codec of the wire protocol: {@link Envelope}s to bytes (schema {@code fedprune.v1}) and back.
 *
 * <p>{@link #decode(byte[])} never throws: anything that is not a valid envelope of a known version is a
 * {@link Decoded#rejected rejection} with a specific {@link RejectReason} (oversize, truncated, malformed,
 * unsupported version, wrong type, invalid field, shape mismatch, non-finite number, chunk checksum mismatch).
 * Instances are immutable and thread-safe.
 */
public final class WireCodec {
    /** The schema version this codec writes and the only one it reads. */
    public static final int SCHEMA_VERSION = 1;

    /**
     * Size limits applied when decoding.
     *
     * @param maxMessageBytes   largest encoded envelope accepted; default 16 MiB (Kafka's own limit is usually lower)
     * @param maxTensorElements largest tensor (elements) accepted; default 2^26 (256 MiB of float32)
     * @param maxBlobBytes      largest blob a {@link BlobRef} or {@link BlobChunk} may declare; default 2 GiB - 9
     */
    public record Limits(int maxMessageBytes, long maxTensorElements, long maxBlobBytes) {
        public Limits {
            if (maxMessageBytes < 1) throw new IllegalArgumentException("maxMessageBytes must be >= 1, was " + maxMessageBytes);
            if (maxTensorElements < 1) throw new IllegalArgumentException("maxTensorElements must be >= 1, was " + maxTensorElements);
            if (maxBlobBytes < 0) throw new IllegalArgumentException("maxBlobBytes must be >= 0, was " + maxBlobBytes);
        }

        /** The defaults listed above. */
        public static Limits defaults() {
            return new Limits(16 << 20, 1L << 26, Integer.MAX_VALUE - 8L);
        }
    }

    private static final WireCodec STANDARD = new WireCodec(Limits.defaults());
    private final Limits limits;

    /** A codec with the given limits. */
    public WireCodec(Limits limits) {
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
    }

    /** The codec with {@link Limits#defaults()}. */
    public static WireCodec standard() {
        return STANDARD;
    }

    /** This codec's limits. */
    public Limits limits() {
        return limits;
    }

    // ------------------------------------------------------------------------------------------------------------
    // public API
    // ------------------------------------------------------------------------------------------------------------

    /** Encodes an envelope (schema version {@link #SCHEMA_VERSION}). */
    public byte[] encode(Envelope e) {
        return toProto(e).toByteArray();
    }

    /** Decodes an envelope of any type; never throws. */
    public Decoded<Envelope> decode(byte[] bytes) {
        return decode(bytes, EnumSet.allOf(MessageType.class));
    }

    /** Decodes an envelope and rejects it ({@link RejectReason#WRONG_TYPE}) unless its type is in {@code accepted}; never throws. */
    public Decoded<Envelope> decode(byte[] bytes, Set<MessageType> accepted) {
        try {
            if (bytes == null) return Decoded.rejected(RejectReason.MALFORMED, "no value (null record value)");
            if (bytes.length == 0) return Decoded.rejected(RejectReason.MALFORMED, "empty value");
            if (bytes.length > limits.maxMessageBytes()) {
                return Decoded.rejected(RejectReason.OVERSIZE, bytes.length + " bytes exceed the limit of " + limits.maxMessageBytes());
            }
            // bytes fields view the input instead of copying it (aliasing needs an input protobuf treats as immutable);
            // the records copy what they keep, except BlobChunk, which documents that it is a view
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            Pb.Envelope pb = Pb.Envelope.parseFrom(in);
            Envelope e = fromProto(pb);
            if (!accepted.contains(e.type())) {
                return Decoded.rejected(RejectReason.WRONG_TYPE, e.type() + " is not accepted here (expected one of " + accepted + ")");
            }
            return Decoded.ok(e);
        } catch (InvalidProtocolBufferException e) {
            return Decoded.rejected(protobufReason(e), "not a valid envelope: " + e.getMessage());
        } catch (java.io.IOException e) {
            return Decoded.rejected(RejectReason.MALFORMED, "not a valid envelope: " + e);
        } catch (InvalidMessageException e) {
            return Decoded.rejected(e.rejection());
        } catch (RuntimeException | StackOverflowError e) {
            return Decoded.rejected(RejectReason.MALFORMED, "cannot decode: " + e);
        }
    }

    /** Encodes tensors as a {@code fedprune.v1.TensorBundle} (blob content type {@link Blobs#TENSORS}). */
    public byte[] encodeTensors(List<EncodedTensor> tensors) {
        return toProto(tensors).toByteArray();
    }

    /** Decodes a {@code fedprune.v1.TensorBundle}; never throws. */
    public Decoded<List<EncodedTensor>> decodeTensors(byte[] bytes) {
        return decodeTensors(bytes == null ? null : ByteBuffer.wrap(bytes));
    }

    /**
     * Decodes a {@code fedprune.v1.TensorBundle} from the buffer's remaining bytes (e.g. a blob reader's read-only view,
     * which is neither copied nor changed: the tensors copy what they keep); never throws.
     */
    public Decoded<List<EncodedTensor>> decodeTensors(ByteBuffer bytes) {
        try {
            if (bytes == null) return Decoded.rejected(RejectReason.MALFORMED, "no value");
            // bytes fields view the input while parsing (aliasing); EncodedTensor copies what it keeps
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes.duplicate()).newCodedInput();
            in.enableAliasing(true);
            return Decoded.ok(fromProto(Pb.TensorBundle.parseFrom(in)));
        } catch (InvalidProtocolBufferException e) {
            return Decoded.rejected(protobufReason(e), "not a valid tensor bundle: " + e.getMessage());
        } catch (java.io.IOException e) {
            return Decoded.rejected(RejectReason.MALFORMED, "not a valid tensor bundle: " + e);
        } catch (InvalidMessageException e) {
            return Decoded.rejected(e.rejection());
        } catch (RuntimeException | StackOverflowError e) {
            return Decoded.rejected(RejectReason.MALFORMED, "cannot decode tensor bundle: " + e);
        }
    }

    private static RejectReason protobufReason(InvalidProtocolBufferException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("ended unexpectedly") || m.contains("misreported its own length") ? RejectReason.TRUNCATED : RejectReason.MALFORMED;
    }

    // ------------------------------------------------------------------------------------------------------------
    // envelope
    // ------------------------------------------------------------------------------------------------------------

    Pb.Envelope toProto(Envelope e) {
        Pb.Envelope.Builder b = Pb.Envelope.newBuilder()
                .setSchemaVersion(SCHEMA_VERSION)
                .setType(toProto(e.type()))
                .setJobId(e.jobId())
                .setRound(e.round())
                .setMessageId(e.messageId())
                .setSender(e.sender())
                .setTimestampMs(e.timestampMs())
                .setSignature(ByteString.copyFrom(e.signature()));
        Message m = e.body();
        if (m instanceof DeviceHello h) b.setDeviceHello(Pb.DeviceHello.newBuilder().setProfile(toProto(h.profile())));
        else if (m instanceof Heartbeat h) b.setHeartbeat(Pb.Heartbeat.newBuilder().setProfile(toProto(h.profile())).setState(toProto(h.state())));
        else if (m instanceof RoundStart r) b.setRoundStart(toProto(r));
        else if (m instanceof Update u) b.setUpdate(toProto(u));
        else if (m instanceof Deployment d) b.setDeployment(toProto(d));
        else if (m instanceof DeploymentAck a) b.setDeploymentAck(toProto(a));
        else if (m instanceof JobEvent j) b.setJobEvent(toProto(j));
        else if (m instanceof DeadLetter d) b.setDeadLetter(toProto(d));
        else if (m instanceof BlobChunk c) b.setBlobChunk(toProto(c));
        else if (m instanceof JobCancel c) b.setJobCancel(Pb.JobCancel.newBuilder().setReason(c.reason()));
        else throw new IllegalArgumentException("unknown message " + m.getClass());
        return b.build();
    }

    Envelope fromProto(Pb.Envelope p) {
        int version = p.getSchemaVersion();
        if (version == 0) throw new InvalidMessageException(RejectReason.UNSUPPORTED_VERSION, "schema_version is missing");
        if (version != SCHEMA_VERSION) {
            throw new InvalidMessageException(RejectReason.UNSUPPORTED_VERSION, "schema version " + version
                    + (version > SCHEMA_VERSION ? " is newer than this reader's " : " is unknown to this reader, which reads ") + SCHEMA_VERSION);
        }
        if (p.getType() == Pb.MessageType.UNRECOGNIZED || p.getType() == Pb.MessageType.MESSAGE_TYPE_UNSPECIFIED) {
            throw new InvalidMessageException(RejectReason.WRONG_TYPE, "unknown message type " + p.getTypeValue());
        }
        MessageType type = MessageType.valueOf(p.getType().name().substring("MESSAGE_TYPE_".length()));
        MessageType bodyType = switch (p.getBodyCase()) {
            case DEVICE_HELLO -> MessageType.DEVICE_HELLO;
            case HEARTBEAT -> MessageType.HEARTBEAT;
            case ROUND_START -> MessageType.ROUND_START;
            case UPDATE -> MessageType.UPDATE;
            case DEPLOYMENT -> MessageType.DEPLOYMENT;
            case DEPLOYMENT_ACK -> MessageType.DEPLOYMENT_ACK;
            case JOB_EVENT -> MessageType.JOB_EVENT;
            case DEAD_LETTER -> MessageType.DEAD_LETTER;
            case BLOB_CHUNK -> MessageType.BLOB_CHUNK;
            case JOB_CANCEL -> MessageType.JOB_CANCEL;
            case BODY_NOT_SET -> throw new InvalidMessageException(RejectReason.WRONG_TYPE, "type " + type + " but no body");
        };
        if (bodyType != type) throw new InvalidMessageException(RejectReason.WRONG_TYPE, "type " + type + " but the body is a " + bodyType);
        Message body = switch (type) {
            case DEVICE_HELLO -> new DeviceHello(fromProto(p.getDeviceHello().getProfile(), p.getDeviceHello().hasProfile()));
            case HEARTBEAT -> new Heartbeat(fromProto(p.getHeartbeat().getProfile(), p.getHeartbeat().hasProfile()),
                    enumFrom(p.getHeartbeat().getState(), "DEVICE_STATE_", DeviceState.class, "heartbeat.state"));
            case ROUND_START -> fromProto(p.getRoundStart());
            case UPDATE -> fromProto(p.getUpdate());
            case DEPLOYMENT -> fromProto(p.getDeployment());
            case DEPLOYMENT_ACK -> fromProto(p.getDeploymentAck());
            case JOB_EVENT -> fromProto(p.getJobEvent());
            case DEAD_LETTER -> fromProto(p.getDeadLetter());
            case BLOB_CHUNK -> fromProto(p.getBlobChunk());
            case JOB_CANCEL -> new JobCancel(p.getJobCancel().getReason());
        };
        return new Envelope(p.getJobId(), p.getRound(), p.getMessageId(), p.getSender(), p.getTimestampMs(), body, p.getSignature().toByteArray());
    }

    // ------------------------------------------------------------------------------------------------------------
    // enums: Java name = proto name without its prefix
    // ------------------------------------------------------------------------------------------------------------

    private static Pb.MessageType toProto(MessageType t) {
        return Pb.MessageType.valueOf("MESSAGE_TYPE_" + t.name());
    }

    private static <E extends Enum<E>> E enumFrom(ProtocolMessageEnum p, String prefix, Class<E> type, String field) {
        String name = ((Enum<?>) p).name();
        if (name.equals("UNRECOGNIZED")) throw Checks.bad(field + " has a value unknown to this reader");
        if (name.endsWith("_UNSPECIFIED")) throw Checks.bad(field + " is not set");
        return Enum.valueOf(type, name.substring(prefix.length()));
    }

    private static Pb.DeviceState toProto(DeviceState s) {
        return Pb.DeviceState.valueOf("DEVICE_STATE_" + s.name());
    }

    private static Pb.Granularity toProto(Granularity g) {
        return Pb.Granularity.valueOf("GRANULARITY_" + g.name());
    }

    private static Pb.TensorEncoding toProto(TensorEncoding e) {
        return Pb.TensorEncoding.valueOf("TENSOR_ENCODING_" + e.name());
    }

    private static Pb.DType toProto(DType d) {
        return Pb.DType.valueOf("DTYPE_" + d.name());
    }

    private static Pb.JobState toProto(JobState s) {
        return Pb.JobState.valueOf("JOB_STATE_" + s.name());
    }

    private static Pb.RejectReason toProto(RejectReason r) {
        return Pb.RejectReason.valueOf("REJECT_REASON_" + r.name());
    }

    // ------------------------------------------------------------------------------------------------------------
    // shared pieces
    // ------------------------------------------------------------------------------------------------------------

    private Pb.BlobRef toProto(BlobRef r) {
        return Pb.BlobRef.newBuilder().setBlobId(r.blobId()).setSha256(r.sha256()).setSize(r.size())
                .setChunkCount(r.chunkCount()).setContentType(r.contentType()).build();
    }

    private BlobRef fromProto(Pb.BlobRef p, String field) {
        if (p.getSize() > limits.maxBlobBytes() || p.getSize() < 0) {
            throw new InvalidMessageException(RejectReason.OVERSIZE, field + ".size " + Long.toUnsignedString(p.getSize())
                    + " exceeds the limit of " + limits.maxBlobBytes());
        }
        return new BlobRef(p.getBlobId(), p.getSha256(), p.getSize(), uint(p.getChunkCount(), field + ".chunk_count"), p.getContentType());
    }

    private Pb.BlobChunk toProto(BlobChunk c) {
        return Pb.BlobChunk.newBuilder().setBlobId(c.blobId()).setIndex(c.index()).setCount(c.count()).setTotalSize(c.totalSize())
                .setSha256(c.sha256()).setContentType(c.contentType())
                .setData(UnsafeByteOperations.unsafeWrap(c.data()))   // no copy: a view of the payload, copied once by toByteArray
                .setCrc32C(c.crc32c()).build();
    }

    private BlobChunk fromProto(Pb.BlobChunk p) {
        if (p.getTotalSize() > limits.maxBlobBytes() || p.getTotalSize() < 0) {
            throw new InvalidMessageException(RejectReason.OVERSIZE, "blob_chunk.total_size " + Long.toUnsignedString(p.getTotalSize())
                    + " exceeds the limit of " + limits.maxBlobBytes());
        }
        BlobChunk c = new BlobChunk(p.getBlobId(), uint(p.getIndex(), "blob_chunk.index"), uint(p.getCount(), "blob_chunk.count"),
                p.getTotalSize(), p.getSha256(), p.getContentType(), p.getData().asReadOnlyByteBuffer());   // a view (aliasing parse)
        if (c.crc32c() != p.getCrc32C()) {
            throw new InvalidMessageException(RejectReason.CHECKSUM_MISMATCH, "blob " + c.blobId() + " chunk " + c.index() + " of " + c.count()
                    + ": CRC-32C of its " + c.size() + " data bytes is " + Integer.toHexString(c.crc32c())
                    + ", the chunk declares " + Integer.toHexString(p.getCrc32C()) + " (corrupt chunk)");
        }
        return c;
    }

    private static int uint(int value, String field) {
        if (value < 0) throw new InvalidMessageException(RejectReason.OVERSIZE, field + " " + Integer.toUnsignedString(value) + " is out of range");
        return value;
    }

    private Pb.Tensor toProto(EncodedTensor t) {
        Pb.Tensor.Builder b = Pb.Tensor.newBuilder().setName(t.name()).setDtype(toProto(t.dtype()))
                .setData(UnsafeByteOperations.unsafeWrap(t.data())).setGroupSize(t.groupSize());
        for (int d : t.shape()) b.addShape(d);
        for (float s : t.scales()) b.addScales(s);
        if (t.hasRowRanks()) b.setRowRanks(UnsafeByteOperations.unsafeWrap(t.rowRanks()));
        return b.build();
    }

    private EncodedTensor fromProto(Pb.Tensor p) {
        String name = p.getName();
        int[] shape = new int[p.getShapeCount()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = uint(p.getShape(i), "tensor '" + name + "' shape[" + i + "]");
            elements *= Math.max(shape[i], 1) == shape[i] ? shape[i] : 0;
            if (elements > limits.maxTensorElements()) {
                throw new InvalidMessageException(RejectReason.OVERSIZE, "tensor '" + name + "' has more than the limit of "
                        + limits.maxTensorElements() + " elements");
            }
        }
        float[] scales = new float[p.getScalesCount()];
        for (int i = 0; i < scales.length; i++) scales[i] = p.getScales(i);
        return new EncodedTensor(name, enumFrom(p.getDtype(), "DTYPE_", DType.class, "tensor '" + name + "' dtype"), shape,
                p.getData().toByteArray(), uint(p.getGroupSize(), "tensor '" + name + "' group_size"), scales, p.getRowRanks().toByteArray());
    }

    private Pb.TensorBundle toProto(List<EncodedTensor> tensors) {
        Pb.TensorBundle.Builder b = Pb.TensorBundle.newBuilder();
        for (EncodedTensor t : tensors) b.addTensors(toProto(t));
        return b.build();
    }

    private List<EncodedTensor> fromProto(Pb.TensorBundle p) {
        List<EncodedTensor> out = new ArrayList<>(p.getTensorsCount());
        for (Pb.Tensor t : p.getTensorsList()) out.add(fromProto(t));
        return out;
    }

    private static Pb.LayerSpec toProto(LayerSpec s) {
        return Pb.LayerSpec.newBuilder().setLayer(s.layer()).setGranularity(toProto(s.granularity())).setN(s.n()).setK(s.k()).build();
    }

    private static LayerSpec fromProto(Pb.LayerSpec p) {
        return new LayerSpec(p.getLayer(), enumFrom(p.getGranularity(), "GRANULARITY_", Granularity.class, "layer '" + p.getLayer() + "' granularity"),
                uint(p.getN(), "layer '" + p.getLayer() + "' n"), uint(p.getK(), "layer '" + p.getLayer() + "' k"));
    }

    private static List<Pb.LayerSpec> layersToProto(List<LayerSpec> specs) {
        return specs.stream().map(WireCodec::toProto).toList();
    }

    private static List<LayerSpec> layersFromProto(List<Pb.LayerSpec> specs) {
        return specs.stream().map(WireCodec::fromProto).toList();
    }

    // ------------------------------------------------------------------------------------------------------------
    // devices
    // ------------------------------------------------------------------------------------------------------------

    private static Pb.DeviceProfile toProto(DeviceProfile d) {
        Pb.Budget.Builder budget = Pb.Budget.newBuilder().setKeep(d.budget().keep());
        d.budget().kPerLayer().forEach((layer, k) -> budget.addLayerK(Pb.LayerK.newBuilder().setLayer(layer).setK(k)));
        return Pb.DeviceProfile.newBuilder().setDeviceId(d.deviceId()).setBudget(budget).setSampleCount(d.sampleCount())
                .addAllCapabilities(d.capabilities()).setAgentVersion(d.agentVersion()).build();
    }

    private static DeviceProfile fromProto(Pb.DeviceProfile p, boolean present) {
        if (!present) throw Checks.bad("profile is missing");
        if (!p.hasBudget()) throw Checks.bad("budget is missing");
        Map<String, Integer> k = new TreeMap<>();
        for (Pb.LayerK lk : p.getBudget().getLayerKList()) {
            if (k.put(lk.getLayer(), uint(lk.getK(), "budget.k_per_layer[" + lk.getLayer() + "]")) != null) {
                throw Checks.bad("budget.k_per_layer names layer '" + lk.getLayer() + "' twice");
            }
        }
        return new DeviceProfile(p.getDeviceId(), new Budget(p.getBudget().getKeep(), k), nonNegative(p.getSampleCount(), "sample_count"),
                p.getCapabilitiesList(), p.getAgentVersion());
    }

    private static long nonNegative(long unsigned, String field) {
        if (unsigned < 0) throw new InvalidMessageException(RejectReason.OVERSIZE, field + " " + Long.toUnsignedString(unsigned) + " is out of range");
        return unsigned;
    }

    // ------------------------------------------------------------------------------------------------------------
    // rounds and updates
    // ------------------------------------------------------------------------------------------------------------

    private Pb.RoundStart toProto(RoundStart r) {
        TrainingConfig c = r.config();
        Pb.RoundStart.Builder b = Pb.RoundStart.newBuilder().setModelArchitecture(r.modelArchitecture()).setModel(toProto(r.model()))
                .setConfig(Pb.TrainingConfig.newBuilder().setLocalEpochs(c.localEpochs()).setLearningRate(c.learningRate())
                        .setBatchSize(c.batchSize()).setTemperatureStart(c.temperatureStart()).setTemperatureEnd(c.temperatureEnd())
                        .setEntropyWeight(c.entropyWeight()).setGumbelScale(c.gumbelScale())
                        .setUpdateEncoding(toProto(c.updateEncoding())).setInt8GroupSize(c.int8GroupSize()).setRowRanks(c.rowRanks()))
                .setSeed(r.seed()).setDeadlineMs(r.deadlineMs()).setTotalRounds(r.totalRounds());
        if (r.globalLogits() != null) b.setGlobalLogits(toProto(r.globalLogits()));
        for (DeviceAssignment a : r.assignments()) {
            Pb.DeviceAssignment.Builder ab = Pb.DeviceAssignment.newBuilder().setDeviceId(a.deviceId()).addAllLayers(layersToProto(a.layers()));
            for (List<LayerSpec> tier : a.smallerTiers()) ab.addSmallerTiers(Pb.TierLayers.newBuilder().addAllLayers(layersToProto(tier)));
            b.addAssignments(ab);
        }
        return b.build();
    }

    private RoundStart fromProto(Pb.RoundStart p) {
        if (!p.hasModel()) throw Checks.bad("round_start.model is missing");
        if (!p.hasConfig()) throw Checks.bad("round_start.config is missing");
        Pb.TrainingConfig c = p.getConfig();
        TrainingConfig config = new TrainingConfig(uint(c.getLocalEpochs(), "local_epochs"), c.getLearningRate(), uint(c.getBatchSize(), "batch_size"),
                c.getTemperatureStart(), c.getTemperatureEnd(), c.getEntropyWeight(), c.getGumbelScale(),
                enumFrom(c.getUpdateEncoding(), "TENSOR_ENCODING_", TensorEncoding.class, "update_encoding"), uint(c.getInt8GroupSize(), "int8_group_size"),
                c.getRowRanks());
        List<DeviceAssignment> assignments = p.getAssignmentsList().stream()
                .map(a -> new DeviceAssignment(a.getDeviceId(), layersFromProto(a.getLayersList()),
                        a.getSmallerTiersList().stream().map(t -> layersFromProto(t.getLayersList())).toList())).toList();
        return new RoundStart(p.getModelArchitecture(), fromProto(p.getModel(), "round_start.model"),
                p.hasGlobalLogits() ? fromProto(p.getGlobalLogits(), "round_start.global_logits") : null, assignments, config,
                p.getSeed(), p.getDeadlineMs(), uint(p.getTotalRounds(), "total_rounds"));
    }

    private Pb.Update toProto(Update u) {
        LocalMetrics m = u.metrics();
        Timings t = u.timings();
        Pb.Update.Builder b = Pb.Update.newBuilder().setDeviceId(u.deviceId()).addAllKUsed(layersToProto(u.kUsed()))
                .setEncoding(toProto(u.encoding())).setSampleCount(u.sampleCount())
                .setMetrics(Pb.LocalMetrics.newBuilder().setLossBefore(m.lossBefore()).setLossAfter(m.lossAfter())
                        .setAccuracyBefore(m.accuracyBefore()).setAccuracyAfter(m.accuracyAfter()).setEvalSamples(m.evalSamples()))
                .setTimings(Pb.Timings.newBuilder().setFetchMs(t.fetchMs()).setTrainMs(t.trainMs()).setEncodeMs(t.encodeMs()).setUploadMs(t.uploadMs()))
                .setBaseRound(u.baseRound()).setBitsPerParameter(u.bitsPerParameter()).setSignature(ByteString.copyFrom(u.signature()));
        if (u.logitsRef() != null) b.setLogitsRef(toProto(u.logitsRef()));
        else b.setInlineLogits(toProto(u.inlineLogits()));
        return b.build();
    }

    private Update fromProto(Pb.Update p) {
        if (!p.hasMetrics()) throw Checks.bad("update.metrics is missing");
        if (!p.hasTimings()) throw Checks.bad("update.timings is missing");
        Pb.LocalMetrics m = p.getMetrics();
        Pb.Timings t = p.getTimings();
        BlobRef ref = p.hasLogitsRef() ? fromProto(p.getLogitsRef(), "update.logits_ref") : null;
        List<EncodedTensor> inline = p.hasInlineLogits() ? fromProto(p.getInlineLogits()) : List.of();
        if (p.hasInlineLogits() && inline.isEmpty()) throw Checks.bad("update.inline_logits is empty");
        return new Update(p.getDeviceId(), layersFromProto(p.getKUsedList()), ref, inline,
                enumFrom(p.getEncoding(), "TENSOR_ENCODING_", TensorEncoding.class, "update.encoding"),
                nonNegative(p.getSampleCount(), "update.sample_count"),
                new LocalMetrics(m.getLossBefore(), m.getLossAfter(), m.getAccuracyBefore(), m.getAccuracyAfter(),
                        nonNegative(m.getEvalSamples(), "metrics.eval_samples")),
                new Timings(t.getFetchMs(), t.getTrainMs(), t.getEncodeMs(), t.getUploadMs()),
                uint(p.getBaseRound(), "update.base_round"), p.getBitsPerParameter(), p.getSignature().toByteArray());
    }

    // ------------------------------------------------------------------------------------------------------------
    // deployments
    // ------------------------------------------------------------------------------------------------------------

    private Pb.Deployment toProto(Deployment d) {
        Pb.Deployment.Builder b = Pb.Deployment.newBuilder().setTier(d.tier()).setKeep(d.keep()).addAllLayers(layersToProto(d.layers()))
                .setMasks(toProto(d.masks())).setCompactModel(toProto(d.compactModel()));
        d.accuracy().ifPresent(b::setAccuracy);
        d.checksums().forEach((name, sha) -> b.addChecksums(Pb.Checksum.newBuilder().setName(name).setSha256(sha)));
        return b.build();
    }

    private Deployment fromProto(Pb.Deployment p) {
        if (!p.hasMasks()) throw Checks.bad("deployment.masks is missing");
        if (!p.hasCompactModel()) throw Checks.bad("deployment.compact_model is missing");
        Map<String, String> checksums = new TreeMap<>();
        for (Pb.Checksum c : p.getChecksumsList()) {
            if (checksums.put(c.getName(), c.getSha256()) != null) throw Checks.bad("deployment.checksums names '" + c.getName() + "' twice");
        }
        return new Deployment(p.getTier(), p.getKeep(), layersFromProto(p.getLayersList()), fromProto(p.getMasks(), "deployment.masks"),
                fromProto(p.getCompactModel(), "deployment.compact_model"),
                p.hasAccuracy() ? OptionalDouble.of(p.getAccuracy()) : OptionalDouble.empty(), checksums);
    }

    private static Pb.DeploymentAck toProto(DeploymentAck a) {
        return Pb.DeploymentAck.newBuilder().setDeviceId(a.deviceId()).setTier(a.tier()).setApplied(a.applied())
                .setLocalAccuracy(a.localAccuracy()).setEvalSamples(a.evalSamples()).setError(a.error())
                .setParameterBytes(a.parameterBytes()).setLatencyUs(a.latencyMicros()).build();
    }

    private static DeploymentAck fromProto(Pb.DeploymentAck p) {
        return new DeploymentAck(p.getDeviceId(), p.getTier(), p.getApplied(), p.getLocalAccuracy(),
                nonNegative(p.getEvalSamples(), "deployment_ack.eval_samples"), p.getError(),
                nonNegative(p.getParameterBytes(), "deployment_ack.parameter_bytes"), p.getLatencyUs());
    }

    // ------------------------------------------------------------------------------------------------------------
    // jobs
    // ------------------------------------------------------------------------------------------------------------

    private Pb.JobEvent toProto(JobEvent j) {
        Pb.JobEvent.Builder b = Pb.JobEvent.newBuilder();
        if (j instanceof JobSubmitted s) {
            b.setSubmitted(Pb.JobSubmitted.newBuilder().setContentType(s.contentType()).setSpec(ByteString.copyFrom(s.spec())));
        } else if (j instanceof JobStatus s) {
            b.setStatus(Pb.JobStatus.newBuilder().setState(toProto(s.state())).setReason(s.reason()));
        } else if (j instanceof JobDeployed d) {
            b.setDeployed(toProto(d.deployment()));
        } else if (j instanceof JobAcked a) {
            b.setAcked(toProto(a.ack()));
        } else if (j instanceof RoundResult r) {
            Pb.RoundResult.Builder rb = Pb.RoundResult.newBuilder().setSelected(r.selected()).setReplied(r.replied()).setLate(r.late())
                    .setDuplicates(r.duplicates()).setInvalid(r.invalid()).setDurationMs(r.durationMs()).setTrainMsMax(r.trainMsMax())
                    .setUplinkBytes(r.uplinkBytes()).setUplinkBitsPerParameter(r.uplinkBitsPerParameter()).putAllMetrics(r.metrics())
                    .addAllDropped(r.dropped());
            if (r.fusedLogits() != null) rb.setFusedLogits(toProto(r.fusedLogits()));
            for (TierResult t : r.tiers()) {
                Pb.TierResult.Builder tb = Pb.TierResult.newBuilder().setTier(t.tier()).setKeep(t.keep())
                        .addAllLayers(layersToProto(t.layers())).putAllMetrics(t.metrics());
                t.accuracy().ifPresent(tb::setAccuracy);
                if (t.masks() != null) tb.setMasks(toProto(t.masks()));
                rb.addTiers(tb);
            }
            b.setRoundResult(rb);
        }
        return b.build();
    }

    private JobEvent fromProto(Pb.JobEvent p) {
        return switch (p.getEventCase()) {
            case SUBMITTED -> new JobSubmitted(p.getSubmitted().getContentType(), p.getSubmitted().getSpec().toByteArray());
            case DEPLOYED -> new JobDeployed(fromProto(p.getDeployed()));
            case ACKED -> new JobAcked(fromProto(p.getAcked()));
            case STATUS -> new JobStatus(enumFrom(p.getStatus().getState(), "JOB_STATE_", JobState.class, "job_status.state"), p.getStatus().getReason());
            case ROUND_RESULT -> {
                Pb.RoundResult r = p.getRoundResult();
                List<TierResult> tiers = r.getTiersList().stream().map(t -> new TierResult(t.getTier(), t.getKeep(), layersFromProto(t.getLayersList()),
                        t.hasAccuracy() ? OptionalDouble.of(t.getAccuracy()) : OptionalDouble.empty(), t.getMetricsMap(),
                        t.hasMasks() ? fromProto(t.getMasks(), "tier_result.masks") : null)).toList();
                yield new RoundResult(uint(r.getSelected(), "round_result.selected"), uint(r.getReplied(), "round_result.replied"),
                        uint(r.getLate(), "round_result.late"), uint(r.getDuplicates(), "round_result.duplicates"),
                        uint(r.getInvalid(), "round_result.invalid"), r.getDurationMs(), r.getTrainMsMax(),
                        r.hasFusedLogits() ? fromProto(r.getFusedLogits(), "round_result.fused_logits") : null, tiers,
                        nonNegative(r.getUplinkBytes(), "round_result.uplink_bytes"), r.getUplinkBitsPerParameter(), r.getMetricsMap(),
                        r.getDroppedList());
            }
            case EVENT_NOT_SET -> throw Checks.bad("job_event has no event");
        };
    }

    // ------------------------------------------------------------------------------------------------------------
    // dead letters
    // ------------------------------------------------------------------------------------------------------------

    private static Pb.DeadLetter toProto(DeadLetter d) {
        return Pb.DeadLetter.newBuilder().setOriginalTopic(d.originalTopic()).setOriginalPartition(d.originalPartition())
                .setOriginalOffset(d.originalOffset()).setOriginalKey(ByteString.copyFrom(d.originalKey()))
                .setOriginalValue(ByteString.copyFrom(d.originalValue())).setReason(toProto(d.reason())).setDetail(d.detail()).build();
    }

    private static DeadLetter fromProto(Pb.DeadLetter p) {
        return new DeadLetter(p.getOriginalTopic(), p.getOriginalPartition(), p.getOriginalOffset(), p.getOriginalKey().toByteArray(),
                p.getOriginalValue().toByteArray(), enumFrom(p.getReason(), "REJECT_REASON_", RejectReason.class, "dead_letter.reason"), p.getDetail());
    }
}
