package io.salve.devbroker;

import com.typesafe.config.ConfigFactory;
import io.salve.app.DevBrokerSettings;
import io.salve.core.SalveException;
import io.salve.kafka.KafkaConfig;
import io.salve.kafka.KafkaTestUtil;
import io.salve.kafka.Topics;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker in a child JVM: start, topics, restart on the same data, and the failures a user can meet. */
class EmbeddedKafkaTest {

    @BeforeAll
    static void quiet() {
        KafkaTestUtil.quietKafkaLogs();
    }

    /** The topics the service would create, with 3 partitions. */
    private static KafkaConfig config() {
        return KafkaConfig.from(ConfigFactory.defaultReference().resolve()).withPartitions(3);
    }

    /** The service's default broker settings, on a free port with its data in {@code dir}. */
    private static BrokerSettings settings(Path dir) {
        return DevBrokerSettings.from(ConfigFactory.defaultReference().resolve()).withPort(0).withDataDir(dir);
    }

    @Test
    void startsCreatesTopicsAndKeepsDataAcrossRestart(@TempDir Path dir) throws Exception {
        KafkaConfig cfg = config();
        String firstBootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(settings(dir))) {
            firstBootstrap = kafka.bootstrapServers();
            System.out.printf("broker start (format + start): %d ms%n", kafka.startupTime().toMillis());
            assertTrue(firstBootstrap.startsWith("127.0.0.1:"));
            assertTrue(Files.exists(dir.resolve("log/meta.properties")));
            assertTrue(Files.exists(dir.resolve("broker.log")));

            assertEquals(cfg.topics().all(), Topics.ensure(firstBootstrap, cfg));
            assertEquals(List.of(), Topics.ensure(firstBootstrap, cfg), "idempotent");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, firstBootstrap))) {
                assertEquals(3, admin.describeTopics(List.of(cfg.topics().requests())).allTopicNames().get()
                        .get(cfg.topics().requests()).partitions().size());
            }
            KafkaTestUtil.produce(firstBootstrap, cfg.topics().requests(), IntStream.range(0, 10)
                    .mapToObj(i -> Map.entry("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8))).toList());
            assertEquals(10, KafkaTestUtil.readAll(firstBootstrap, cfg.topics().requests()).size());
        }
        assertFalse(listening(firstBootstrap), "the broker is gone after close");

        // Restart on the same directory: no second format, the topics and records are still there.
        try (EmbeddedKafka kafka = EmbeddedKafka.start(settings(dir))) {
            System.out.printf("broker restart (no format): %d ms%n", kafka.startupTime().toMillis());
            String log = Files.readString(kafka.logFile());
            assertEquals(1, log.split("Formatting", -1).length - 1, "formatted once");
            assertEquals(List.of(), Topics.ensure(kafka.bootstrapServers(), cfg));
            List<ConsumerRecord<String, byte[]>> records = KafkaTestUtil.readAll(kafka.bootstrapServers(),
                    cfg.topics().requests());
            assertEquals(10, records.size());
            assertTrue(kafka.isAlive());
        }
    }

    @Test
    void portInUse(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            SalveException e = assertThrows(SalveException.class,
                    () -> EmbeddedKafka.start(settings(dir).withPort(taken.getLocalPort())));
            assertEquals("PORT_IN_USE", e.code());
            assertTrue(e.getMessage().contains(Integer.toString(taken.getLocalPort())), e.getMessage());
        }
    }

    @Test
    void startFailureCarriesTheBrokerLog(@TempDir Path dir) {
        SalveException e = assertThrows(SalveException.class,
                () -> EmbeddedKafka.start(settings(dir), dir.resolve("no-such.jar").toString()));
        assertEquals("KAFKA_START_FAILED", e.code());
        assertTrue(e.getMessage().contains("kafka.tools.StorageTool"), e.getMessage());   // the JVM's own error
    }

    @Test
    void timeout(@TempDir Path dir) {
        BrokerSettings s = settings(dir);
        BrokerSettings quick = new BrokerSettings(s.host(), s.port(), s.dataDir(), Duration.ofMillis(1), s.jvmOptions());
        SalveException e = assertThrows(SalveException.class, () -> EmbeddedKafka.start(quick));
        assertEquals("KAFKA_START_FAILED", e.code());
    }

    /** Ctrl-C or {@code kill -TERM -PGID} on the service must not reach the broker before the service has drained. */
    @Test
    void theBrokerIsOutsideTheCallersProcessGroup(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(settings(dir))) {
            // The broker is this JVM's only child once the storage is formatted.
            ProcessHandle broker = ProcessHandle.current().children().filter(ProcessHandle::isAlive).findFirst()
                    .orElseThrow();
            assertTrue(kafka.isAlive());
            assertNotEquals(processGroup(ProcessHandle.current().pid()), processGroup(broker.pid()));
        }
    }

    /** The fifth field of /proc/PID/stat (after the command name in parentheses). */
    private static long processGroup(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    private static boolean listening(String hostPort) {
        String[] hp = hostPort.split(":");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 500);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
