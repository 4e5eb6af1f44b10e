package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code load-tests/run steady} and a short {@code slo} against `bin/salve serve` started by the load test itself, on
 * a small bundle trained here (one epoch on 2,000 images: the numbers are not the point).
 */
class SteadyEndToEndTest {

    @TempDir
    static Path dir;
    private static Path bundle;

    @BeforeAll
    static void trainBundle() throws Exception {
        bundle = SmallBundle.train(dir);
    }

    private static int run(Path results, String... args) {
        String[] common = {"--warmup", "0s", "--bundle", bundle.toString(), "--results", results.toString(),
                "--service-opts", "-Xmx1g", "--service-threads", "1"};
        String[] all = new String[args.length + common.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(common, 0, all, args.length, common.length);
        return new CommandLine(new LoadTest()).execute(all);
    }

    @Test
    void everyRequestIsAnswered() throws Exception {
        Path results = dir.resolve("steady");
        assertEquals(0, run(results, "steady", "--rate", "10", "--duration", "5s"));

        JsonNode r = ReportWriter.JSON.readTree(results.resolve("steady-latest.json").toFile());
        assertEquals(50, r.get("sent").asLong());
        assertEquals(r.get("sent").asLong(), r.get("answered").asLong());
        assertEquals(0, r.get("lost").asLong());
        assertEquals(0, r.get("failed").asLong());
        assertTrue(r.get("p99Ms").asDouble() >= r.get("p50Ms").asDouble());
        JsonNode stages = r.get("stages");
        for (String stage : new String[] {"dueToResultRecord", "inService", "model", "resultRecordToArrival"}) {
            assertTrue(stages.get(stage).get("p50Ms").asDouble() > 0, stage + ": " + stages);
        }
        // The service's own part of a request's time cannot exceed the whole of it.
        assertTrue(stages.get("model").get("p50Ms").asDouble() <= stages.get("inService").get("p50Ms").asDouble());
        assertTrue(stages.get("inService").get("p50Ms").asDouble() <= r.get("p50Ms").asDouble());
        assertTrue(Files.size(results.resolve("steady-latest.png")) > 0);
    }

    /** All four phases in one short run (a loose p99 bound: on a CI machine only the shape is checked). */
    @Test
    void sloMeasuresCeilingLowLoadMaxRateAndTheSteadyPhase() throws Exception {
        Path results = dir.resolve("slo");
        assertEquals(0, run(results, "slo", "--bench-requests", "200", "--low-rate", "10", "--low-duration", "3s",
                "--start-rate", "20", "--growth", "10", "--step-duration", "2s", "--min-step-requests", "0",
                "--p99-bound", "5000", "--duration", "4s"));

        JsonNode r = ReportWriter.JSON.readTree(results.resolve("slo-latest.json").toFile());
        double ceiling = r.get("ceilingThroughput").asDouble();
        double maxRate = r.get("maxRate").asDouble();
        assertTrue(ceiling > 0, r.toString());
        assertTrue(maxRate >= 20, "20 req/s holds p99 under 5 s: " + r.get("steps"));
        assertEquals(maxRate / ceiling, r.get("ratio").asDouble(), 1e-9);
        assertEquals(10, r.get("lowLoad").get("rate").asDouble(), 1e-9);
        assertTrue(r.get("lowLoad").get("p99Ms").asDouble() >= r.get("lowLoad").get("p50Ms").asDouble());
        assertEquals(0, r.get("lowLoad").get("lost").asLong());
        assertTrue(r.get("steps").size() >= 2, "the ramp stops only at a rate that fails: " + r.get("steps"));
        // Phase (d) runs at 70% of the rate found.
        assertEquals(Math.round(0.7 * maxRate * 4), r.get("sent").asLong(), 0.05 * maxRate * 4 + 2);
        assertEquals(0, r.get("lost").asLong());
        int slowSeconds = 0;
        for (JsonNode second : r.get("timeline")) {
            slowSeconds += second.get("maxMs").asDouble() > 250 ? 1 : 0;
        }
        assertEquals(slowSeconds, r.get("stalls").asInt());
        assertTrue(Files.size(results.resolve("slo-latest.png")) > 0);
    }

    /**
     * One model, then two at once: the second is a copy of the bundle in the service's repository; were it not
     * served, its requests would fail with UNKNOWN_MODEL.
     */
    @Test
    void modelsComparesOneModelWithTwoAtTheSameRate() throws Exception {
        Path results = dir.resolve("models");
        assertEquals(0, run(results, "models", "--start-rate", "20", "--growth", "10", "--step-duration", "2s",
                "--p99-bound", "5000", "--duration", "3s"));

        JsonNode r = ReportWriter.JSON.readTree(results.resolve("models-latest.json").toFile());
        assertTrue(Files.isRegularFile(results.resolve("models-repository/second/bundle.json")));
        JsonNode one = r.get("models").get("one");
        JsonNode two = r.get("models").get("two");
        assertEquals("[null]", one.get("models").toString());
        assertEquals("[null,\"second\"]", two.get("models").toString());
        double rate = r.get("models").get("rate").asDouble();
        assertEquals(0.7 * one.get("maxRate").asDouble(), rate, 0.1);
        for (JsonNode phase : new JsonNode[] {one, two}) {
            assertTrue(phase.get("maxRate").asDouble() >= 20, phase.toString());
            assertEquals(Math.round(rate * 3), phase.get("sent").asLong(), 0.05 * rate * 3 + 2);
            assertEquals(0, phase.get("failed").asLong(), phase.toString());
            assertEquals(0, phase.get("lost").asLong(), phase.toString());
        }
        // The top level is the two models' steady phase.
        assertEquals(two.get("sent").asLong(), r.get("sent").asLong());
        assertTrue(Files.size(results.resolve("models-latest.png")) > 0);
    }
}
