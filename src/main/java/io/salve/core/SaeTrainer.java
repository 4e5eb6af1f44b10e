package io.salve.core;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

/**
 * Trains a {@link Sae} on penultimate activations with DJL autograd and Adam.
 *
 * <p>Loss per batch: {@code mean_i ||x_i - x_hat_i||^2 + l1 * mean_i ||z_i||_1} on scale-normalised inputs
 * {@code x = a / inputScale}, where {@code inputScale = sqrt(mean ||a||^2 / M)} (so {@code mean ||x||^2 = M}). For TOPK
 * the L1 term acts on the kept latents only; with {@code l1 = 0} sparsity comes from k alone. After every Adam step
 * the decoder columns are rescaled to unit norm, which keeps the L1 penalty from being dodged by shrinking {@code z}
 * and growing {@code D}.
 *
 * <p>Initialisation: decoder columns are random unit vectors, the encoder is their transpose (tied), {@code b_e = 0}
 * and {@code b_d = mean(x)}. Initialisation and shuffling draw from a {@link Random} seeded by the config, so a run
 * is reproducible for a fixed seed and thread count.
 *
 * <p>PyTorch allows one gradient collector per process at a time: do not train concurrently with other DJL
 * training in the same JVM.
 */
public final class SaeTrainer {

    private SaeTrainer() {
    }

    /**
     * @param activations N x M penultimate activations (rows are inputs)
     * @param progress    receives "sae epoch e/E" with batches done/total and the running loss and FVU
     */
    public static Sae train(float[][] activations, SaeConfig config, Progress progress) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(progress, "progress");
        int n = activations.length;
        int m = checkShape(activations);
        int d = config.latents();

        // One pass in double for the scale and the total variance (the FVU denominator).
        double[] mean = new double[m];
        double sumSq = 0;
        for (float[] row : activations) {
            for (int j = 0; j < m; j++) {
                mean[j] += row[j];
                sumSq += (double) row[j] * row[j];
            }
        }
        double meanSq = 0;
        for (int j = 0; j < m; j++) {
            mean[j] /= n;
            meanSq += mean[j] * mean[j];
        }
        if (sumSq == 0) {
            throw new SalveException("BAD_ARGUMENT", "all activations are zero; there is nothing to train an SAE on");
        }
        float inputScale = (float) Math.sqrt(sumSq / n / m);
        double totalVariance = Math.max(sumSq - n * meanSq, Double.MIN_NORMAL) / ((double) inputScale * inputScale);

        Engine.getInstance().setRandomSeed(Long.hashCode(config.seed()));
        Random random = new Random(config.seed());
        float[] decoderRows = randomUnitRows(d, m, random);
        float[] meanX = new float[m];
        for (int j = 0; j < m; j++) {
            meanX[j] = (float) (mean[j] / inputScale);
        }

        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray data = manager.create(activations).divi(inputScale);
            // Parameters are stored so the batch is always the left operand: et is E^T (M x d), dt is D^T (d x M).
            // DJL attaches a result to its left operand's manager, so per-step arrays land in the step's manager.
            NDArray et = manager.create(transpose(decoderRows, d, m));
            NDArray be = manager.zeros(new Shape(d));
            NDArray dt = manager.create(decoderRows, new Shape(d, m));
            NDArray bd = manager.create(meanX);
            NDArray[] params = {et, be, dt, bd};
            String[] ids = {"encoder", "encoderBias", "decoder", "decoderBias"};
            for (NDArray p : params) {
                p.setRequiresGradient(true);
            }
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) config.learningRate()))
                    .build();

            int batchSize = config.batchSize();
            int batches = (n + batchSize - 1) / batchSize;
            int[] order = identity(n);
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                shuffle(order, random);
                String phase = "sae epoch " + epoch + "/" + config.epochs();
                double lossSum = 0;
                double sseSum = 0;
                int rowsDone = 0;
                for (int b = 0; b < batches; b++) {
                    int from = b * batchSize;
                    int to = Math.min(n, from + batchSize);
                    float loss;
                    float sse;
                    try (NDManager step = manager.newSubManager()) {
                        NDArray index = step.create(Arrays.copyOfRange(order, from, to));
                        NDArray x = data.get(step, new NDIndex("{}", index));
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            NDArray z = config.kind().activate(x.matMul(et).add(be), config.k());
                            NDArray residual = x.sub(z.matMul(dt).add(bd));
                            NDArray sseArray = residual.square().sum();
                            NDArray objective = config.l1() > 0
                                    ? sseArray.add(z.abs().sum().mul((float) config.l1())) : sseArray;
                            NDArray lossArray = objective.div(to - from);
                            collector.backward(lossArray);
                            loss = lossArray.getFloat();
                            sse = sseArray.getFloat();
                        }
                    }
                    if (!Float.isFinite(loss)) {
                        throw new SalveException("TRAINING_DIVERGED", "SAE loss became " + loss + " in " + phase
                                + "; lower the learning rate or l1");
                    }
                    for (int i = 0; i < params.length; i++) {
                        // Adam updates in place and zeroes the parameter's gradient; the handle is ours to close.
                        try (NDArray grad = params[i].getGradient()) {
                            adam.update(ids[i], params[i], grad);
                        }
                    }
                    try (NDArray norms = dt.norm(new int[] {1}, true)) {
                        dt.divi(norms);
                    }
                    lossSum += (double) loss * (to - from);
                    sseSum += sse;
                    rowsDone += to - from;
                    progress.update(phase, b + 1, batches, String.format(Locale.ROOT, "loss %.4f, fvu %.4f",
                            lossSum / rowsDone, sseSum / (totalVariance * rowsDone / n)));
                }
            }
            return new Sae(config.kind(), transpose(et.toFloatArray(), m, d), be.toFloatArray(),
                    transpose(dt.toFloatArray(), d, m), bd.toFloatArray(), inputScale,
                    config.kind() == SaeKind.TOPK ? config.k() : 0);
        }
    }

    private static int checkShape(float[][] activations) {
        if (activations.length == 0 || activations[0].length == 0) {
            throw new SalveException("BAD_ARGUMENT", "no activations to train an SAE on");
        }
        int m = activations[0].length;
        for (int i = 0; i < activations.length; i++) {
            float[] row = activations[i];
            if (row.length != m) {
                throw new SalveException("BAD_ARGUMENT",
                        "activation row " + i + " has " + row.length + " values, expected " + m);
            }
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    throw new SalveException("BAD_ARGUMENT", "activation row " + i + " holds " + v
                            + "; re-extract the activations");
                }
            }
        }
        return m;
    }

    /** Row-major {@code rows x cols} array whose rows are random unit vectors. */
    private static float[] randomUnitRows(int rows, int cols, Random random) {
        float[] out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            double norm = 0;
            for (int j = 0; j < cols; j++) {
                float v = (float) random.nextGaussian();
                out[i * cols + j] = v;
                norm += (double) v * v;
            }
            float inv = (float) (1 / Math.sqrt(norm));
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] *= inv;
            }
        }
        return out;
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        Arrays.setAll(out, i -> i);
        return out;
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The {@code cols x rows} transpose of a row-major {@code rows x cols} array. */
    private static float[][] transpose(float[] flat, int rows, int cols) {
        float[][] out = new float[cols][rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[j][i] = flat[i * cols + j];
            }
        }
        return out;
    }
}
