package io.salve.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * ResNet-18 (He et al. 2016, basic blocks [2, 2, 2, 2]) for 28x28 images. The ImageNet stem (7x7 stride-2 conv, 3x3
 * stride-2 max-pool) would shrink a 28x28 input to 7x7 before the first block; here the stem is a 3x3 stride-1 conv
 * followed by a 2x2 max-pool, so layer 1 runs at 14x14 and layer 4 yields 512 x 2 x 2 maps. Keeping layer 1 at
 * 28x28 (the CIFAR variant) costs 4x the compute for no accuracy Fashion-MNIST needs: 3 epochs then take an hour
 * on two CPU cores instead of about 15 minutes.
 */
final class ResNet18 {

    private ResNet18() {
    }

    static Block featureMaps() {
        SequentialBlock net = new SequentialBlock()
                .add(conv(64, 3, 1))
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2)));
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < widths.length; stage++) {
            int stride = stage == 0 ? 1 : 2;
            net.add(basicBlock(widths[stage], stride, stage > 0));
            net.add(basicBlock(widths[stage], 1, false));
        }
        return net;
    }

    private static Block basicBlock(int channels, int stride, boolean project) {
        SequentialBlock residual = new SequentialBlock()
                .add(conv(channels, 3, stride))
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(conv(channels, 3, 1))
                .add(BatchNorm.builder().build());
        Block shortcut = project
                ? new SequentialBlock().add(conv(channels, 1, stride)).add(BatchNorm.builder().build())
                : Blocks.identityBlock();
        return new SequentialBlock()
                .add(new ParallelBlock(ResNet18::sum, List.of(residual, shortcut)))
                .add(Activation::relu);
    }

    private static NDList sum(List<NDList> branches) {
        NDArray out = branches.get(0).singletonOrThrow().add(branches.get(1).singletonOrThrow());
        return new NDList(out);
    }

    private static Conv2d conv(int channels, int kernel, int stride) {
        return Conv2d.builder()
                .setFilters(channels)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .optBias(false)
                .build();
    }
}
