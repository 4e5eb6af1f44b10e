package io.salve.load;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import java.util.Map;

/**
 * What {@code SCENARIO-latest.json} holds: the scenario, where it ran, the load and the measurement (its fields at the
 * top level), and what only some scenarios have (absent elsewhere): the ramp's steps and maximum rate, the swap's edit
 * calls, the soak's memory samples, the ceiling and the ratio of the service to it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record RunReport(String scenario, String startedAt, String target, String load, Map<String, Object> settings,
                 @JsonUnwrapped Measurement measurement, Double maxRate, List<RampStep> steps, SwapStats swap,
                 List<MemorySampler.Sample> memory, Double ceilingThroughput, Double ratio, Integer maxBatch) {

    /** One rate of the ramp: whether p99 stayed under the bound, nothing was lost and the rate was kept up. */
    record RampStep(double rate, double throughput, double p50Ms, double p99Ms, long sent, long lost, long failed,
                    boolean sustained) {
    }

    /**
     * The swap's edit calls: applied (POST 2xx) and reverted (DELETE 2xx); failed calls by HTTP status ("0" when
     * no status came back); the edit-set versions the API returned.
     */
    record SwapStats(long applied, long reverted, Map<String, Long> failedCalls, List<Long> versions,
                     double intervalSeconds) {
    }

    String summary() {
        Measurement m = measurement;
        StringBuilder s = new StringBuilder(String.format("%s: %.1f req/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                        + "sent %d, answered %d, failed %d, lost %d", scenario, m.throughput(), m.p50Ms(), m.p99Ms(),
                m.maxMs(), m.sent(), m.answered(), m.failed(), m.lost()));
        if (maxRate != null) {
            s.append(String.format("; max sustainable rate %.0f req/s", maxRate));
        }
        if (ceilingThroughput != null) {
            s.append(String.format("; ceiling %.0f img/s, ratio %.2f", ceilingThroughput, ratio));
        }
        if (swap != null) {
            s.append(String.format("; edits applied %d, reverted %d, failed calls %s, versions seen %s",
                    swap.applied(), swap.reverted(), swap.failedCalls(), m.editVersions().keySet()));
        }
        if (memory != null && !memory.isEmpty()) {
            MemorySampler.Sample first = memory.get(0);
            MemorySampler.Sample last = memory.get(memory.size() - 1);
            s.append(String.format("; RSS %.0f -> %.0f MB, heap %.0f -> %.0f MB", first.rssMb(), last.rssMb(),
                    first.heapUsedMb(), last.heapUsedMb()));
        }
        return s.toString();
    }
}
