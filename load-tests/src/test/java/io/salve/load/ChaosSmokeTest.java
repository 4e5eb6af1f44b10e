package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A short {@code load-tests/run chaos --faults restart}: SIGTERM to the service's process group 10 s into 30 s of
 * 10 req/s, then a start on the same data. The full scenario (every fault, its recovery bound) is not part of the
 * tests: it takes minutes.
 */
class ChaosSmokeTest {

    @TempDir
    Path dir;

    @Test
    void aRestartUnderLoadLosesNothingAndAnswersNothingTwice() throws Exception {
        Path bundle = SmallBundle.train(dir);
        Path results = dir.resolve("results");

        new CommandLine(new LoadTest()).execute("chaos", "--faults", "restart", "--rate", "10", "--duration", "30s",
                "--drain", "30s", "--bundle", bundle.toString(), "--results", results.toString(),
                "--service-opts", "-Xmx1g", "--service-threads", "1");

        JsonNode restart = ReportWriter.JSON.readTree(results.resolve("chaos-latest.json").toFile()).get("faults")
                .get(0);
        assertEquals("restart", restart.get("fault").asText());
        assertEquals(300, restart.get("sent").asLong());
        assertEquals(300, restart.get("answered").asLong());
        assertEquals(0, restart.get("lost").asLong());
        assertEquals(0, restart.get("reanswered").asLong(), restart.toString());
        assertTrue(restart.get("recoverySeconds").asDouble() >= 0);
    }
}
