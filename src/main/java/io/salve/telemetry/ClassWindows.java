package io.salve.telemetry;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.salve.core.diagnose.KsDistance;
import io.salve.core.diagnose.Summary;
import io.salve.serve.InferenceResult;
import io.salve.serve.Observation;
import io.salve.serve.SuppressionProbe;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-class suppression diagnostics over one window, per edit version: for each class (the prediction before the
 * edit) and each active suppression edit, the flip rate, the median alpha_flip of the traffic, the near-critical
 * count and the drift of the live alpha_flip distribution from the held-out one (KS distance); for labelled requests,
 * the class's accuracy under the served edit set next to the unedited head's. Thread-safe.
 */
public final class ClassWindows {

    /** Labelled requests of the class (by their label) and the accuracy of the edited and the unedited head. */
    public record Accuracy(int labelled, double edited, double unedited) {
    }

    /**
     * The live alpha_flip distribution against the held-out one.
     *
     * @param statistic "ks": the two-sample Kolmogorov-Smirnov distance
     */
    public record Drift(String statistic, double distance, double threshold, int liveSamples, int referenceSamples,
                        boolean drifted) {
    }

    /**
     * One suppression edit's effect on the class's requests in the window.
     *
     * @param medianAlphaFlip null when more than half never flip
     * @param referenceReady  false while the held-out reference is still being built (just after the edit)
     * @param drift           null when the reference is not ready, or the window or the held-out set has too few
     *                        samples of the class
     */
    public record EditStats(int edit, int feature, String method, double alpha, int samples, int flipped,
                            double flipRate, Double medianAlphaFlip, int nearCritical, boolean referenceReady,
                            Drift drift) {
    }

    /**
     * One class over one window under one edit version (diagnostics topic, keyed and partitioned by class).
     *
     * @param requests requests the unedited head predicted as this class
     * @param accuracy null when no request of the class carried a label
     */
    public record ClassRecord(String type, String model, String windowStart, String windowEnd, long editVersion,
                              @JsonProperty("class") int cls, int requests, Accuracy accuracy,
                              List<EditStats> suppressions) {
    }

    /** One suppression edit's per-class accumulators. */
    private static final class EditWindow {
        // The newest seen: the edit's probe gets its reference after the edit is first served, at the same version.
        SuppressionProbe probe;
        final int[] samples;
        final int[] flipped;
        final int[] nearCritical;
        final double[][] alphaFlip;

        EditWindow(SuppressionProbe probe, int classes) {
            this.probe = probe;
            samples = new int[classes];
            flipped = new int[classes];
            nearCritical = new int[classes];
            alphaFlip = new double[classes][16];
        }

        void add(Observation.Diagnosis d) {
            if (d.probe().referenceReady()) {
                probe = d.probe();
            }
            int k = d.predicted();
            if (samples[k] == alphaFlip[k].length) {
                alphaFlip[k] = Arrays.copyOf(alphaFlip[k], 2 * samples[k]);
            }
            alphaFlip[k][samples[k]++] = d.alphaFlip();
            flipped[k] += d.flipped() ? 1 : 0;
            nearCritical[k] += d.nearCritical() ? 1 : 0;
        }
    }

    /** One edit version's accumulators. */
    private static final class VersionWindow {
        final int[] requests;
        final int[] labelled;
        final int[] correct;
        final int[] uneditedCorrect;
        final Map<Integer, EditWindow> edits = new TreeMap<>();

        VersionWindow(int classes) {
            requests = new int[classes];
            labelled = new int[classes];
            correct = new int[classes];
            uneditedCorrect = new int[classes];
        }
    }

    private final String model;
    private final int classes;
    private final double driftThreshold;
    private final int driftMinSamples;
    private Instant start;
    private Map<Long, VersionWindow> versions = new TreeMap<>();

    /** @param model the model whose requests these windows count (every record carries it) */
    public ClassWindows(String model, int classes, double driftThreshold, int driftMinSamples, Instant start) {
        this.model = model;
        this.classes = classes;
        this.driftThreshold = driftThreshold;
        this.driftMinSamples = driftMinSamples;
        this.start = start;
    }

    public synchronized void add(InferenceResult result) {
        Observation o = result.observed();
        if (result.failed() || o == null) {
            return;
        }
        VersionWindow v = versions.computeIfAbsent(result.editVersion(), x -> new VersionWindow(classes));
        v.requests[o.uneditedPrediction()]++;
        Integer label = result.label();
        if (label != null && label >= 0 && label < classes) {
            v.labelled[label]++;
            v.correct[label] += result.prediction().equals(label) ? 1 : 0;
            v.uneditedCorrect[label] += o.uneditedPrediction() == label ? 1 : 0;
        }
        for (Observation.Diagnosis d : o.suppressions()) {
            v.edits.computeIfAbsent(d.probe().index(), i -> new EditWindow(d.probe(), classes)).add(d);
        }
    }

    /** Closes the window at {@code end} and starts the next: one record per version and class seen. */
    public synchronized List<ClassRecord> close(Instant end) {
        List<ClassRecord> out = new ArrayList<>();
        for (Map.Entry<Long, VersionWindow> e : versions.entrySet()) {
            VersionWindow v = e.getValue();
            for (int k = 0; k < classes; k++) {
                List<EditStats> stats = new ArrayList<>();
                for (EditWindow w : v.edits.values()) {
                    if (w.samples[k] > 0) {
                        stats.add(stats(w, k));
                    }
                }
                if (v.requests[k] == 0 && v.labelled[k] == 0 && stats.isEmpty()) {
                    continue;
                }
                Accuracy accuracy = v.labelled[k] == 0 ? null : new Accuracy(v.labelled[k],
                        (double) v.correct[k] / v.labelled[k], (double) v.uneditedCorrect[k] / v.labelled[k]);
                out.add(new ClassRecord("class-window", model, start.toString(), end.toString(), e.getKey(), k,
                        v.requests[k], accuracy, stats));
            }
        }
        versions = new TreeMap<>();
        start = end;
        return out;
    }

    private EditStats stats(EditWindow w, int k) {
        int n = w.samples[k];
        double[] live = Arrays.copyOf(w.alphaFlip[k], n);
        Arrays.sort(live);
        double median = Summary.of(live).median();
        double[] reference = w.probe.referenceReady() ? w.probe.reference()[k] : new double[0];
        Drift drift = null;
        if (n >= driftMinSamples && reference.length >= driftMinSamples) {
            double distance = KsDistance.between(live, reference);
            drift = new Drift("ks", distance, driftThreshold, n, reference.length, distance > driftThreshold);
        }
        return new EditStats(w.probe.index(), w.probe.edit().feature(), w.probe.edit().method().id(),
                w.probe.edit().alpha(), n, w.flipped[k], (double) w.flipped[k] / n,
                Double.isFinite(median) ? median : null, w.nearCritical[k], w.probe.referenceReady(), drift);
    }
}
