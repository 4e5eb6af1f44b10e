package io.salve.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.salve.serve.InferenceResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service's Prometheus registry (Micrometer): each served model's {@link ModelMetrics} (label {@code model}),
 * requests refused before a model was known (label {@code model="none"}), and the JVM's own metrics.
 */
public final class ServiceMetrics implements AutoCloseable {

    /** The {@code model} label of requests refused before their model was known (bad JSON, unknown model). */
    public static final String NO_MODEL = "none";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, ModelMetrics> models = new ConcurrentHashMap<>();
    private final Map<String, Counter> unrouted = new ConcurrentHashMap<>();
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public ServiceMetrics() {
        // The JVM's own: heap and non-heap in use, GC pauses, threads (jvm_*). Not Micrometer's CPU binder: its
        // names (system_cpu_count, process_cpu_time_ns_total) fail promtool's lint.
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
    }

    /** The metrics of {@code model}; a reloaded model keeps its series. */
    public ModelMetrics model(String model) {
        return models.computeIfAbsent(model, m -> new ModelMetrics(m, registry));
    }

    /** Drops every series labelled {@code model} (it was unloaded), so that dashboards do not show it as idle. */
    public void forget(String model) {
        models.remove(model);
        unrouted.keySet().removeIf(key -> key.startsWith(model + '\n'));
        List<Meter> labelled = registry.getMeters().stream()
                .filter(m -> model.equals(m.getId().getTag("model"))).toList();
        labelled.forEach(registry::remove);
    }

    /**
     * The service produced this result: counted under its model, or under {@link #NO_MODEL}; a late answer of a model
     * unloaded meanwhile only counts.
     */
    public void answered(InferenceResult result) {
        ModelMetrics m = result.model() == null ? null : models.get(result.model());
        if (m != null) {
            m.answered(result);
        } else {
            String model = result.model() == null ? NO_MODEL : result.model();
            String code = result.failed() ? result.error().code() : "OK";
            unrouted.computeIfAbsent(model + '\n' + code, k -> requests(registry, model, code)).increment();
        }
    }

    static Counter requests(MeterRegistry registry, String model, String code) {
        return Counter.builder("salve.requests").description("Answered requests by model and outcome code")
                .tag("model", model).tag("code", code).register(registry);
    }

    /** Where other metrics of the service register, so that one scrape shows them all. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    /** Stops listening to the JVM's GC notifications. */
    @Override
    public void close() {
        gc.close();
    }
}
