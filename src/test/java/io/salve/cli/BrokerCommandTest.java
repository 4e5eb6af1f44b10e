package io.salve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.devbroker.Ports;
import io.salve.kafka.KafkaTestUtil;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code salve broker} as a user runs it: its own JVM, a plain Kafka client, then Ctrl-C (SIGTERM). */
class BrokerCommandTest {

    @BeforeAll
    static void quiet() {
        KafkaTestUtil.quietKafkaLogs();
    }

    @Test
    void servesAPlainKafkaClientUntilTerminated(@TempDir Path dir) throws Exception {
        int port = Ports.free("127.0.0.1");
        Path data = dir.resolve("kafka");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process salve = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                SalveCli.class.getName(), "broker", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--data-dir", data.toString())
                .redirectErrorStream(true).start();
        try {
            BlockingQueue<String> output = lines(salve);
            String ready = awaitLine(output, "ready at");
            assertNotNull(ready, "salve broker printed no ready line");
            String bootstrap = "127.0.0.1:" + port;
            assertTrue(ready.contains(bootstrap), ready);

            try (Admin admin = KafkaTestUtil.admin(bootstrap)) {
                admin.createTopics(List.of(new NewTopic("hello", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            KafkaTestUtil.produce(bootstrap, "hello", List.of(Map.entry("k", "v".getBytes(StandardCharsets.UTF_8))));
            List<ConsumerRecord<String, byte[]>> read = KafkaTestUtil.readAll(bootstrap, "hello");
            assertEquals(1, read.size());
            assertEquals("v", new String(read.get(0).value(), StandardCharsets.UTF_8));

            List<ProcessHandle> brokerJvm = salve.descendants().toList();
            assertEquals(1, brokerJvm.size(), "the broker runs in a child JVM");
            salve.destroy();   // SIGTERM, as Ctrl-C or a process manager would
            assertTrue(salve.waitFor(60, TimeUnit.SECONDS), "salve broker stops on SIGTERM");
            assertFalse(brokerJvm.get(0).isAlive(), "the broker's JVM is stopped with it, not left behind");
            assertFalse(listening("127.0.0.1", port), "the broker's port is closed");
        } finally {
            salve.destroyForcibly();
        }
    }

    /** The process's output, line by line, read on a thread of its own. */
    private static BlockingQueue<String> lines(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
            } catch (IOException | UncheckedIOException e) {
                // the process is gone
            }
        }, "salve-broker-output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static String awaitLine(BlockingQueue<String> lines, String containing) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (line != null && line.contains(containing)) {
                return line;
            }
        }
        return null;
    }

    private static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
