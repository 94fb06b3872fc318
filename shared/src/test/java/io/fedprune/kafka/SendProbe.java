package io.fedprune.kafka;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** What a (secured) broker answers one write: the tests of who may write where. */
public final class SendProbe {
    private SendProbe() {
    }

    /**
     * Sends one small record to {@code topic} with {@code clients}' login.
     *
     * @return null if the broker took it, else the exception it answered with (e.g. a
     *         {@code TopicAuthorizationException}, or a {@code SaslAuthenticationException} at login)
     */
    public static Exception send(KafkaClients clients, String topic) {
        KafkaClients bounded = clients.with(Map.of("max.block.ms", 20_000, "delivery.timeout.ms", 20_000, "request.timeout.ms", 10_000));
        try (Producer<byte[], byte[]> p = bounded.producer("send-probe")) {
            p.send(new ProducerRecord<>(topic, "k".getBytes(), "v".getBytes())).get(60, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return (Exception) e.getCause();
        } catch (Exception e) {
            return e;
        }
    }
}
