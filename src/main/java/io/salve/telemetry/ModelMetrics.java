package io.salve.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.salve.serve.InferenceResult;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One served model's metrics, each with its {@code model} label: requests and errors by code, in-flight requests,
 * batch sizes, queue, model and end-to-end time as histograms (so p50/p99 can be derived), the edit version served
 * and the time an edit takes to reach the replicas. Made by {@link ServiceMetrics#model}.
 */
public final class ModelMetrics {

    private final String model;
    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong editVersion = new AtomicLong();
    private final DistributionSummary batchSize;
    private final Timer queueTime;
    private final Timer modelTime;
    private final Timer totalTime;
    private final Timer swapTime;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();

    ModelMetrics(String model, MeterRegistry registry) {
        this.model = model;
        this.registry = registry;
        Gauge.builder("salve.requests.in.flight", inFlight, AtomicInteger::get)
                .description("Requests accepted by the service and not yet answered").tag("model", model)
                .register(registry);
        Gauge.builder("salve.edit.version", editVersion, AtomicLong::get)
                .description("Edit-set version of the head being served").tag("model", model).register(registry);
        batchSize = DistributionSummary.builder("salve.batch.size").description("Requests per micro-batch")
                .tag("model", model).publishPercentileHistogram().minimumExpectedValue(1.0)
                .maximumExpectedValue(1024.0).register(registry);
        queueTime = timer("salve.queue.time", "From decoding a request to its batch starting on a replica");
        modelTime = timer("salve.model.time", "One micro-batch on a replica: backbone, SAE and head");
        totalTime = timer("salve.request.time", "From decoding a request to its result");
        swapTime = timer("salve.edit.swap.time",
                "From a persisted edit change to every replica taking the new head with its next batch");
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).tag("model", model).publishPercentileHistogram()
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

    /** The service produced this result for this model (bad input included). */
    public void answered(InferenceResult result) {
        String code = result.failed() ? result.error().code() : "OK";
        requests.computeIfAbsent(code, c -> ServiceMetrics.requests(registry, model, c)).increment();
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

    private static long nanos(double ms) {
        return (long) (ms * 1e6);
    }
}
