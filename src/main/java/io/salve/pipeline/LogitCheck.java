package io.salve.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import io.salve.core.Head;
import io.salve.core.SalveException;
import io.salve.model.ImportedBackbone;
import io.salve.model.InputSpec;
import java.nio.file.Path;
import java.util.Random;

/** Compares a full TorchScript classifier's logits with backbone activations + head on probe images. */
final class LogitCheck {

    /** Largest accepted max |Δlogit| / max |logit|. */
    static final double TOLERANCE = 1e-4;

    private LogitCheck() { }

    /** Uniform random pixels in [0, 1] (seeded), normalised: images the model has never seen but must survive. */
    static float[] probeImages(InputSpec spec, int count) {
        Random random = new Random(1);
        float[] unit = new float[spec.imageSize()];
        float[] batch = new float[count * spec.imageSize()];
        for (int n = 0; n < count; n++) {
            for (int i = 0; i < unit.length; i++) {
                unit[i] = random.nextFloat();
            }
            spec.normalise(unit, batch, n * unit.length);
        }
        return batch;
    }

    /** max |Δlogit| / max |logit| of {@code head} on {@code activations} against {@code fullModel} on {@code images}. */
    static double relativeError(Path fullModel, InputSpec spec, float[] images, int count, Head head,
                                float[][] activations, Device device, String code) {
        float[][] expected;
        // A full classifier's "activations" are its logits: N x K, the pooled form.
        try (ImportedBackbone model = ImportedBackbone.open(fullModel, ImportedBackbone.Format.TORCHSCRIPT,
                new Shape(spec.channels(), spec.height(), spec.width()), device)) {
            expected = model.activations(images, count);
        }
        double maxDiff = 0;
        double maxLogit = 0;
        for (int n = 0; n < count; n++) {
            double[] logits = head.logits(activations[n]);
            if (expected[n].length != logits.length) {
                throw new SalveException(code, fullModel + " gives " + expected[n].length + " logits per image, "
                        + "backbone + head " + logits.length);
            }
            for (int k = 0; k < logits.length; k++) {
                maxDiff = Math.max(maxDiff, Math.abs(logits[k] - expected[n][k]));
                maxLogit = Math.max(maxLogit, Math.abs(expected[n][k]));
            }
        }
        return maxDiff / Math.max(maxLogit, Double.MIN_NORMAL);
    }
}
