package io.salve.kafka;

import io.salve.serve.InferenceResult;
import io.salve.serve.Observation;
import io.salve.telemetry.TelemetryConfig;
import io.salve.telemetry.TelemetryMetrics;
import io.salve.wire.ObservationJson;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The per-request records that ride with a result (same envelope, same committed offset): a telemetry record
 * ({@code schemas/telemetry.schema.json}, type "request") when the request has latents, and a diagnostics record
 * ({@code schemas/diagnostics.schema.json}, type "request") when a suppression edit is active; each only when its
 * stream is enabled and the request id is sampled. Both are keyed by request id; their JSON is
 * {@link ObservationJson}'s.
 */
public final class ObservationRecords implements Function<InferenceResult, List<ProducerRecord<String, byte[]>>> {

    private final TelemetryConfig config;
    private final KafkaConfig.TopicNames topics;
    private final TelemetryMetrics metrics;

    public ObservationRecords(TelemetryConfig config, KafkaConfig.TopicNames topics, TelemetryMetrics metrics) {
        this.config = config;
        this.topics = topics;
        this.metrics = metrics;
    }

    @Override
    public List<ProducerRecord<String, byte[]>> apply(InferenceResult result) {
        Observation o = result.observed();
        if (result.failed() || o == null) {
            return List.of();
        }
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(2);
        if (config.telemetry().enabled() && o.summary() != null && sampled(result.id(), config.telemetry().sampleRate())) {
            out.add(new ProducerRecord<>(topics.telemetry(), result.id(), ObservationJson.telemetry(result)));
            metrics.produced(result.model(), topics.telemetry(), "request", 1);
        }
        if (config.diagnostics().enabled() && !o.suppressions().isEmpty()
                && sampled(result.id(), config.diagnostics().sampleRate())) {
            out.add(new ProducerRecord<>(topics.diagnostics(), result.id(), ObservationJson.diagnostics(result)));
            metrics.produced(result.model(), topics.diagnostics(), "request", 1);
        }
        return out;
    }

    /** Whether request {@code id} is in the sample: a hash of the id, so a re-delivered request is treated alike. */
    static boolean sampled(String id, double rate) {
        if (rate >= 1) {
            return true;
        }
        long h = id.hashCode() * 0x9E3779B97F4A7C15L;
        return (h >>> 40) < rate * (1L << 24);
    }
}
