package io.salve.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import io.salve.core.SalveException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The {@code salve.kafka} block of the configuration (defaults and environment overrides in {@code reference.conf}).
 *
 * @param bootstrapServers an external cluster's {@code host:port,...}; blank = start the embedded development broker
 * @param topics           topic names
 * @param partitions       partitions of the topics {@link Topics#ensure} creates
 * @param replicationFactor replication factor of the topics {@link Topics#ensure} creates (1 for the embedded broker)
 * @param groupId          consumer group of the request stream
 * @param maxInFlight      requests inferred at once by one stream (backpressure bound)
 * @param maxRequestBytes  larger request records are rejected with TOO_LARGE before parsing
 * @param requestTimeout   a request not answered by then gets a TIMEOUT error result
 * @param commitInterval   longest time between offset commits
 * @param client           {@code salve.kafka.client}: Kafka client settings (security: SASL, TLS) given to every
 *                         client the service makes; its own settings (ids, acks, timeouts) win where both set one
 */
public record KafkaConfig(String bootstrapServers, TopicNames topics, int partitions,
                          short replicationFactor, String groupId, int maxInFlight, int maxRequestBytes,
                          Duration requestTimeout, Duration commitInterval, Map<String, String> client) {

    /** Topic names. */
    public record TopicNames(String requests, String results, String telemetry, String diagnostics,
                             String deadLetter) {
        public TopicNames {
            for (String t : new String[] {requests, results, telemetry, diagnostics, deadLetter}) {
                if (t == null || t.isBlank()) {
                    throw new SalveException("BAD_CONFIG", "salve.kafka.topics: topic names must not be blank");
                }
            }
        }

        public List<String> all() {
            return List.of(requests, results, telemetry, diagnostics, deadLetter);
        }
    }

    public KafkaConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(commitInterval, "commitInterval");
        client = Map.copyOf(client);
        bootstrapServers = bootstrapServers.strip();
        if (bootstrapServers.isEmpty() && client.containsKey(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)) {
            // Else every client would wait out its timeouts against the embedded broker's plaintext listener.
            throw new SalveException("BAD_CONFIG", "salve.kafka.client sets security.protocol "
                    + "(SALVE_KAFKA_SECURITY_PROTOCOL) for an external cluster, but salve.kafka.bootstrap-servers "
                    + "(SALVE_KAFKA_BOOTSTRAP_SERVERS) is empty: the embedded development broker takes plaintext "
                    + "clients only");
        }
        positive("partitions", partitions);
        positive("replication-factor", replicationFactor);
        positive("max-in-flight", maxInFlight);
        positive("max-request-bytes", maxRequestBytes);
        if (groupId.isBlank()) {
            throw new SalveException("BAD_CONFIG", "salve.kafka.group-id must not be blank");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new SalveException("BAD_CONFIG", "salve.kafka.request-timeout must be positive");
        }
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new SalveException("BAD_CONFIG", "salve.kafka." + key + " must be positive, was " + value);
        }
    }

    /** Reads {@code salve.kafka} from a resolved root configuration (e.g. {@code ConfigFactory.load()}). */
    public static KafkaConfig from(Config root) {
        try {
            Config c = root.getConfig("salve.kafka");
            Config t = c.getConfig("topics");
            int replication = c.getInt("replication-factor");
            if (replication > Short.MAX_VALUE) {
                throw new SalveException("BAD_CONFIG", "salve.kafka.replication-factor is too large: " + replication);
            }
            return new KafkaConfig(c.getString("bootstrap-servers"),
                    new TopicNames(t.getString("requests"), t.getString("results"), t.getString("telemetry"),
                            t.getString("diagnostics"), t.getString("dead-letter")),
                    c.getInt("partitions"), (short) replication, c.getString("group-id"), c.getInt("max-in-flight"),
                    c.getBytes("max-request-bytes").intValue(), c.getDuration("request-timeout"),
                    c.getDuration("commit-interval"), clientSettings(c.getConfig("client")));
        } catch (ConfigException e) {
            throw new SalveException("BAD_CONFIG", "salve.kafka: " + e.getMessage(), e);
        }
    }

    /** {@code a.b.c = v} leaves of the block as Kafka's dotted property names. */
    private static Map<String, String> clientSettings(Config block) {
        Map<String, String> settings = new TreeMap<>();
        block.entrySet().forEach(e -> settings.put(String.join(".", ConfigUtil.splitPath(e.getKey())),
                block.getString(e.getKey())));
        return settings;
    }

    /** A client's configuration: {@link #client} settings, then the client's {@code own}, then the cluster. */
    public Map<String, Object> clientConfig(String bootstrap, Map<String, ?> own) {
        Map<String, Object> config = new HashMap<>(client);
        config.putAll(own);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return config;
    }

    /** True when no external cluster is configured and the embedded broker must be started. */
    public boolean useEmbeddedBroker() {
        return bootstrapServers.isEmpty();
    }

    public KafkaConfig withBootstrapServers(String servers) {
        return new KafkaConfig(servers, topics, partitions, replicationFactor, groupId, maxInFlight,
                maxRequestBytes, requestTimeout, commitInterval, client);
    }

    public KafkaConfig withTopics(TopicNames newTopics) {
        return new KafkaConfig(bootstrapServers, newTopics, partitions, replicationFactor, groupId,
                maxInFlight, maxRequestBytes, requestTimeout, commitInterval, client);
    }

    public KafkaConfig withGroupId(String newGroupId) {
        return new KafkaConfig(bootstrapServers, topics, partitions, replicationFactor, newGroupId,
                maxInFlight, maxRequestBytes, requestTimeout, commitInterval, client);
    }

    public KafkaConfig withMaxInFlight(int newMaxInFlight) {
        return new KafkaConfig(bootstrapServers, topics, partitions, replicationFactor, groupId,
                newMaxInFlight, maxRequestBytes, requestTimeout, commitInterval, client);
    }

    public KafkaConfig withPartitions(int newPartitions) {
        return new KafkaConfig(bootstrapServers, topics, newPartitions, replicationFactor, groupId,
                maxInFlight, maxRequestBytes, requestTimeout, commitInterval, client);
    }

    public KafkaConfig withRequestTimeout(Duration newTimeout) {
        return new KafkaConfig(bootstrapServers, topics, partitions, replicationFactor, groupId,
                maxInFlight, maxRequestBytes, newTimeout, commitInterval, client);
    }
}
