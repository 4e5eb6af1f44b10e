package io.salve.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

/**
 * A small Vision Transformer (Dosovitskiy et al. 2021): a strided conv cuts the image into patch tokens, a learned
 * CLS token and learned position embeddings are added, then pre-norm encoder blocks (multi-head self-attention and a
 * GELU MLP, each in a residual branch) and a final LayerNorm; the CLS token is the target layer. DJL's
 * TransformerEncoderBlock is post-norm BERT with dropout, so the block is written here.
 *
 * <p>Split for Grad-FAM at the input of the last block: {@link #stem} outputs the patch tokens as an
 * {@code N x C x h x w} grid and the CLS token ({@code N x C}); {@link #tail} runs the last block and the final norm
 * and returns the CLS token. The last block's <em>output</em> patch tokens would not do: the final norm is per token,
 * so the CLS output does not depend on them and their gradients are zero.
 */
final class Vit {

    private Vit() {
    }

    static Block stem(VitConfig config) {
        SequentialBlock stem = new SequentialBlock().add(new PatchEmbedding(config));
        for (int i = 0; i < config.depth() - 1; i++) {
            stem.add(new EncoderBlock(config));
        }
        return stem.add(Vit::toGrid);
    }

    static Block tail(VitConfig config) {
        return new SequentialBlock()
                .add(Vit::toTokens)
                .add(new EncoderBlock(config))
                .add(LayerNorm.builder().axis(2).build())
                .add(tokens -> new NDList(tokens.singletonOrThrow().get(new NDIndex(":, 0, :"))));
    }

    /** N x (1 + hw) x C tokens as (N x C x h x w patch grid, N x C CLS token). */
    private static NDList toGrid(NDList in) {
        NDArray tokens = in.singletonOrThrow();
        Shape s = tokens.getShape();
        long side = Math.round(Math.sqrt(s.get(1) - 1));
        NDArray grid = tokens.get(new NDIndex(":, 1:, :")).transpose(0, 2, 1).reshape(s.get(0), s.get(2), side, side);
        return new NDList(grid, tokens.get(new NDIndex(":, 0, :")));
    }

    /** The inverse of {@link #toGrid}. */
    private static NDList toTokens(NDList in) {
        NDArray grid = in.get(0);
        Shape s = grid.getShape();
        NDArray patches = grid.reshape(s.get(0), s.get(1), -1).transpose(0, 2, 1);
        return new NDList(in.get(1).expandDims(1).concat(patches, 1));
    }

    /** Patches to tokens: a conv with kernel = stride = patch, then the CLS token prepended and positions added. */
    private static final class PatchEmbedding extends AbstractBlock {

        private final Conv2d projection;
        private final Parameter cls;
        private final Parameter positions;
        private final int width;

        PatchEmbedding(VitConfig config) {
            width = config.width();
            projection = addChildBlock("projection", Conv2d.builder().setFilters(width)
                    .setKernelShape(new Shape(config.patch(), config.patch()))
                    .optStride(new Shape(config.patch(), config.patch())).build());
            // ViT's initialisation of both: N(0, 0.02).
            cls = addParameter(Parameter.builder().setName("cls").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1, 1, width)).optInitializer(new NormalInitializer(0.02f)).build());
            positions = addParameter(Parameter.builder().setName("positions").setType(Parameter.Type.WEIGHT)
                    .optInitializer(new NormalInitializer(0.02f)).build());
        }

        @Override
        protected void beforeInitialize(Shape... inputShapes) {
            super.beforeInitialize(inputShapes);
            positions.setShape(new Shape(1, tokens(inputShapes[0]), width));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            projection.initialize(manager, dataType, inputShapes);
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            NDArray maps = projection.forward(store, inputs, training, params).singletonOrThrow();
            Shape s = maps.getShape();
            NDArray patches = maps.reshape(s.get(0), s.get(1), -1).transpose(0, 2, 1);
            NDArray first = store.getValue(cls, patches.getDevice(), training).repeat(0, s.get(0));
            // An op's result belongs to its first operand's manager, here the model's: move it to the batch's,
            // else every later array of the step would outlive the step.
            first.attach(patches.getManager());
            NDArray tokens = first.concat(patches, 1).add(store.getValue(positions, patches.getDevice(), training));
            return new NDList(tokens);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), tokens(inputShapes[0]), width)};
        }

        private long tokens(Shape image) {
            Shape maps = projection.getOutputShapes(new Shape[] {image})[0];
            return 1 + maps.get(2) * maps.get(3);
        }
    }

    /** Pre-norm encoder block: {@code x + attention(norm(x))}, then {@code x + mlp(norm(x))}. */
    private static final class EncoderBlock extends AbstractBlock {

        private final LayerNorm attentionNorm;
        private final Linear qkv;
        private final Linear out;
        private final LayerNorm mlpNorm;
        private final Linear hidden;
        private final Linear back;
        private final int heads;

        EncoderBlock(VitConfig config) {
            heads = config.heads();
            attentionNorm = addChildBlock("attentionNorm", LayerNorm.builder().axis(2).build());
            qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * config.width()).build());
            out = addChildBlock("out", Linear.builder().setUnits(config.width()).build());
            mlpNorm = addChildBlock("mlpNorm", LayerNorm.builder().axis(2).build());
            hidden = addChildBlock("hidden", Linear.builder().setUnits(config.mlp()).build());
            back = addChildBlock("back", Linear.builder().setUnits(config.width()).build());
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape tokens = inputShapes[0];
            attentionNorm.initialize(manager, dataType, tokens);
            qkv.initialize(manager, dataType, tokens);
            out.initialize(manager, dataType, tokens);
            mlpNorm.initialize(manager, dataType, tokens);
            hidden.initialize(manager, dataType, tokens);
            back.initialize(manager, dataType, hidden.getOutputShapes(new Shape[] {tokens}));
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            NDArray attended = attention(store, attentionNorm.forward(store, new NDList(x), training, params), training);
            x = x.add(out.forward(store, new NDList(attended), training, params).singletonOrThrow());
            NDList normed = mlpNorm.forward(store, new NDList(x), training, params);
            NDList act = new NDList(Activation.gelu(hidden.forward(store, normed, training, params).singletonOrThrow()));
            return new NDList(x.add(back.forward(store, act, training, params).singletonOrThrow()));
        }

        /** Multi-head scaled dot-product self-attention of N x T x C tokens, heads concatenated (N x T x C). */
        private NDArray attention(ParameterStore store, NDList normed, boolean training) {
            NDArray projected = qkv.forward(store, normed, training).singletonOrThrow();
            Shape s = normed.singletonOrThrow().getShape();
            long n = s.get(0);
            long t = s.get(1);
            long c = s.get(2);
            long d = c / heads;
            // N x T x 3 x H x D -> 3 x N x H x T x D
            NDArray split = projected.reshape(n, t, 3, heads, d).transpose(2, 0, 3, 1, 4);
            NDArray q = split.get(0).mul(1.0 / Math.sqrt(d));
            NDArray weights = q.matMul(split.get(1).transpose(0, 1, 3, 2)).softmax(-1);
            return weights.matMul(split.get(2)).transpose(0, 2, 1, 3).reshape(n, t, c);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }
}
