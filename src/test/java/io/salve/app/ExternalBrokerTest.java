package io.salve.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.Progress;
import io.salve.devbroker.EmbeddedKafka;
import io.salve.kafka.KafkaTestUtil;
import io.salve.serve.InferenceResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
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
}
