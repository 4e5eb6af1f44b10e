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
import java.util.List;

/**
 * ResNet-18 (He et al. 2016, basic blocks [2, 2, 2, 2]) for 28x28 images: the 7x7 stride-2 stem and the max-pool
 * would shrink a 28x28 input to 7x7 before the first block, so the stem is a 3x3 stride-1 convolution instead, as is
 * usual for CIFAR/MNIST-sized inputs. Layer 4 then yields 512 x 4 x 4 maps.
 */
final class ResNet18 {

    private ResNet18() {
    }

    static Block featureMaps() {
        SequentialBlock net = new SequentialBlock()
                .add(conv(64, 3, 1))
                .add(BatchNorm.builder().build())
                .add(Activation::relu);
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
