package io.salve.wire;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.salve.core.LatentSummary;
import io.salve.serve.InferenceResult;
import io.salve.serve.Observation;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON of the per-request observation records: telemetry ({@code schemas/telemetry.schema.json}) and diagnostics
 * ({@code schemas/diagnostics.schema.json}), both of type "request". Written with Jackson's streaming generator
 * rather than a tree or data binding: this runs for every answered request. Thread-safe.
 */
public final class ObservationJson {

    private static final JsonFactory JSON = new JsonFactory();

    private ObservationJson() { }

    /** {"type":"request","id","model",editVersion,prediction,label?,l0,topLatents:[{index,value}]}. */
    public static byte[] telemetry(InferenceResult r) {
        LatentSummary s = r.observed().summary();
        return write(g -> {
            head(g, r);
            g.writeNumberField("l0", s.l0());
            g.writeArrayFieldStart("topLatents");
            for (LatentSummary.Latent latent : s.top()) {
                g.writeStartObject();
                g.writeNumberField("index", latent.index());
                g.writeFieldName("value");
                number(g, latent.value());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /**
     * {"type":"request","id","model",editVersion,prediction,label?,uneditedPrediction,changed,suppressions:[{edit,feature,
     * method,alpha,predicted,margin,alphaCrit,alphaCritAnalytic,alphaFlip,flipTo,flipped,nearCritical,
     * referenceReady}]}; undefined or infinite thresholds are null. referenceReady is false for the requests served
     * while the edit's held-out drift reference is still being built (the windows' drift is null for them).
     */
    public static byte[] diagnostics(InferenceResult r) {
        Observation o = r.observed();
        return write(g -> {
            head(g, r);
            g.writeNumberField("uneditedPrediction", o.uneditedPrediction());
            g.writeBooleanField("changed", o.uneditedPrediction() != r.prediction());
            g.writeArrayFieldStart("suppressions");
            for (Observation.Diagnosis d : o.suppressions()) {
                g.writeStartObject();
                g.writeNumberField("edit", d.probe().index());
                g.writeNumberField("feature", d.probe().edit().feature());
                g.writeStringField("method", d.probe().edit().method().id());
                numberField(g, "alpha", d.probe().edit().alpha());
                g.writeNumberField("predicted", d.predicted());
                numberField(g, "margin", d.margin());
                numberField(g, "alphaCrit", d.alphaCrit());
                numberField(g, "alphaCritAnalytic", d.alphaCritAnalytic());
                numberField(g, "alphaFlip", d.alphaFlip());
                if (d.flipTo() < 0) {
                    g.writeNullField("flipTo");
                } else {
                    g.writeNumberField("flipTo", d.flipTo());
                }
                g.writeBooleanField("flipped", d.flipped());
                g.writeBooleanField("nearCritical", d.nearCritical());
                g.writeBooleanField("referenceReady", d.probe().referenceReady());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static void head(JsonGenerator g, InferenceResult r) throws IOException {
        g.writeStringField("type", "request");
        g.writeStringField("id", r.id());
        g.writeStringField("model", r.model());
        g.writeNumberField("editVersion", r.editVersion());
        g.writeNumberField("prediction", r.prediction());
        if (r.label() != null) {
            g.writeNumberField("label", r.label());
        }
    }

    /** A JSON number, or null for NaN and infinities (which JSON cannot write). */
    private static void numberField(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeNullField(name);
        }
    }

    private static void number(JsonGenerator g, float v) throws IOException {
        if (Float.isFinite(v)) {
            g.writeNumber(v);
        } else {
            g.writeNull();
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** One JSON object: {@code body} writes its fields. */
    private static byte[] write(Body body) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256)) {
            try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
                g.writeStartObject();
                body.write(g);
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
