package io.salve.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.salve.serve.BatchModel;
import io.salve.serve.ServingHead;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Metrics of the telemetry issue, beside {@link ServiceMetrics} in the same registry: records produced to the
 * telemetry and diagnostics topics by type, each replica's busy time and busy ratio, and the request consumer's lag.
 */
public final class TelemetryMetrics {

    /** The busy ratio is measured over intervals of at least this long, ending at a scrape. */
    private static final long RATIO_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final MeterRegistry registry;
    private final Map<String, Counter> produced = new ConcurrentHashMap<>();
    private final Map<String, Busy> busy = new ConcurrentHashMap<>();
    private final AtomicLong lag = new AtomicLong();

    public TelemetryMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("salve.consumer.lag", lag, AtomicLong::get)
                .description("Request records not yet committed by the service's consumer group (end - committed)")
                .baseUnit("records").register(registry);
    }

    /** {@code count} records of {@code type} about {@code model} went to {@code topic}. */
    public void produced(String model, String topic, String type, int count) {
        produced.computeIfAbsent(model + '\n' + topic + '\n' + type, k -> Counter.builder("salve.records.produced")
                .description("Telemetry and diagnostics records produced, by model, topic and record type")
                .tag("model", model).tag("topic", topic).tag("type", type).register(registry)).increment(count);
    }

    /** Forgets {@code model}'s replicas and records (its series are removed by {@link ServiceMetrics#forget}). */
    public void forget(String model) {
        busy.keySet().removeIf(key -> key.startsWith(model + '\n'));
        produced.keySet().removeIf(key -> key.startsWith(model + '\n'));
    }

    public void consumerLag(long records) {
        lag.set(records);
    }

    /** {@code batches} timed: their time counts as busy time of {@code model}'s {@code replica}. */
    public BatchModel timed(String model, String replica, BatchModel batches) {
        Busy b = busy.computeIfAbsent(model + '\n' + replica, k -> new Busy(model, replica));
        return new BatchModel() {
            @Override
            public List<Output> run(List<float[]> pixels, ServingHead head) {
                long start = System.nanoTime();
                try {
                    return batches.run(pixels, head);
                } finally {
                    b.nanos.add(System.nanoTime() - start);
                }
            }

            @Override
            public void close() {
                batches.close();
            }
        };
    }

    /** One replica's busy time, and its ratio to wall time over the last completed interval. */
    private final class Busy {
        final LongAdder nanos = new LongAdder();
        private long intervalStart = System.nanoTime();
        private long busyAtStart;
        private double ratio;

        Busy(String model, String replica) {
            FunctionCounter.builder("salve.replica.busy", nanos, n -> n.sum() / 1e9).baseUnit("seconds")
                    .description("Time the replica spent running batches").tag("model", model).tag("replica", replica)
                    .register(registry);
            Gauge.builder("salve.replica.busy.ratio", this, Busy::ratio)
                    .description("Fraction of wall time the replica spent running batches, over the last >= 5 s")
                    .tag("model", model).tag("replica", replica).register(registry);
        }

        synchronized double ratio() {
            long now = System.nanoTime();
            if (now - intervalStart >= RATIO_INTERVAL_NANOS) {
                long total = nanos.sum();
                ratio = (double) (total - busyAtStart) / (now - intervalStart);
                intervalStart = now;
                busyAtStart = total;
            }
            return ratio;
        }
    }
}
