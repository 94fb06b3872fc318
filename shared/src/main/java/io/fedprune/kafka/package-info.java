/**
 * The Kafka transport of fedprune, around plain Kafka clients with byte[] keys and values.
 *
 * <ul>
 *   <li>{@link io.fedprune.kafka.Topic}, {@link io.fedprune.kafka.TopicConfig} and {@link io.fedprune.kafka.Topics}:
 *       the topic names and settings (DESIGN.md §4) in one place, created at start-up when absent.</li>
 *   <li>{@link io.fedprune.kafka.KafkaClients}: producers (acks=all, idempotent), consumers and admin clients
 *       configured from explicit bootstrap servers or {@code KAFKA_BOOTSTRAP_SERVERS}.</li>
 *   <li>{@link io.fedprune.kafka.Publisher}: encodes envelopes and sends them to a topic.</li>
 *   <li>{@link io.fedprune.kafka.BlobWriter} / {@link io.fedprune.kafka.BlobReader}: payloads of any size as
 *       chunks on a blob topic ({@code blobs} from the coordinator, {@code uploads} from devices), reassembled, verified and cached by hash.</li>
 *   <li>{@link io.fedprune.kafka.ConsumerLoop} and {@link io.fedprune.kafka.DeadLetters}: poll, decode, dispatch;
 *       anything rejected (or failing in its handler) goes to the dead-letter topic and the loop goes on.</li>
 *   <li>{@link io.fedprune.kafka.EmbeddedBroker}: an in-JVM KRaft broker for tests and the sandbox.</li>
 * </ul>
 */
package io.fedprune.kafka;
