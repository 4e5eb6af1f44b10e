package io.salve.kafka;

import io.salve.core.SalveException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the service's topics. */
public final class Topics {

    private static final long TIMEOUT_SECONDS = 30;

    private Topics() { }

    private static List<String> create(Admin admin, List<NewTopic> missing)
            throws ExecutionException, InterruptedException, TimeoutException {
        CreateTopicsResult result = admin.createTopics(missing);
        List<String> created = new ArrayList<>();
        for (NewTopic t : missing) {
            try {
                result.values().get(t.name()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                created.add(t.name());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return List.copyOf(created);
    }

    /**
     * Waits until every partition of {@code topics} is served by its leader. A new topic shows in the metadata a
     * little before its partitions take writes; an idempotent producer that wrote in that window got
     * NOT_LEADER_OR_FOLLOWER and was then seen (Kafka 4.3.1) to loop on OUT_OF_ORDER_SEQUENCE_NUMBER until its
     * delivery timeout dropped the records. ListOffsets is answered only by a partition's leader.
     */
    private static void awaitLeaders(Admin admin, List<String> topics)
            throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                admin.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                        .forEach((name, d) -> d.partitions().forEach(p -> partitions.put(
                                new TopicPartition(name, p.partition()), OffsetSpec.latest())));
                admin.listOffsets(partitions).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * The service's topics that the cluster does not list (empty when all exist); for readiness checks with a
     * long-lived admin client.
     */
    public static CompletionStage<List<String>> missing(Admin admin, KafkaConfig cfg, Duration timeout) {
        return admin.listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis())).names()
                .toCompletionStage().thenApply(names -> cfg.topics().all().stream()
                        .filter(t -> !names.contains(t)).toList());
    }

    /**
     * Creates those of the five topics (requests, results, telemetry, diagnostics, dead-letter) that do not exist yet,
     * with {@link KafkaConfig#partitions()} partitions and {@link KafkaConfig#replicationFactor()}. Existing topics
     * are left as they are. Idempotent, also against a concurrent creator.
     *
     * @return the topics this call created
     * @throws SalveException {@code KAFKA_UNAVAILABLE} when the cluster cannot be reached or refuses
     */
    public static List<String> ensure(String bootstrapServers, KafkaConfig cfg) {
        Map<String, Object> conf = cfg.clientConfig(bootstrapServers, Map.of(
                AdminClientConfig.CLIENT_ID_CONFIG, "salve-topics",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS)));
        try (Admin admin = Admin.create(conf)) {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : cfg.topics().all()) {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, cfg.partitions(), cfg.replicationFactor()));
                }
            }
            if (missing.isEmpty()) {
                return List.of();
            }
            List<String> created = create(admin, missing);
            awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
            return created;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new SalveException("KAFKA_UNAVAILABLE", "cannot create the topics on " + bootstrapServers + " ("
                    + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")", cause);
        } catch (TimeoutException e) {
            throw new SalveException("KAFKA_UNAVAILABLE", "Kafka at " + bootstrapServers + " did not answer within "
                    + TIMEOUT_SECONDS + " s (is salve.kafka.bootstrap-servers right?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SalveException("KAFKA_UNAVAILABLE", "interrupted while creating the topics", e);
        }
    }
}
