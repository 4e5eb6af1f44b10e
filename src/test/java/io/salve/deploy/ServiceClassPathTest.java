package io.salve.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The service's runtime class path (what the build copies into target/lib, and the image ships) carries the Kafka
 * client and not the development broker, whose jars go to target/broker-lib. Reads the selections the build
 * resolves with the same scopes as its copies (pom: list-runtime-libs, list-broker-libs).
 */
class ServiceClassPathTest {

    private static List<String> jarNames(String list) throws IOException {
        String classPath = Files.readString(Path.of("target", "classpath", list)).strip();
        return Arrays.stream(classPath.split(File.pathSeparator)).map(p -> Path.of(p).getFileName().toString())
                .toList();
    }

    @Test
    void theServiceCarriesTheKafkaClientOnly() throws IOException {
        List<String> kafkaJars = jarNames("service.txt").stream().filter(n -> n.startsWith("kafka")).toList();
        assertEquals(List.of("kafka-clients-4.3.1.jar"), kafkaJars);
        assertFalse(jarNames("service.txt").stream().anyMatch(n -> n.startsWith("log4j-core")),
                "the broker's logging backend stays with the broker");
    }

    @Test
    void theBrokersJarsHaveTheirOwnFolder() throws IOException {
        List<String> broker = jarNames("broker.txt");
        assertTrue(broker.contains("kafka_2.13-4.3.1.jar"), broker.toString());
        assertTrue(broker.contains("kafka-server-4.3.1.jar"), broker.toString());
    }

    @Test
    void theImageShipsTheServiceLibrariesOnly() throws IOException {
        String dockerfile = Files.readString(Path.of("k8s", "Dockerfile"));
        assertTrue(dockerfile.contains("COPY target/lib/ lib/"), dockerfile);
        assertFalse(dockerfile.contains("broker-lib"), "no development broker in the image");
    }
}
