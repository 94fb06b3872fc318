package io.fedprune.kafka;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One plain embedded KRaft broker ({@link EmbeddedBroker.Config#defaults()}) for every test class of this JVM that
 * asks for it: started by the first, closed when the JVM's tests are done. A test class declares
 * {@code @ExtendWith(SharedBroker.class)} and takes the broker as a parameter of a test method or of its
 * {@code @BeforeAll}:
 *
 * <pre>{@code
 * @ExtendWith(SharedBroker.class)
 * class FooIT {
 *     @Test
 *     void fooTravels(EmbeddedBroker broker) {
 *         KafkaClients clients = KafkaClients.of(broker.bootstrapServers());
 *     }
 * }
 * }</pre>
 *
 * <p>Test classes share the broker, so each keeps to its own topic prefix and consumer groups and does not close it.
 * A test that needs another broker (security, a restart, a persistent data directory) starts its own.
 */
public final class SharedBroker implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedBroker.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedBroker.class;
    }

    @Override
    public EmbeddedBroker resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return broker(context);
    }

    /** The JVM's shared broker, started on first use; kept in the root context's store, which closes it at the end. */
    public static EmbeddedBroker broker(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(EmbeddedBroker.class, k -> start(), EmbeddedBroker.class);
    }

    private static EmbeddedBroker start() {
        try {
            return EmbeddedBroker.start(EmbeddedBroker.Config.defaults());
        } catch (Exception e) {
            throw new IllegalStateException("the shared embedded broker did not start: " + e.getMessage(), e);
        }
    }
}
