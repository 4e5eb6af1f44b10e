package io.salve.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * SALVE's "discover" stage: which SAE features each class relies on.
 *
 * <ul>
 *   <li>{@code classMeans[k][l]} = mu_k[l], the mean of latent l over the samples of class k;</li>
 *   <li>a class's dominant feature is {@code argmax_l |mu_k[l]|} (absolute, since LINEAR latents are signed): the
 *       paper's definition, kept for fidelity;</li>
 *   <li>a class's selective feature is {@code argmax_l s_k[l]}, its selectivity
 *       {@code s_k[l] = sign(mu_k[l]) (mu_k[l] - mean_{j != k} mu_j[l]) / sd_l} with {@code sd_l} the spread of latent
 *       l over all samples: how far the class expresses l beyond the other classes, in its own sign. The largest
 *       |mu| picks features shared by groups of classes (tops vs shoes); selectivity picks one that identifies the
 *       class, which is what suppressing one class needs ({@link #SELECTION}, the default for control);</li>
 *   <li>a feature is cross-class when it is <em>strong</em> for two or more classes, strong meaning
 *       {@code |mu_k[l]| >= CROSS_CLASS_RATIO * |mu_k[dominant_k]|};</li>
 *   <li>top-activating samples of feature l: the largest {@code polarity_l * z_l}, where the polarity is the sign of
 *       the class mean of largest magnitude (so a feature that classes express negatively is read that way).</li>
 * </ul>
 */
public record FeatureCatalog(List<ClassEntry> classes, List<CrossClassFeature> crossClassFeatures,
                             List<FeatureEntry> features, float[][] classMeans, float[][] selectivity) {

    /** A feature counts as strong for a class at this fraction of the class's dominant |mu|. */
    public static final double CROSS_CLASS_RATIO = 0.5;

    /** Which of a class's features control uses by default (see {@link FeatureSelection}). */
    public static final FeatureSelection SELECTION = FeatureSelection.SELECTIVE;

    /**
     * @param selectiveFeature {@code argmax_l s_k[l]}; {@code selectivity} its score
     */
    public record ClassEntry(int index, String name, int dominantFeature, double dominantMean, int samples,
                             int selectiveFeature, double selectivity) {

        public int feature(FeatureSelection selection) {
            return selection == FeatureSelection.DOMINANT ? dominantFeature : selectiveFeature;
        }
    }

    public record CrossClassFeature(int feature, List<Integer> classes, List<Double> means) {
    }

    /**
     * @param firingRate  fraction of samples where the feature is active (see SaeMetrics for the threshold)
     * @param polarity    +1 or -1: the sign in which classes express the feature
     * @param topSamples  indices (into the analysed set) of the most activating samples, strongest first
     */
    public record FeatureEntry(int index, double firingRate, int polarity, double maxActivation, List<Integer> topSamples,
                               List<Integer> dominantFor, List<Integer> selectiveFor) {
    }

    /**
     * @param latents    z of every sample (N x d)
     * @param labels     class of every sample
     * @param firingRate per-feature firing rate on the same samples
     * @param topCount   top-activating samples kept per feature
     */
    public static FeatureCatalog build(float[][] latents, int[] labels, List<String> classNames, double[] firingRate,
                                       int topCount) {
        int numClasses = classNames.size();
        int d = latents.length == 0 ? 0 : latents[0].length;
        float[][] means = new float[numClasses][d];
        int[] counts = new int[numClasses];
        for (int n = 0; n < latents.length; n++) {
            counts[labels[n]]++;
            for (int l = 0; l < d; l++) {
                means[labels[n]][l] += latents[n][l];
            }
        }
        for (int k = 0; k < numClasses; k++) {
            for (int l = 0; l < d; l++) {
                means[k][l] /= Math.max(1, counts[k]);
            }
        }
        float[][] selectivity = selectivity(latents, means);
        List<ClassEntry> classes = new ArrayList<>();
        for (int k = 0; k < numClasses; k++) {
            int dominant = argmaxAbs(means[k]);
            int selective = ranked(selectivity[k]).get(0);
            classes.add(new ClassEntry(k, classNames.get(k), dominant, means[k][dominant], counts[k], selective,
                    selectivity[k][selective]));
        }

        List<CrossClassFeature> cross = new ArrayList<>();
        List<FeatureEntry> features = new ArrayList<>();
        for (int l = 0; l < d; l++) {
            List<Integer> strongFor = new ArrayList<>();
            List<Double> strongMeans = new ArrayList<>();
            List<Integer> dominantFor = new ArrayList<>();
            List<Integer> selectiveFor = new ArrayList<>();
            int loudest = 0;
            for (int k = 0; k < numClasses; k++) {
                double dominantMagnitude = Math.abs(classes.get(k).dominantMean());
                if (dominantMagnitude > 0 && Math.abs(means[k][l]) >= CROSS_CLASS_RATIO * dominantMagnitude) {
                    strongFor.add(k);
                    strongMeans.add((double) means[k][l]);
                }
                if (classes.get(k).dominantFeature() == l) {
                    dominantFor.add(k);
                }
                if (classes.get(k).selectiveFeature() == l) {
                    selectiveFor.add(k);
                }
                if (Math.abs(means[k][l]) > Math.abs(means[loudest][l])) {
                    loudest = k;
                }
            }
            if (strongFor.size() >= 2) {
                cross.add(new CrossClassFeature(l, strongFor, strongMeans));
            }
            int polarity = numClasses > 0 && means[loudest][l] < 0 ? -1 : 1;
            int feature = l;
            List<Integer> top = IntStream.range(0, latents.length).boxed()
                    .sorted(Comparator.comparingDouble((Integer n) -> -polarity * latents[n][feature]))
                    .limit(topCount).toList();
            double max = top.isEmpty() ? 0 : polarity * latents[top.get(0)][l];
            features.add(new FeatureEntry(l, firingRate[l], polarity, max, top, dominantFor, selectiveFor));
        }
        return new FeatureCatalog(classes, cross, features, means, selectivity);
    }

    /**
     * {@code s_k[l] = sign(mu_k[l]) (mu_k[l] - mean_{j != k} mu_j[l]) / sd_l}; 0 for a latent that never varies.
     *
     * @param means the class means mu (K x d) of {@code latents}
     */
    public static float[][] selectivity(float[][] latents, float[][] means) {
        int numClasses = means.length;
        int d = numClasses == 0 ? 0 : means[0].length;
        double[] sum = new double[d];
        double[] squares = new double[d];
        for (float[] z : latents) {
            for (int l = 0; l < d; l++) {
                sum[l] += z[l];
                squares[l] += (double) z[l] * z[l];
            }
        }
        float[][] out = new float[numClasses][d];
        for (int l = 0; l < d; l++) {
            double mean = sum[l] / Math.max(1, latents.length);
            double sd = Math.sqrt(Math.max(0, squares[l] / Math.max(1, latents.length) - mean * mean));
            double total = 0;
            for (float[] mu : means) {
                total += mu[l];
            }
            for (int k = 0; k < numClasses && sd > 0; k++) {
                double others = numClasses > 1 ? (total - means[k][l]) / (numClasses - 1) : 0;
                out[k][l] = (float) (Math.signum(means[k][l]) * (means[k][l] - others) / sd);
            }
        }
        return out;
    }

    /** Class k's features, most characteristic first under {@code selection}: a candidate list for suppression. */
    public List<Integer> ranking(int k, FeatureSelection selection) {
        if (selection == FeatureSelection.SELECTIVE) {
            return ranked(selectivity[k]);
        }
        float[] magnitude = new float[classMeans[k].length];
        for (int l = 0; l < magnitude.length; l++) {
            magnitude[l] = Math.abs(classMeans[k][l]);
        }
        return ranked(magnitude);
    }

    /** Number of distinct features that dominate at least one class. */
    public long distinctDominantFeatures() {
        return distinctFeatures(FeatureSelection.DOMINANT);
    }

    /** Number of distinct features selected under {@code selection}. */
    public long distinctFeatures(FeatureSelection selection) {
        return classes.stream().mapToInt(c -> c.feature(selection)).distinct().count();
    }

    /** Indices by decreasing score (ties: lower index first). */
    private static List<Integer> ranked(float[] score) {
        return IntStream.range(0, score.length).boxed()
                .sorted(Comparator.comparingDouble((Integer l) -> -score[l]).thenComparing(l -> l)).toList();
    }

    private static int argmaxAbs(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (Math.abs(v[i]) > Math.abs(v[best])) {
                best = i;
            }
        }
        return best;
    }
}
