package io.salve.devbroker;

import io.salve.core.SalveException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;

/**
 * Waits for a starting broker to serve requests, failing early when its JVM exits (with the tail of its log) and
 * when the start-up deadline passes.
 */
final class Readiness {

    private Readiness() { }

    /**
     * @param client   the client settings the listener needs (SASL), or none
     * @param deadline {@link System#nanoTime()} by which the broker must answer
     */
    static void await(Process process, String host, int port, Map<String, String> client, long deadline,
                      BrokerLog log) {
        String bootstrap = host + ":" + port;
        // First the listener (cheap to poll, and the admin client logs every refused connection) ...
        while (!canConnect(host, port)) {
            check(process, bootstrap, deadline, log);
            pause(100);
        }
        // ... then a real request: the broker is registered with the controller and serves metadata.
        Map<String, Object> conf = new HashMap<>(client);
        conf.putAll(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.CLIENT_ID_CONFIG, "salve-embedded-kafka-probe"));
        try (Admin admin = Admin.create(conf)) {
            while (true) {
                check(process, bootstrap, deadline, log);
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
                            .nodes().get(6, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // not ready yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SalveException("KAFKA_START_FAILED", "interrupted while waiting for the broker", e);
                }
                pause(200);
            }
        }
    }

    private static void check(Process process, String bootstrap, long deadline, BrokerLog log) {
        if (!process.isAlive()) {
            String tail = log.tail();
            String code = tail.contains("Address already in use") ? "PORT_IN_USE" : "KAFKA_START_FAILED";
            throw new SalveException(code, "the Kafka broker exited during start-up (exit " + process.exitValue()
                    + ")" + tail);
        }
        if (System.nanoTime() > deadline) {
            throw new SalveException("KAFKA_START_FAILED", "the Kafka broker at " + bootstrap
                    + " did not come up in time (salve.kafka.embedded.start-timeout)" + log.tail());
        }
    }

    private static boolean canConnect(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The polling interval; the process and the deadline are checked between polls. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SalveException("KAFKA_START_FAILED", "interrupted while waiting for the broker", e);
        }
    }
}
