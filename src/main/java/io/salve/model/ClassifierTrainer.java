package io.salve.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.salve.core.Progress;
import io.salve.data.Batches;
import io.salve.data.ImageSet;
import java.util.Random;

/** Trains a {@link Network} on an {@link ImageSet} with Adam (or AdamW) and softmax cross-entropy. */
public final class ClassifierTrainer {

    private ClassifierTrainer() {
    }

    /**
     * Trains a new network; the caller owns (and closes) the result.
     *
     * @param mean pixel normalisation mean (of pixel/255), also recorded in the bundle
     * @param std  pixel normalisation standard deviation
     */
    public static Network train(ImageSet data, TrainConfig config, float mean, float std, Device device,
                                Progress progress) {
        Engine.getInstance().setRandomSeed((int) config.seed());
        Shape imageShape = new Shape(data.channels(), data.height(), data.width());
        Network network = Network.create(config.architecture(), config.vit(), data.numClasses(), imageShape, device);
        int n = data.count();
        int batchesPerEpoch = Math.max(1, n / config.batchSize());
        DefaultTrainingConfig trainingConfig = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(optimizer(config, batchesPerEpoch))
                .optDevices(new Device[] {device});
        Random random = new Random(config.seed());
        try (Trainer trainer = network.model().newTrainer(trainingConfig)) {
            int[] order = identity(n);
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                shuffle(order, random);
                String phase = "epoch " + epoch + "/" + config.epochs();
                long start = System.nanoTime();
                double lossSum = 0;
                for (int b = 0; b < batchesPerEpoch; b++) {
                    ImageSet batch = gather(data, order, b * config.batchSize(), config.batchSize(),
                            config.flip() ? random : null);
                    try (NDManager step = network.manager().newSubManager()) {
                        NDArray x = step.create(Batches.normalised(batch, 0, batch.count(), mean, std),
                                new Shape(batch.count()).addAll(imageShape));
                        NDArray y = step.create(batch.labels());
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDList logits = trainer.forward(new NDList(x));
                            NDArray loss = trainer.getLoss().evaluate(new NDList(y), logits);
                            collector.backward(loss);
                            lossSum += loss.getFloat();
                        }
                        trainer.step();
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    progress.update(phase, b + 1, batchesPerEpoch, String.format("loss %.4f, %.0f img/s",
                            lossSum / (b + 1), (b + 1) * config.batchSize() / seconds));
                }
            }
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
        return network;
    }

    /** Adam (AdamW with a weight decay) under a cosine schedule, after a linear warm-up if asked for. */
    private static Optimizer optimizer(TrainConfig config, int batchesPerEpoch) {
        int warmup = Math.round(config.warmupEpochs() * batchesPerEpoch);
        Tracker cosine = Tracker.cosine().setBaseValue(config.learningRate())
                .optFinalValue(config.learningRate() * 0.01f)
                .setMaxUpdates(batchesPerEpoch * config.epochs() - warmup).build();
        Tracker lr = warmup == 0 ? cosine
                : Tracker.warmUp().setMainTracker(cosine).optWarmUpSteps(warmup).optWarmUpBeginValue(0).build();
        if (config.weightDecay() > 0) {
            return Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays(config.weightDecay()).build();
        }
        return Optimizer.adam().optLearningRateTracker(lr).build();
    }

    private static ImageSet gather(ImageSet data, int[] order, int from, int size, Random flip) {
        int stride = data.imageSize();
        byte[] pixels = new byte[size * stride];
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            int src = order[from + i];
            labels[i] = data.labels()[src];
            if (flip != null && flip.nextBoolean()) {
                mirror(data, src, pixels, i * stride);
            } else {
                System.arraycopy(data.pixels(), src * stride, pixels, i * stride, stride);
            }
        }
        return new ImageSet(size, data.channels(), data.height(), data.width(), pixels, labels, data.classNames());
    }

    private static void mirror(ImageSet data, int src, byte[] out, int offset) {
        int w = data.width();
        int rows = data.channels() * data.height();
        int base = src * data.imageSize();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < w; c++) {
                out[offset + r * w + c] = data.pixels()[base + r * w + (w - 1 - c)];
            }
        }
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
