package io.salve.kafka;


import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.salve.core.LatentSummary;
import io.salve.serve.InferenceResult;
import io.salve.serve.Observation;
import io.salve.telemetry.TelemetryConfig;
import io.salve.telemetry.TelemetryMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The per-request records that ride with a result (same envelope, same committed offset): a telemetry record
 * ({@code schemas/telemetry.schema.json}, type "request") when the request has latents, and a diagnostics record
 * ({@code schemas/diagnostics.schema.json}, type "request") when a suppression edit is active; each only when its
 * stream is enabled and the request id is sampled. Both are keyed by request id. The JSON is written by hand: this
 * runs for every answered request.
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
            out.add(new ProducerRecord<>(topics.telemetry(), result.id(), telemetry(result)));
            metrics.produced(topics.telemetry(), "request", 1);
        }
        if (config.diagnostics().enabled() && !o.suppressions().isEmpty()
                && sampled(result.id(), config.diagnostics().sampleRate())) {
            out.add(new ProducerRecord<>(topics.diagnostics(), result.id(), diagnostics(result)));
            metrics.produced(topics.diagnostics(), "request", 1);
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

    /** {"type":"request","id",editVersion,prediction,label?,l0,topLatents:[{index,value}]}. */
    public static byte[] telemetry(InferenceResult r) {
        LatentSummary s = r.observed().summary();
        StringBuilder b = head(r);
        b.append(",\"l0\":").append(s.l0()).append(",\"topLatents\":[");
        for (int i = 0; i < s.top().size(); i++) {
            LatentSummary.Latent latent = s.top().get(i);
            b.append(i == 0 ? "{\"index\":" : ",{\"index\":").append(latent.index()).append(",\"value\":");
            number(b, latent.value()).append('}');
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {"type":"request","id",editVersion,prediction,label?,uneditedPrediction,changed,suppressions:[{edit,feature,
     * method,alpha,predicted,margin,alphaCrit,alphaCritAnalytic,alphaFlip,flipTo,flipped,nearCritical}]}; undefined
     * or infinite thresholds are null.
     */
    public static byte[] diagnostics(InferenceResult r) {
        Observation o = r.observed();
        StringBuilder b = head(r);
        b.append(",\"uneditedPrediction\":").append(o.uneditedPrediction())
                .append(",\"changed\":").append(o.uneditedPrediction() != r.prediction())
                .append(",\"suppressions\":[");
        for (int i = 0; i < o.suppressions().size(); i++) {
            Observation.Diagnosis d = o.suppressions().get(i);
            b.append(i == 0 ? "{" : ",{")
                    .append("\"edit\":").append(d.probe().index())
                    .append(",\"feature\":").append(d.probe().edit().feature())
                    .append(",\"method\":\"").append(d.probe().edit().method().id())
                    .append("\",\"alpha\":");
            number(b, d.probe().edit().alpha()).append(",\"predicted\":").append(d.predicted()).append(",\"margin\":");
            number(b, d.margin()).append(",\"alphaCrit\":");
            number(b, d.alphaCrit()).append(",\"alphaCritAnalytic\":");
            number(b, d.alphaCritAnalytic()).append(",\"alphaFlip\":");
            number(b, d.alphaFlip()).append(",\"flipTo\":");
            (d.flipTo() < 0 ? b.append("null") : b.append(d.flipTo()))
                    .append(",\"flipped\":").append(d.flipped())
                    .append(",\"nearCritical\":").append(d.nearCritical()).append('}');
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static StringBuilder head(InferenceResult r) {
        StringBuilder b = new StringBuilder(256).append("{\"type\":\"request\",\"id\":\"");
        b.append(JsonStringEncoder.getInstance().quoteAsString(r.id()));
        b.append("\",\"editVersion\":").append(r.editVersion()).append(",\"prediction\":").append(r.prediction());
        if (r.label() != null) {
            b.append(",\"label\":").append(r.label());
        }
        return b;
    }

    /** A JSON number, or null for NaN and infinities (which JSON cannot write). */
    private static StringBuilder number(StringBuilder b, double v) {
        return Double.isFinite(v) ? b.append(v) : b.append("null");
    }

    private static StringBuilder number(StringBuilder b, float v) {
        return Float.isFinite(v) ? b.append(v) : b.append("null");
    }
}
