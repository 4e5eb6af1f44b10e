package io.salve.telemetry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.salve.core.SalveException;
import java.time.Duration;

/**
 * The {@code salve.telemetry} and {@code salve.diagnostics} blocks of the configuration.
 *
 * @param telemetry       per-request SAE latents and per-feature windows on the telemetry topic
 * @param diagnostics     per-request suppression diagnoses and per-class windows on the diagnostics topic
 * @param driftThreshold  a class's window is flagged as drifted when the KS distance between its live alpha_flip
 *                        values and the held-out ones exceeds this
 * @param driftMinSamples live samples a class needs in a window before drift is judged
 */
public record TelemetryConfig(Stream telemetry, Stream diagnostics, double driftThreshold, int driftMinSamples) {

    /**
     * @param enabled    computed and produced at all (off: nothing is computed for it in the batch pass)
     * @param sampleRate fraction of answered requests that get a per-request record, chosen by request id (windows
     *                   count every request)
     * @param window     length of an aggregation window
     */
    public record Stream(boolean enabled, double sampleRate, Duration window) {
    }

    public static TelemetryConfig from(Config root) {
        try {
            Config drift = root.getConfig("salve.diagnostics.drift");
            double threshold = drift.getDouble("threshold");
            int minSamples = drift.getInt("min-samples");
            if (!(threshold > 0 && threshold <= 1)) {
                throw bad("salve.diagnostics.drift.threshold must be in (0, 1], was " + threshold);
            }
            if (minSamples < 1) {
                throw bad("salve.diagnostics.drift.min-samples must be positive, was " + minSamples);
            }
            return new TelemetryConfig(stream(root, "salve.telemetry"), stream(root, "salve.diagnostics"), threshold,
                    minSamples);
        } catch (ConfigException e) {
            throw new SalveException("BAD_CONFIG", e.getMessage(), e);
        }
    }

    private static Stream stream(Config root, String path) {
        Config c = root.getConfig(path);
        double rate = c.getDouble("sample-rate");
        if (!(rate >= 0 && rate <= 1)) {
            throw bad(path + ".sample-rate must be in [0, 1], was " + rate);
        }
        Duration window = c.getDuration("window");
        if (window.toMillis() < 100) {
            throw bad(path + ".window must be at least 100ms, was " + window);
        }
        return new Stream(c.getBoolean("enabled"), rate, window);
    }

    private static SalveException bad(String message) {
        return new SalveException("BAD_CONFIG", message);
    }
}
