package io.fedprune.kafka;

import javax.management.InstanceNotFoundException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/** What an embedded broker (in this JVM) counts per topic, read from its JMX meters. */
public final class BrokerMeters {
    private BrokerMeters() {
    }

    /**
     * Bytes the broker has sent to consumers from {@code topic} (its {@code BytesOutPerSec} meter's count; 0 while
     * nothing was fetched from it, before which the broker registers no meter).
     */
    public static long bytesOut(String topic) throws Exception {
        ObjectName name = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec,topic=" + topic);
        try {
            return ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Count")).longValue();
        } catch (InstanceNotFoundException e) {
            return 0;
        }
    }
}
