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
 *   <li>a class's dominant feature is {@code argmax_l |mu_k[l]|} (absolute, since LINEAR latents are signed);</li>
 *   <li>a feature is cross-class when it is <em>strong</em> for two or more classes, strong meaning
 *       {@code |mu_k[l]| >= CROSS_CLASS_RATIO * |mu_k[dominant_k]|};</li>
 *   <li>top-activating samples of feature l: the largest {@code polarity_l * z_l}, where the polarity is the sign of
 *       the class mean of largest magnitude (so a feature that classes express negatively is read that way).</li>
 * </ul>
 */
public record FeatureCatalog(List<ClassEntry> classes, List<CrossClassFeature> crossClassFeatures,
                             List<FeatureEntry> features, float[][] classMeans) {

    /** A feature counts as strong for a class at this fraction of the class's dominant |mu|. */
    public static final double CROSS_CLASS_RATIO = 0.5;

    public record ClassEntry(int index, String name, int dominantFeature, double dominantMean, int samples) {
    }

    public record CrossClassFeature(int feature, List<Integer> classes, List<Double> means) {
    }

    /**
     * @param firingRate  fraction of samples where the feature is active (see SaeMetrics for the threshold)
     * @param polarity    +1 or -1: the sign in which classes express the feature
     * @param topSamples  indices (into the analysed set) of the most activating samples, strongest first
     */
    public record FeatureEntry(int index, double firingRate, int polarity, double maxActivation, List<Integer> topSamples,
                               List<Integer> dominantFor) {
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
        List<ClassEntry> classes = new ArrayList<>();
        for (int k = 0; k < numClasses; k++) {
            for (int l = 0; l < d; l++) {
                means[k][l] /= Math.max(1, counts[k]);
            }
            int dominant = argmaxAbs(means[k]);
            classes.add(new ClassEntry(k, classNames.get(k), dominant, means[k][dominant], counts[k]));
        }

        List<CrossClassFeature> cross = new ArrayList<>();
        List<FeatureEntry> features = new ArrayList<>();
        for (int l = 0; l < d; l++) {
            List<Integer> strongFor = new ArrayList<>();
            List<Double> strongMeans = new ArrayList<>();
            List<Integer> dominantFor = new ArrayList<>();
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
            features.add(new FeatureEntry(l, firingRate[l], polarity, max, top, dominantFor));
        }
        return new FeatureCatalog(classes, cross, features, means);
    }

    /** Number of distinct features that dominate at least one class. */
    public long distinctDominantFeatures() {
        return classes.stream().mapToInt(ClassEntry::dominantFeature).distinct().count();
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
