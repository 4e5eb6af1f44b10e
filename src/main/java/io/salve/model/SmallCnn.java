package io.salve.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

/** Three conv-BN-ReLU blocks (16, 32, 128 channels), two 2x2 max-pools: 28x28 in, 128 x 7 x 7 maps out. */
final class SmallCnn {

    private SmallCnn() {
    }

    static Block featureMaps() {
        SequentialBlock net = new SequentialBlock();
        int[] widths = {16, 32, 128};
        for (int i = 0; i < widths.length; i++) {
            net.add(Conv2d.builder().setFilters(widths[i]).setKernelShape(new Shape(3, 3))
                            .optPadding(new Shape(1, 1)).optBias(false).build())
                    .add(BatchNorm.builder().build())
                    .add(Activation::relu);
            if (i < widths.length - 1) {
                net.add(Pool.maxPool2dBlock(new Shape(2, 2)));
            }
        }
        return net;
    }
}
