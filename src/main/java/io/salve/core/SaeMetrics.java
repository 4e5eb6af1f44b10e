package io.salve.core;

/**
 * How well an SAE explains a set of activations and how sparse its latents are there.
 *
 * <p>A latent <em>fires</em> on an input when {@code |z_l| > ACTIVE_FRACTION * sqrt(M)}. Decoder columns have unit
 * norm, so this says: the latent's decoded contribution {@code inputScale * |z_l|} is more than 1% of the RMS
 * activation norm of the SAE's training set ({@code inputScale * sqrt(M)}). The threshold is scale-free and also
 * applies to LINEAR SAEs, whose latents are dense and only approximately zero.
 *
 * @param fvu         fraction of variance unexplained, {@code sum ||a - a_hat||^2 / sum ||a - mean(a)||^2}; NaN when
 *                    the set has no variance
 * @param meanL0      mean number of latents firing per input
 * @param deadLatents latents that fire on no input of the set
 * @param firingRate  per latent, the fraction of inputs it fires on
 */
public record SaeMetrics(double fvu, double meanL0, int deadLatents, double[] firingRate) {

    /** A firing latent contributes more than this fraction of the training set's RMS activation norm. */
    public static final double ACTIVE_FRACTION = 0.01;

    /** |z_l| above this counts as feature l firing (see the class comment). */
    public static double firingThreshold(Sae sae) {
        return ACTIVE_FRACTION * Math.sqrt(sae.inputDim());
    }

    public static SaeMetrics evaluate(Sae sae, float[][] activations) {
        int n = activations.length;
        int m = sae.inputDim();
        if (n == 0) {
            throw new SalveException("BAD_ARGUMENT", "no activations to evaluate the SAE on");
        }
        double[] mean = new double[m];
        for (float[] a : activations) {
            if (a.length != m) {
                throw new SalveException("BAD_ARGUMENT",
                        "activations have " + a.length + " dims, the SAE expects " + m);
            }
            for (int j = 0; j < m; j++) {
                mean[j] += a[j];
            }
        }
        for (int j = 0; j < m; j++) {
            mean[j] /= n;
        }

        double threshold = firingThreshold(sae);
        long[] fired = new long[sae.latents()];
        double residual = 0;
        double variance = 0;
        for (float[] a : activations) {
            float[] z = sae.encode(a);
            float[] aHat = sae.decode(z);
            for (int j = 0; j < m; j++) {
                double e = a[j] - aHat[j];
                double c = a[j] - mean[j];
                residual += e * e;
                variance += c * c;
            }
            for (int l = 0; l < z.length; l++) {
                if (Math.abs(z[l]) > threshold) {
                    fired[l]++;
                }
            }
        }

        double[] firingRate = new double[fired.length];
        long total = 0;
        int dead = 0;
        for (int l = 0; l < fired.length; l++) {
            firingRate[l] = (double) fired[l] / n;
            total += fired[l];
            if (fired[l] == 0) {
                dead++;
            }
        }
        return new SaeMetrics(variance > 0 ? residual / variance : Double.NaN, (double) total / n, dead, firingRate);
    }
}
