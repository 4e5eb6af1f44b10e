package io.salve.load;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import java.util.Map;

/**
 * What {@code SCENARIO-latest.json} holds: the scenario, where it ran, the load and the measurement (its fields at the
 * top level), and what only some scenarios have (absent elsewhere): the ramp's steps and maximum rate, the swap's edit
 * calls, the soak's memory samples, the ceiling and the ratio of the service to it (ceiling: its throughput; slo:
 * its maximum rate), the slo's low-load phase and stalls.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record RunReport(String scenario, String startedAt, String target, String load, Map<String, Object> settings,
                 @JsonUnwrapped Measurement measurement, Double maxRate, List<RampStep> steps, SwapStats swap,
                 List<MemorySampler.Sample> memory, Double ceilingThroughput, Double ratio, Integer maxBatch,
                 LowLoad lowLoad, Integer stalls, ModelsComparison models) {

    RunReport(String scenario, String startedAt, String target, String load, Map<String, Object> settings,
              Measurement measurement, Double maxRate, List<RampStep> steps, SwapStats swap,
              List<MemorySampler.Sample> memory, Double ceilingThroughput, Double ratio, Integer maxBatch) {
        this(scenario, startedAt, target, load, settings, measurement, maxRate, steps, swap, memory,
                ceilingThroughput, ratio, maxBatch, null, null, null);
    }

    /** The slo's phase at a low rate. */
    record LowLoad(double rate, double p50Ms, double p99Ms, long lost, Map<String, Measurement.Stage> stages) {
    }

    /** This report as the slo's: its ratio is the maximum rate's to the ceiling. */
    RunReport withSlo(LowLoad low, int stallSeconds) {
        return new RunReport(scenario, startedAt, target, load, settings, measurement, maxRate, steps, swap, memory,
                ceilingThroughput, maxRate / ceilingThroughput, maxBatch, low, stallSeconds, null);
    }

    /** This report as the models scenario's: its measurement is the two models' steady phase. */
    RunReport withModels(ModelsComparison comparison) {
        return new RunReport(scenario, startedAt, target, load, settings, measurement, maxRate, steps, swap, memory,
                ceilingThroughput, ratio, maxBatch, lowLoad, stalls, comparison);
    }

    /**
     * The models scenario: one model, then two at once (requests alternating between them) on the same service, each
     * ramped to its highest sustained rate and then run at the same {@code rate} (--load-fraction of the one model's).
     */
    record ModelsComparison(double rate, Phase one, Phase two) {
    }

    /** One configuration: the models requests name (null: none named, the default model) and what it held. */
    record Phase(List<String> models, double maxRate, double throughput, double p50Ms, double p99Ms, double maxMs,
                 long sent, long failed, long lost) {

        static Phase of(List<String> models, double maxRate, Measurement m) {
            return new Phase(models, maxRate, m.throughput(), m.p50Ms(), m.p99Ms(), m.maxMs(), m.sent(), m.failed(),
                    m.lost());
        }
    }

    /** One rate of the ramp: whether p99 stayed under the bound, nothing was lost and the rate was kept up. */
    record RampStep(double rate, double throughput, double p50Ms, double p99Ms, long sent, long lost, long failed,
                    boolean sustained) {
    }

    /**
     * The swap's edit calls: applied (POST 2xx) and reverted (DELETE 2xx); failed calls by HTTP status ("0" when
     * no status came back); the edit-set versions the API returned; from each call's answer to each replica's first
     * result under its version.
     */
    record SwapStats(long applied, long reverted, Map<String, Long> failedCalls, List<Long> versions,
                     double intervalSeconds, Propagation.Stats editPropagationMs) {
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
        if (lowLoad != null) {
            s.append(String.format("; low load (%.0f req/s) p50 %.1f ms, p99 %.1f ms; p99.9 %.1f ms, stalls %d",
                    lowLoad.rate(), lowLoad.p50Ms(), lowLoad.p99Ms(), m.p999Ms(), stalls));
        }
        if (models != null) {
            s.append(String.format("; max rate one model %.0f req/s, two models %.0f req/s; at %.0f req/s p50/p99 one "
                    + "%.1f/%.1f ms, two %.1f/%.1f ms", models.one().maxRate(), models.two().maxRate(), models.rate(),
                    models.one().p50Ms(), models.one().p99Ms(), models.two().p50Ms(), models.two().p99Ms()));
        }
        if (swap != null) {
            s.append(String.format("; edits applied %d, reverted %d, failed calls %s, versions seen %s, propagation "
                    + "p99 %.1f ms", swap.applied(), swap.reverted(), swap.failedCalls(), m.editVersions().keySet(),
                    swap.editPropagationMs().p99Ms()));
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
