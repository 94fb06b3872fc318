package io.fedprune.agent;

import io.fedprune.data.Mnist;
import io.fedprune.data.TestData;
import io.fedprune.kafka.EmbeddedBroker;
import io.fedprune.wire.Budget;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * An agent stopped (SIGTERM runs {@link AgentHub#close()}) while its broker is down: its goodbyes and the producer
 * wait a bounded time ({@link AgentHub#CLOSE_WAIT}); before, a goodbye's send waited for metadata and the producer's
 * close for records that could never be delivered.
 */
@Tag("fault")
@Timeout(value = 30, unit = TimeUnit.MINUTES)   // a generous bound: a busy machine is slow, not wrong
class AgentShutdownIT {

    @Test
    void closeReturnsWhileTheBrokerIsDown() throws Exception {
        Mnist.Split mini = Mnist.load(TestData.mnistMini());
        EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.defaults());
        AgentHub hub = AgentHub.start(AgentHub.Config.defaults(broker.bootstrapServers()).withTopicPrefix("shutdown.").withHeartbeatMs(200),
                Enrolment.known(io.fedprune.wire.Signatures.generate().getPublic()));
        for (int i = 0; i < 3; i++)
            hub.add(new Agent(new Agent.Settings("phone-" + i, Budget.ofKeep(0.1), mini.train().head(100), mini.test().head(100), null)));
        broker.close();
        // three goodbyes at up to 60 s of max.block.ms each, then a producer close without a time-out, before: at least
        // 180 s. Now about 2 x CLOSE_WAIT (5 s); the bound leaves a busy machine 15 times that and stays below the old 180 s.
        assertTimeoutPreemptively(Duration.ofSeconds(150), hub::close, "close waits a bounded time with the broker down");
    }
}
