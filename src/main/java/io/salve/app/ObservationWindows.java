package io.salve.app;

import io.salve.core.SaeMetrics;
import io.salve.kafka.KafkaConfig;
import io.salve.kafka.WindowPublisher;
import io.salve.model.Bundle;
import io.salve.serve.InferenceResult;
import io.salve.telemetry.ClassWindows;
import io.salve.telemetry.FeatureWindows;
import io.salve.telemetry.TelemetryConfig;
import io.salve.telemetry.TelemetryMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import scala.concurrent.ExecutionContextExecutor;

/**
 * What the service observes of one model over time rather than per request: the feature and per-class aggregation
 * windows (each only when its telemetry is on), published to Kafka on their own timers.
 * {@link #start} schedules them; {@link #close} cancels the timers and publishes the last windows.
 */
final class ObservationWindows implements AutoCloseable {

    private final FeatureWindows features;
    private final ClassWindows perClass;
    private final WindowPublisher publisher;
    private final List<Cancellable> timers = new ArrayList<>();

    private ObservationWindows(FeatureWindows features, ClassWindows perClass, WindowPublisher publisher) {
        this.features = features;
        this.perClass = perClass;
        this.publisher = publisher;
    }

    /** @param producer the window records' producer (null when telemetry and diagnostics are both off) */
    static ObservationWindows start(ActorSystem<?> system, String model, Bundle bundle, TelemetryConfig observe,
                                    KafkaConfig kafka, KafkaProducer<String, byte[]> producer,
                                    TelemetryMetrics telemetryMetrics) {
        int classes = bundle.metadata().classNames().size();
        Instant now = Instant.now();
        FeatureWindows features = observe.telemetry().enabled() && bundle.hasSae()
                ? new FeatureWindows(model, classes, bundle.sae().latents(), SaeMetrics.firingThreshold(bundle.sae()),
                        now)
                : null;
        ClassWindows perClass = observe.diagnostics().enabled()
                ? new ClassWindows(model, classes, observe.driftThreshold(), observe.driftMinSamples(), now) : null;
        WindowPublisher publisher = features == null && perClass == null ? null
                : new WindowPublisher(model, producer, kafka, features, perClass, telemetryMetrics);
        ObservationWindows windows = new ObservationWindows(features, perClass, publisher);
        ExecutionContextExecutor ec = system.executionContext();
        if (features != null) {
            Duration w = observe.telemetry().window();
            windows.timers.add(system.scheduler().scheduleAtFixedRate(w, w, publisher::publishFeatures, ec));
        }
        if (perClass != null) {
            Duration w = observe.diagnostics().window();
            windows.timers.add(system.scheduler().scheduleAtFixedRate(w, w, publisher::publishClasses, ec));
        }
        return windows;
    }

    /** Counts an answered request into the open windows. */
    void add(InferenceResult result) {
        if (features != null) {
            features.add(result);
        }
        if (perClass != null) {
            perClass.add(result);
        }
    }

    /** Call after the requests are drained, so that the last windows hold every answered request. */
    @Override
    public void close() {
        timers.forEach(Cancellable::cancel);
        if (publisher != null) {
            publisher.close();
        }
    }
}
