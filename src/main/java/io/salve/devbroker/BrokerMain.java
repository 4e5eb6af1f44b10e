package io.salve.devbroker;

import java.io.IOException;

/**
 * Entry point of the embedded broker's child JVM: {@code kafka.Kafka server.properties}, plus a watchdog that ends
 * the broker when its parent goes away. The parent holds the child's standard input open for the child's whole
 * life; end of input means the parent has exited (even by {@code kill -9}, when no shutdown hook runs), so the
 * broker shuts down cleanly instead of lingering on the port.
 */
public final class BrokerMain {

    private BrokerMain() { }

    public static void main(String[] args) {
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // the parent writes nothing; a byte is ignored
                }
            } catch (IOException ignored) {
                // a broken pipe also means the parent is gone
            }
            System.err.println("salve: parent process gone, shutting the broker down");
            System.exit(0);   // runs Kafka's own shutdown hook (controlled shutdown)
        }, "salve-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        kafka.Kafka.main(args);
    }
}
