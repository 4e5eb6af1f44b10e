package io.salve.devbroker;

import io.salve.core.SalveException;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The class path of the broker's JVM. The service's own class path carries the Kafka client only; the broker's
 * server-side jars (kafka_2.13 and what only it needs) are copied by the build into {@code broker-lib/} beside
 * {@code salve.jar}. Tests and IDEs run from a classes directory with the broker on their class path already.
 */
final class BrokerClassPath {

    static final String BROKER_LIB = "broker-lib";

    private BrokerClassPath() { }

    /** This JVM's class path, plus {@code broker-lib/*} when this JVM runs from the service's jar. */
    static String current() {
        String own = System.getProperty("java.class.path");
        Path code = codeSource();
        if (!Files.isRegularFile(code)) {
            return absolute(own);
        }
        Path lib = code.resolveSibling(BROKER_LIB);
        if (!Files.isDirectory(lib)) {
            throw new SalveException("KAFKA_START_FAILED", lib + " is missing: it holds the development broker's "
                    + "jars (mvn package copies them there); or point salve.kafka.bootstrap-servers at a running "
                    + "cluster");
        }
        return absolute(own + File.pathSeparator + lib.resolve("*"));
    }

    /** The class path with relative entries made absolute: the child runs in the data directory. */
    static String absolute(String classPath) {
        List<String> entries = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static Path codeSource() {
        try {
            return Path.of(BrokerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
