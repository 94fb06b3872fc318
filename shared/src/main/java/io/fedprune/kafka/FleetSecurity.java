package io.fedprune.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The documented secured setup of a fedprune cluster (docs/SECURITY.md): SASL/SCRAM-SHA-256 users for the coordinator
 * and the agents, and ACLs that give each only what its role needs.
 * <ul>
 *   <li>coordinator: everything on the fedprune topics and on its consumer groups, creating topics;</li>
 *   <li>agents: write {@code devices}, {@code updates}, {@code uploads}; read {@code rounds}, {@code deployments},
 *       {@code blobs}; describe the fedprune topics (to see that they exist); nothing else: an agent cannot publish
 *       a round start, a deployment, a job event or a blob of the coordinator's, and cannot read other devices'
 *       updates or their blobs (the uploads topic).</li>
 * </ul>
 * A broker with {@code allow.everyone.if.no.acl.found=false} refuses every other principal.
 */
public final class FleetSecurity {
    /** The SASL mechanism of the secured setup. */
    public static final String MECHANISM = "SCRAM-SHA-256";

    private FleetSecurity() {
    }

    /**
     * The users of a secured fleet and their passwords.
     *
     * @param coordinatorUser     the coordinator's SCRAM user
     * @param coordinatorPassword its password
     * @param agentUser           the user every agent logs in as
     * @param agentPassword       its password
     */
    public record Credentials(String coordinatorUser, String coordinatorPassword, String agentUser, String agentPassword) {
        /** Users {@code fedprune-coordinator} and {@code fedprune-agent} with fresh random passwords. */
        public static Credentials random() {
            return new Credentials("fedprune-coordinator", randomPassword(), "fedprune-agent", randomPassword());
        }

        /** The coordinator's Kafka client properties. */
        public Map<String, String> coordinatorProperties() {
            return scramClient(coordinatorUser, coordinatorPassword);
        }

        /** The agents' Kafka client properties. */
        public Map<String, String> agentProperties() {
            return scramClient(agentUser, agentPassword);
        }
    }

    /** Kafka client properties that log in as {@code user} with SCRAM-SHA-256 over SASL_PLAINTEXT. */
    public static Map<String, String> scramClient(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", MECHANISM,
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    /**
     * Creates the users of {@code credentials} and the ACLs of the documented setup for topics under
     * {@code topicPrefix} (the coordinator's consumer groups are {@code fedprune-coordinator<prefix>...}), through an
     * admin client of a super user.
     */
    public static void apply(Admin admin, Credentials credentials, String topicPrefix) throws Exception {
        ScramCredentialInfo info = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192);
        admin.alterUserScramCredentials(List.of(
                new UserScramCredentialUpsertion(credentials.coordinatorUser(), info, credentials.coordinatorPassword()),
                new UserScramCredentialUpsertion(credentials.agentUser(), info, credentials.agentPassword())))
                .all().get(30, TimeUnit.SECONDS);
        admin.createAcls(acls(credentials, topicPrefix)).all().get(30, TimeUnit.SECONDS);
    }

    /** The ACLs described above. */
    public static List<AclBinding> acls(Credentials credentials, String topicPrefix) {
        Topics topics = Topics.defaults().withPrefix(topicPrefix);
        String coordinator = "User:" + credentials.coordinatorUser(), agent = "User:" + credentials.agentUser();
        List<AclBinding> out = new ArrayList<>();
        ResourcePattern allTopics = new ResourcePattern(ResourceType.TOPIC, topicPrefix + "fedprune.", PatternType.PREFIXED);
        out.add(allow(coordinator, allTopics, AclOperation.ALL));
        out.add(allow(coordinator, new ResourcePattern(ResourceType.GROUP, "fedprune-coordinator", PatternType.PREFIXED), AclOperation.ALL));
        out.add(allow(coordinator, new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL), AclOperation.CREATE));
        out.add(allow(agent, allTopics, AclOperation.DESCRIBE));
        for (Topic t : List.of(Topic.DEVICES, Topic.UPDATES, Topic.UPLOADS))
            out.add(allow(agent, literal(topics, t), AclOperation.WRITE));
        for (Topic t : List.of(Topic.ROUNDS, Topic.DEPLOYMENTS, Topic.BLOBS))
            out.add(allow(agent, literal(topics, t), AclOperation.READ));
        return out;
    }

    private static ResourcePattern literal(Topics topics, Topic t) {
        return new ResourcePattern(ResourceType.TOPIC, topics.name(t), PatternType.LITERAL);
    }

    private static AclBinding allow(String principal, ResourcePattern resource, AclOperation op) {
        return new AclBinding(resource, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    /** 36 random hex digits (144 bits). */
    public static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
