/**
 * The device agent: {@link io.fedprune.agent.Agent} (one device's state and work: train DPP logits when selected,
 * apply a deployment and ack), {@link io.fedprune.agent.AgentHub} (one set of Kafka clients shared by any number of
 * agents in a JVM, routing round starts and deployments to them) and {@link io.fedprune.agent.AgentMain} (the CLI).
 */
package io.fedprune.agent;
