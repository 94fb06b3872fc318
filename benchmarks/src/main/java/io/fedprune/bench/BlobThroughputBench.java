package io.fedprune.bench;

import io.fedprune.kafka.BlobReader;
import io.fedprune.kafka.BlobWriter;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.kafka.KafkaClients;
import io.fedprune.kafka.Publisher;
import io.fedprune.kafka.Topic;
import io.fedprune.kafka.TopicConfig;
import io.fedprune.kafka.Topics;
import io.fedprune.wire.BlobRef;
import io.fedprune.wire.Blobs;
import io.fedprune.wire.WireCodec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Blob throughput through an embedded KRaft broker with Kafka's default limits, beside raw producer-to-consumer
 * throughput of the same bytes (no chunk envelope, no CRC-32C, no SHA-256, no reassembly), measured in the same run.
 *
 * <p>Every variant is timed from the first byte handed to the producer to the last byte in the consumer's hands, with
 * the consumer already waiting (so production and consumption overlap in all of them):
 * <ul>
 *   <li>{@code blob}: {@link BlobWriter#write} on one side, {@link BlobReader#view} registered beforehand on the other;
 *       includes hashing on both sides, chunk CRCs, protobuf framing and reassembly into one array (the raw paths
 *       reassemble into one array too);</li>
 *   <li>{@code blob (ref after write)}: what an agent sees when it learns the reference from a control message only
 *       after the write: write, then fetch (the reader seeks back to the blob's first chunk);</li>
 *   <li>{@code raw 512 KiB}: the same bytes as plain records of the chunk size;</li>
 *   <li>{@code raw 1 MiB}: plain records of 1 MiB (topic {@code max.message.bytes} raised to 2 MiB for this path
 *       only).</li>
 * </ul>
 * All paths use the producer and consumer settings of {@link KafkaClients}. Prints the median MB/s (10^6 bytes per second) over the runs and the ratio blob / best raw.
 *
 * <p>Usage: {@code BlobThroughputBench [--mb 40] [--runs 5] [--warmup 2] [--secure] [--kafka-property KEY=VALUE ...]}:
 * {@code --secure} runs the broker with SASL/SCRAM and ACLs (the clients log in as its super user), so the figures
 * include authentication and authorization; {@code --kafka-property} adds client properties (through
 * {@link KafkaClients#with}, like every other component).
 */
public final class BlobThroughputBench {
    private BlobThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.out.println(run(args, intArg(args, "--mb", 40), intArg(args, "--runs", 5), intArg(args, "--warmup", 2)));
    }

    /** The suite's section. */
    static String section(boolean quick) throws Exception {
        return quick ? run(new String[0], 10, 2, 1) : run(new String[0], 40, 7, 2);
    }

    /** Runs the comparison and returns the report (Markdown); {@code args} may ask for {@code --secure} and Kafka properties. */
    static String run(String[] args, int mb, int runs, int warmup) throws Exception {
        StringBuilder md = new StringBuilder();
        int size = mb * 1_000_000;

        long t0 = System.nanoTime();
        boolean secure = List.of(args).contains("--secure");
        List<String> kafkaProperties = new java.util.ArrayList<>();
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals("--kafka-property")) kafkaProperties.add(args[i + 1]);
        EmbeddedBroker.Config brokerConfig = secure ? EmbeddedBroker.Config.defaults().withSecurity() : EmbeddedBroker.Config.defaults();
        try (EmbeddedBroker broker = EmbeddedBroker.start(brokerConfig)) {
            md.append(String.format(Locale.ROOT, "Embedded KRaft broker (message.max.bytes %d, started in %.1f s). ",
                    EmbeddedBroker.Config.defaults().messageMaxBytes(), (System.nanoTime() - t0) / 1e9));
            KafkaClients clients = broker.superUserClients().with(KafkaClients.properties(null, kafkaProperties));
            if (secure) System.out.println("broker secured: SASL (clients log in as the super user), ACL authorizer");
            Topics topics = Topics.defaults().withPrefix("bench.");
            String raw512 = "bench.raw-512k";
            String raw1m = "bench.raw-1m";
            try (Admin admin = clients.admin()) {
                topics.ensureCreated(admin, Duration.ofSeconds(30));
                admin.createTopics(List.of(new NewTopic(raw512, 1, (short) 1).configs(TopicConfig.timedTopic().configs()),
                        new NewTopic(raw1m, 1, (short) 1).configs(Map.of("max.message.bytes", String.valueOf(2 << 20))))).all().get();
            }
            byte[] payload = new byte[size];
            new Random(1).nextBytes(payload);

            Variant blob = new Variant("blob (reader waiting)");
            Variant blobAfter = new Variant("blob (ref after write)");
            Variant rawSmall = new Variant("raw records of 512 KiB");
            Variant rawLarge = new Variant("raw records of 1 MiB");
            try (Publisher publisher = new Publisher(clients.producer("bench-blob"), topics, WireCodec.standard());
                 BlobReader reader = BlobReader.start(clients, topics, Topic.BLOBS, BlobReader.Config.defaults());
                 RawPath small = new RawPath(clients, raw512, Blobs.DEFAULT_CHUNK_SIZE);
                 RawPath large = new RawPath(clients, raw1m, 1 << 20)) {
                BlobWriter writer = new BlobWriter(publisher, Topic.BLOBS, "bench");
                for (int run = -warmup; run < runs; run++) {
                    boolean measured = run >= 0;
                    String id = String.valueOf(run);
                    blob.measure(measured, size, () -> timeBlob(writer, reader, payload, "pipelined-" + id, true));
                    blobAfter.measure(measured, size, () -> timeBlob(writer, reader, payload, "after-" + id, false));
                    rawSmall.measure(measured, size, () -> small.time(payload));
                    rawLarge.measure(measured, size, () -> large.time(payload));
                }
            }
            Variant raw = rawSmall.medianMBps() >= rawLarge.medianMBps() ? rawSmall : rawLarge;
            md.append(String.format(Locale.ROOT, "Payload %d MB, %d runs after %d warm-up, the four paths interleaved in every run, chunk %d KiB; "
                    + "throughput in MB/s (10^6 B/s) from the first byte produced to the last byte consumed, and the process CPU time per transfer "
                    + "(broker included), medians:%n%n", mb, runs, warmup, Blobs.DEFAULT_CHUNK_SIZE / 1024));
            Interleaved.Table t = new Interleaved.Table("path", "MB/s", "best MB/s", "CPU ms", "MB/s per run");
            for (Variant v : List.of(blob, blobAfter, rawSmall, rawLarge))
                t.row(v.name, String.format(Locale.ROOT, "%.1f", v.medianMBps()), String.format(Locale.ROOT, "%.1f", v.mbps.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)),
                        String.format(Locale.ROOT, "%.0f", v.medianCpuMs()), fmt(v.mbps));
            md.append(t).append(String.format(Locale.ROOT, "%nBlob / %s: **%.2f** (reader waiting), %.2f (reference learnt after the write); CPU time blob / %s: %.2f "
                    + "(framing, CRC-32C and SHA-256 on both sides).%n", raw.name, blob.medianMBps() / raw.medianMBps(), blobAfter.medianMBps() / raw.medianMBps(),
                    raw.name, blob.medianCpuMs() / raw.medianCpuMs()));
        }
        return md.toString();
    }

    /** A timed operation returning its wall time in seconds. */
    @FunctionalInterface
    private interface Timed {
        double seconds() throws Exception;
    }

    /** One path's measurements: throughput and process CPU time per run. */
    private static final class Variant {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        final String name;
        final List<Double> mbps = new ArrayList<>();
        final List<Double> cpuMs = new ArrayList<>();

        Variant(String name) {
            this.name = name;
        }

        void measure(boolean keep, int bytes, Timed op) throws Exception {
            long cpu0 = OS.getProcessCpuTime();
            double seconds = op.seconds();
            long cpu1 = OS.getProcessCpuTime();
            if (!keep) return;
            mbps.add(bytes / 1e6 / seconds);
            cpuMs.add((cpu1 - cpu0) / 1e6);
        }

        double medianMBps() {
            return median(mbps);
        }

        double medianCpuMs() {
            return median(cpuMs);
        }
    }

    /** Seconds to move the payload as a blob; the payload's first bytes are made unique so no run hits the cache. */
    private static double timeBlob(BlobWriter writer, BlobReader reader, byte[] payload, String id, boolean requestFirst) throws Exception {
        byte[] unique = id.getBytes();
        System.arraycopy(unique, 0, payload, 0, unique.length);
        Arrays.fill(payload, unique.length, 32, (byte) 0);
        BlobRef expected = requestFirst ? Blobs.chunk(id, payload, Blobs.OCTETS, writer.chunkSize()).ref() : null;   // outside the timing
        long t0 = System.nanoTime();
        CompletableFuture<ByteBuffer> got = requestFirst ? reader.view(expected) : null;
        BlobRef ref = writer.write(id, payload, Blobs.OCTETS);
        ByteBuffer back = requestFirst ? got.get() : reader.view(ref).get(120, TimeUnit.SECONDS);
        double s = (System.nanoTime() - t0) / 1e9;
        if (back.remaining() != payload.length || back.get(7) != payload[7] || back.get(payload.length - 1) != payload[payload.length - 1]) {
            throw new IllegalStateException("blob " + id + " came back different");
        }
        return s;
    }

    /** Plain records of {@code recordSize} bytes on one topic, consumed by a thread that is already polling. */
    private static final class RawPath implements AutoCloseable {
        private final org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer;
        private final Consumer<byte[], byte[]> consumer;
        private final ExecutorService consumerThread = Executors.newSingleThreadExecutor();
        private final String topic;
        private final int recordSize;

        RawPath(KafkaClients clients, String topic, int recordSize) {
            this.producer = clients.producer("bench-raw-" + recordSize);   // the same producer settings as the blob path
            this.consumer = clients.consumer(null, "bench-raw-" + recordSize);
            this.topic = topic;
            this.recordSize = recordSize;
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
        }

        double time(byte[] payload) throws Exception {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            long t0 = System.nanoTime();
            Future<byte[]> received = consumerThread.submit(() -> {
                byte[] out = new byte[payload.length];
                int filled = 0;
                while (filled < out.length) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        System.arraycopy(r.value(), 0, out, filled, r.value().length);
                        filled += r.value().length;
                    }
                }
                return out;
            });
            for (int from = 0; from < payload.length; from += recordSize) {
                producer.send(new ProducerRecord<>(topic, "raw".getBytes(), Arrays.copyOfRange(payload, from, Math.min(payload.length, from + recordSize))));
            }
            producer.flush();
            byte[] back = received.get();
            double s = (System.nanoTime() - t0) / 1e9;
            if (back[back.length - 1] != payload[payload.length - 1]) throw new IllegalStateException("raw bytes came back different");
            return s;
        }

        @Override
        public void close() {
            consumerThread.shutdownNow();
            producer.close();
            consumer.close();
        }
    }

    static double median(List<Double> xs) {
        return Interleaved.median(xs);
    }

    private static String fmt(List<Double> xs) {
        return xs.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList().toString();
    }

    private static int intArg(String[] args, String name, int def) {
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals(name)) return Integer.parseInt(args[i + 1]);
        return def;
    }
}
