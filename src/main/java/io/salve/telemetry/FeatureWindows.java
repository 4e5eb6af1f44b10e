package io.salve.telemetry;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.salve.serve.InferenceResult;
import io.salve.serve.Observation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Per-feature aggregates of the SAE latents over one window: for every feature, how many requests it fired on
 * ({@code |z| >} the SAE's firing threshold), its firing rate, mean and max activation, and the firing counts per
 * predicted class; plus one summary of the window. Every answered request with latents is counted, sampled or not.
 * Thread-safe: results arrive from the stream's threads, the window is closed by a timer.
 */
public final class FeatureWindows {

    /** Requests predicted {@code cls} in the window and how many of them the feature fired on. */
    public record ClassCount(@JsonProperty("class") int cls, int requests, int fired, double firingRate) {
    }

    /** One feature over one window (telemetry topic, keyed and partitioned by feature index). */
    public record FeatureRecord(String type, String model, String windowStart, String windowEnd, int feature, int requests,
                                int fired, double firingRate, double meanActivation, double maxActivation,
                                List<ClassCount> byClass) {
    }

    /** Requests predicted {@code cls} in the window. */
    public record ClassTotal(@JsonProperty("class") int cls, int requests) {
    }

    /** The window as a whole (telemetry topic, key "window"). */
    public record Summary(String type, String model, String windowStart, String windowEnd, int requests, double meanL0,
                          int firingFeatures, List<Long> editVersions, List<ClassTotal> byClass) {
    }

    public record Window(List<FeatureRecord> features, Summary summary) {
    }

    private final String model;
    private final int classes;
    private final int latents;
    private final double threshold;
    private Instant start;
    private int requests;
    private long l0;
    private int[] classRequests;
    private int[] fired;
    private int[][] firedByClass;
    private double[] sum;
    private float[] max;
    private final TreeSet<Long> versions = new TreeSet<>();

    /** @param model the model whose requests these windows count (every record carries it) */
    public FeatureWindows(String model, int classes, int latents, double firingThreshold, Instant start) {
        this.model = model;
        this.classes = classes;
        this.latents = latents;
        this.threshold = firingThreshold;
        reset(start);
    }

    private void reset(Instant at) {
        start = at;
        requests = 0;
        l0 = 0;
        classRequests = new int[classes];
        fired = new int[latents];
        firedByClass = new int[latents][classes];
        sum = new double[latents];
        max = new float[latents];
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        versions.clear();
    }

    public synchronized void add(InferenceResult result) {
        Observation o = result.observed();
        if (result.failed() || o == null || o.latents() == null) {
            return;
        }
        float[] z = o.latents();
        int k = result.prediction();
        requests++;
        classRequests[k]++;
        l0 += o.summary().l0();
        versions.add(result.editVersion());
        for (int l = 0; l < latents; l++) {
            float v = z[l];
            sum[l] += v;
            max[l] = Math.max(max[l], v);
            if (Math.abs(v) > threshold) {
                fired[l]++;
                firedByClass[l][k]++;
            }
        }
    }

    /** Closes the window at {@code end} and starts the next; empty when no request came in. */
    public synchronized Optional<Window> close(Instant end) {
        if (requests == 0) {
            reset(end);
            return Optional.empty();
        }
        String from = start.toString();
        String to = end.toString();
        List<FeatureRecord> features = new ArrayList<>(latents);
        int firing = 0;
        for (int l = 0; l < latents; l++) {
            List<ClassCount> byClass = new ArrayList<>();
            for (int k = 0; k < classes; k++) {
                if (classRequests[k] > 0) {
                    byClass.add(new ClassCount(k, classRequests[k], firedByClass[l][k],
                            (double) firedByClass[l][k] / classRequests[k]));
                }
            }
            features.add(new FeatureRecord("feature-window", model, from, to, l, requests, fired[l],
                    (double) fired[l] / requests, sum[l] / requests, max[l], byClass));
            firing += fired[l] > 0 ? 1 : 0;
        }
        List<ClassTotal> totals = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            if (classRequests[k] > 0) {
                totals.add(new ClassTotal(k, classRequests[k]));
            }
        }
        Summary summary = new Summary("window", model, from, to, requests, (double) l0 / requests, firing,
                List.copyOf(versions), totals);
        reset(end);
        return Optional.of(new Window(features, summary));
    }
}
