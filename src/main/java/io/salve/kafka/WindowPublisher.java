package io.salve.kafka;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.salve.telemetry.ClassWindows;
import io.salve.telemetry.FeatureWindows;
import io.salve.telemetry.TelemetryMetrics;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the aggregation windows and produces their records: per-feature records and the window summary to the
 * telemetry topic, per-class records to the diagnostics topic. A feature's records always go to partition
 * {@code feature mod partitions} (key {@code feature-<l>}) and a class's to {@code class mod partitions}
 * (key {@code class-<k>}), so a consumer can follow one by reading one partition. Window records are aggregates,
 * not tied to request offsets: a crash loses at most the open window.
 */
public final class WindowPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WindowPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private final String model;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConfig.TopicNames topics;
    private final FeatureWindows features;
    private final ClassWindows classes;
    private final TelemetryMetrics metrics;
    private final int telemetryPartitions;
    private final int diagnosticsPartitions;

    /**
     * @param model    the model whose windows these are (its records' metrics)
     * @param producer the window records' producer, shared by every model's publisher ({@link #producer})
     * @param features null when telemetry is off; @param classes null when diagnostics are off
     */
    public WindowPublisher(String model, KafkaProducer<String, byte[]> producer, KafkaConfig kafka,
                           FeatureWindows features, ClassWindows classes, TelemetryMetrics metrics) {
        this.model = model;
        this.producer = producer;
        this.topics = kafka.topics();
        this.features = features;
        this.classes = classes;
        this.metrics = metrics;
        this.telemetryPartitions = producer.partitionsFor(topics.telemetry()).size();
        this.diagnosticsPartitions = producer.partitionsFor(topics.diagnostics()).size();
    }

    /** Closes the feature window now and produces it (nothing when no request came in). */
    public void publishFeatures() {
        if (features == null) {
            return;
        }
        features.close(Instant.now()).ifPresent(w -> {
            for (FeatureWindows.FeatureRecord f : w.features()) {
                send(topics.telemetry(), f.feature() % telemetryPartitions, "feature-" + f.feature(), f);
            }
            send(topics.telemetry(), null, "window", w.summary());
            metrics.produced(model, topics.telemetry(), "feature-window", w.features().size());
            metrics.produced(model, topics.telemetry(), "window", 1);
        });
    }

    /** Closes the class window now and produces it. */
    public void publishClasses() {
        if (classes == null) {
            return;
        }
        List<ClassWindows.ClassRecord> records = classes.close(Instant.now());
        for (ClassWindows.ClassRecord r : records) {
            send(topics.diagnostics(), r.cls() % diagnosticsPartitions, "class-" + r.cls(), r);
            r.suppressions().stream().filter(s -> s.drift() != null && s.drift().drifted()).forEach(s ->
                    LOG.warn("alpha_flip drift: class {} under edit {} (feature {}): KS distance {} > {}", r.cls(),
                            s.edit(), s.feature(), String.format("%.3f", s.drift().distance()), s.drift().threshold()));
        }
        metrics.produced(model, topics.diagnostics(), "class-window", records.size());
    }

    private void send(String topic, Integer partition, String key, Object value) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        producer.send(new ProducerRecord<>(topic, partition, key, json), (meta, failure) -> {
            if (failure != null) {
                LOG.warn("could not produce a window record to {}: {}", topic, failure.toString());
            }
        });
    }

    /** The producer of every model's window records; its owner closes it after the last publisher. */
    public static KafkaProducer<String, byte[]> producer(String bootstrap, KafkaConfig kafka) {
        return new KafkaProducer<>(kafka.clientConfig(bootstrap, Map.of(ProducerConfig.CLIENT_ID_CONFIG,
                "salve-windows", ProducerConfig.LINGER_MS_CONFIG, 20)), new StringSerializer(),
                new ByteArraySerializer());
    }

    /** Produces the open windows and waits until the broker has them (the shared producer stays open). */
    @Override
    public void close() {
        publishFeatures();
        publishClasses();
        producer.flush();
    }
}
