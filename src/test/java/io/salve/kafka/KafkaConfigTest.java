package io.salve.kafka;

import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaConfigTest {

    @Test
    void referenceDefaults() {
        KafkaConfig c = KafkaConfig.from(ConfigFactory.parseString("").withFallback(ConfigFactory.defaultReference())
                .resolve());
        if (System.getenv("SALVE_KAFKA_BOOTSTRAP_SERVERS") == null) {
            assertTrue(c.useEmbeddedBroker());
        }
        assertEquals(List.of("salve.requests", "salve.results", "salve.telemetry", "salve.diagnostics",
                "salve.dead-letter"), c.topics().all());
        assertEquals(1024 * 1024, c.maxRequestBytes());
        assertEquals(256, c.maxInFlight());
        assertEquals(Duration.ofSeconds(30), c.requestTimeout());
    }

    @Test
    void overrides() {
        KafkaConfig c = KafkaConfig.from(ConfigFactory.parseString("""
                salve.kafka {
                  bootstrap-servers = " kafka-1:9092,kafka-2:9092 "
                  topics.requests = "in"
                  partitions = 12
                  replication-factor = 3
                  group-id = "g"
                  max-in-flight = 8
                  max-request-bytes = 64KiB
                }""").withFallback(ConfigFactory.defaultReference()).resolve());
        assertFalse(c.useEmbeddedBroker());
        assertEquals("kafka-1:9092,kafka-2:9092", c.bootstrapServers());
        assertEquals("in", c.topics().requests());
        assertEquals(12, c.partitions());
        assertEquals(3, c.replicationFactor());
        assertEquals("g", c.groupId());
        assertEquals(8, c.maxInFlight());
        assertEquals(64 * 1024, c.maxRequestBytes());
    }

    @Test
    void badValuesAreBadConfig() {
        for (String bad : List.of("salve.kafka.max-in-flight = 0", "salve.kafka.partitions = -1",
                "salve.kafka.topics.results = \"\"",
                "salve.kafka.group-id = \" \"", "salve.kafka.max-in-flight = lots")) {
            SalveException e = assertThrows(SalveException.class, () -> KafkaConfig.from(
                    ConfigFactory.parseString(bad).withFallback(ConfigFactory.defaultReference()).resolve()), bad);
            assertEquals("BAD_CONFIG", e.code(), bad);
        }
    }

    @Test
    void clientSettingsReachEveryClientInKafkasOwnNamesAndTheClientsOwnSettingsWin() {
        KafkaConfig none = KafkaConfig.from(ConfigFactory.defaultReference().resolve());
        if (System.getenv("SALVE_KAFKA_SECURITY_PROTOCOL") == null) {
            assertEquals(Map.of(), none.client(), "nothing set by default");
        }
        String secured = "salve.kafka.client { security.protocol = SASL_SSL, \"sasl.mechanism\" = SCRAM-SHA-512, "
                + "client.id = theirs }";
        KafkaConfig c = KafkaConfig.from(ConfigFactory.parseString("salve.kafka.bootstrap-servers = \"k:9092\", "
                + secured).withFallback(ConfigFactory.defaultReference()).resolve());
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "client.id", "theirs"),
                c.client());
        Map<String, Object> admin = c.clientConfig("k:9092", Map.of("client.id", "salve-topics"));
        assertEquals("SASL_SSL", admin.get("security.protocol"));
        assertEquals("salve-topics", admin.get("client.id"));
        assertEquals("k:9092", admin.get("bootstrap.servers"));

        // Security settings without an external cluster: the embedded broker is plaintext only.
        SalveException embedded = assertThrows(SalveException.class, () -> KafkaConfig.from(ConfigFactory.parseString(
                "salve.kafka.bootstrap-servers = \"\", " + secured).withFallback(ConfigFactory.defaultReference())
                .resolve()));
        assertEquals("BAD_CONFIG", embedded.code());
        assertTrue(embedded.getMessage().contains("SALVE_KAFKA_BOOTSTRAP_SERVERS"), embedded.getMessage());
    }
}
