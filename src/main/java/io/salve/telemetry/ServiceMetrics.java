package io.salve.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.salve.serve.InferenceResult;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service's Prometheus metrics (Micrometer): requests and errors by code, in-flight requests, batch sizes, queue
 * time, model time and end-to-end time as histograms (so p50/p99 can be derived), and the edit version served.
 */
public final class ServiceMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong editVersion = new AtomicLong();
    private final DistributionSummary batchSize;
    private final Timer queueTime;
    private final Timer modelTime;
    private final Timer totalTime;
    private final Timer swapTime;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public ServiceMetrics() {
        // The JVM's own: heap and non-heap in use, GC pauses, threads (jvm_*). Not Micrometer's CPU binder: its
        // names (system_cpu_count, process_cpu_time_ns_total) fail promtool's lint.
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        Gauge.builder("salve.requests.in.flight", inFlight, AtomicInteger::get)
                .description("Requests accepted by the service and not yet answered").register(registry);
        Gauge.builder("salve.edit.version", editVersion, AtomicLong::get)
                .description("Edit-set version of the head being served").register(registry);
        batchSize = DistributionSummary.builder("salve.batch.size").description("Requests per micro-batch")
                .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(1024.0).register(registry);
        queueTime = timer("salve.queue.time", "From decoding a request to its batch starting on a replica");
        modelTime = timer("salve.model.time", "One micro-batch on a replica: backbone, SAE and head");
        totalTime = timer("salve.request.time", "From decoding a request to its result");
        swapTime = timer("salve.edit.swap.time",
                "From a persisted edit change to every replica taking the new head with its next batch");
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    /** A request went to the replicas; pair with {@link #left}. */
    public void accepted() {
        inFlight.incrementAndGet();
    }

    /** A request came back from the replicas (answered, failed or timed out). */
    public void left() {
        inFlight.decrementAndGet();
    }

    /** The service produced this result (bad input included). */
    public void answered(InferenceResult result) {
        String code = result.failed() ? result.error().code() : "OK";
        requests.computeIfAbsent(code, c -> Counter.builder("salve.requests")
                .description("Answered requests by outcome code").tag("code", c).register(registry)).increment();
        if (result.timings() != null) {
            queueTime.record(nanos(result.timings().queueMs()), TimeUnit.NANOSECONDS);
            modelTime.record(nanos(result.timings().modelMs()), TimeUnit.NANOSECONDS);
            totalTime.record(nanos(result.timings().totalMs()), TimeUnit.NANOSECONDS);
        }
        if (result.editVersion() != null) {
            editVersion.set(result.editVersion());
        }
    }

    /** The replicas serve edit version {@code version} from now on. */
    public void editVersion(long version) {
        editVersion.set(version);
    }

    /** A new edit version reached the replicas, {@code took} after the registry persisted it. */
    public void swapped(Duration took) {
        swapTime.record(took);
    }

    public void batch(int size) {
        batchSize.record(size);
    }

    /** Batches formed so far and the requests in them (for the benchmark's mean batch size). */
    public long[] batches() {
        return new long[] {batchSize.count(), (long) batchSize.totalAmount()};
    }

    /** Where other metrics of the service register, so that one scrape shows them all. */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    private static long nanos(double ms) {
        return (long) (ms * 1e6);
    }

    /** Stops listening to the JVM's GC notifications. */
    @Override
    public void close() {
        gc.close();
    }
}
