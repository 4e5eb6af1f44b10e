package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code load-tests/run steady} for 5 s at 10 req/s against `bin/salve serve` started by the load test itself, on a
 * small bundle trained here (one epoch on 2,000 images: the numbers are not the point).
 */
class SteadyEndToEndTest {

    @TempDir
    Path dir;

    @Test
    void everyRequestIsAnswered() throws Exception {
        Path bundle = SmallBundle.train(dir);

        Path results = dir.resolve("results");
        int code = new CommandLine(new LoadTest()).execute("steady", "--rate", "10", "--duration", "5s",
                "--warmup", "0s", "--bundle", bundle.toString(), "--results", results.toString(),
                "--service-opts", "-Xmx1g", "--service-threads", "1");

        assertEquals(0, code);
        JsonNode r = ReportWriter.JSON.readTree(results.resolve("steady-latest.json").toFile());
        assertEquals(50, r.get("sent").asLong());
        assertEquals(r.get("sent").asLong(), r.get("answered").asLong());
        assertEquals(0, r.get("lost").asLong());
        assertEquals(0, r.get("failed").asLong());
        assertTrue(r.get("p99Ms").asDouble() >= r.get("p50Ms").asDouble());
        assertTrue(Files.size(results.resolve("steady-latest.png")) > 0);
    }
}
