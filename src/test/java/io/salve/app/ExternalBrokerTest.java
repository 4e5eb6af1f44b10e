package io.salve.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.Progress;
import io.salve.devbroker.BrokerSettings;
import io.salve.devbroker.EmbeddedKafka;
import io.salve.kafka.KafkaTestUtil;
import io.salve.serve.InferenceResult;
import io.salve.wire.ResultCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service pointed at a broker that runs on its own (as {@code salve broker} starts one) uses that broker: it
 * starts none of its own, serves through it, and leaves it running when it stops.
 */
class ExternalBrokerTest {

    @BeforeAll
    static void bundle() throws IOException {
        ServiceIntegrationTest.trainSmallBundle();
    }

    @Test
    void servesThroughTheConfiguredBrokerAndLeavesItRunning(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(DevBrokerSettings.from(ConfigFactory.defaultReference()
                .resolve()).withPort(0).withDataDir(dir.resolve("broker")))) {
            String bootstrap = broker.bootstrapServers();
            // What SALVE_KAFKA_BOOTSTRAP_SERVERS=host:port sets (reference.conf).
            Config config = ConfigFactory.parseMap(Map.of("salve.kafka.bootstrap-servers", bootstrap))
                    .withFallback(ServiceIntegrationTest.config(dir));
            try (SalveService service = SalveService.start(config, Progress.NONE)) {
                assertEquals(bootstrap, service.bootstrapServers());
                assertFalse(Files.exists(dir.resolve("kafka")), "the service started no broker of its own");
                int count = 20;
                List<Map.Entry<String, byte[]>> requests = IntStream.range(0, count)
                        .mapToObj(ServiceIntegrationTest::good).toList();
                KafkaTestUtil.produce(bootstrap, "salve.requests", requests);
                ServiceIntegrationTest.awaitResults(bootstrap, count, Duration.ofSeconds(120));
                Map<String, List<InferenceResult>> results = ServiceIntegrationTest.results(bootstrap);
                assertEquals(count, results.size());
                results.values().forEach(r -> assertNull(r.get(0).error(), r.toString()));
            }
            assertTrue(broker.isAlive(), "the broker outlives the service that used it");
        }
    }

    @Test
    void reachesABrokerThatRequiresSaslWithTheConfiguredClientSettings(@TempDir Path dir) throws Exception {
        BrokerSettings settings = DevBrokerSettings.from(ConfigFactory.defaultReference().resolve()).withPort(0)
                .withDataDir(dir.resolve("broker")).withSaslUsers(Map.of("salve", "salve-secret"));
        try (EmbeddedKafka broker = EmbeddedKafka.start(settings)) {
            String bootstrap = broker.bootstrapServers();
            // Without a login the broker answers nothing.
            try (Admin anonymous = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                    3000))) {
                assertThrows(ExecutionException.class, () -> anonymous.listTopics().names().get());
            }
            // What SALVE_KAFKA_SECURITY_PROTOCOL, SALVE_KAFKA_SASL_MECHANISM and SALVE_KAFKA_SASL_JAAS_CONFIG set.
            Map<String, String> login = BrokerSettings.saslClient("salve", "salve-secret");
            Map<String, Object> overrides = new HashMap<>(Map.of("salve.kafka.bootstrap-servers", bootstrap));
            login.forEach((k, v) -> overrides.put("salve.kafka.client." + k, v));
            Config config = ConfigFactory.parseMap(overrides).withFallback(ServiceIntegrationTest.config(dir));
            try (SalveService service = SalveService.start(config, Progress.NONE)) {
                int count = 20;
                Map<String, Object> client = new HashMap<>(login);
                client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(client, new StringSerializer(),
                        new ByteArraySerializer())) {
                    IntStream.range(0, count).mapToObj(ServiceIntegrationTest::good).forEach(r ->
                            producer.send(new ProducerRecord<>("salve.requests", r.getKey(), r.getValue())));
                }
                Set<String> answered = new HashSet<>();
                Map<String, Object> reader = new HashMap<>(client);
                reader.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-test-reader");
                reader.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                try (KafkaConsumer<String, byte[]> results = new KafkaConsumer<>(reader, new StringDeserializer(),
                        new ByteArrayDeserializer())) {
                    results.subscribe(List.of("salve.results"));
                    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (answered.size() < count && System.nanoTime() < deadline) {
                        for (ConsumerRecord<String, byte[]> r : results.poll(Duration.ofMillis(200))) {
                            assertNull(ResultCodec.decode(r.value()).error(), r.key());
                            answered.add(r.key());
                        }
                    }
                }
                assertEquals(count, answered.size(), "every request answered through the SASL listener");
            }
        }
    }
}
