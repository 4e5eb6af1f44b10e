package io.salve.model;

import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import io.salve.core.SalveException;
import java.util.Locale;

/**
 * The backbones SALVE can train. Each is split into {@link #featureMaps} (up to the maps Grad-FAM reads) and
 * {@link #pool} (from them to the SAE's target layer): a global average pool for the CNNs, the last encoder block,
 * the final norm and the CLS token for the ViT.
 */
public enum Architecture {
    /** ResNet-18 with its stem adapted to small grey images (3x3 stride-1 conv, no max-pool). */
    RESNET18("resnet18", 512),
    /** A small fast CNN (three conv blocks) for tests and the demo bundle. */
    CNN("cnn", 128),
    /** A small Vision Transformer ({@link VitConfig}); its width is configurable, 64 by default. */
    VIT("vit", VitConfig.DEFAULT.width());

    private final String id;
    private final int featureDim;

    Architecture(String id, int featureDim) {
        this.id = id;
        this.featureDim = featureDim;
    }

    public String id() {
        return id;
    }

    /** Width M of the penultimate activation (a ViT's at its default width). */
    public int featureDim() {
        return featureDim;
    }

    /** The SAE's target layer, as bundle.json names it. */
    public String targetLayer() {
        return this == VIT ? "cls-token" : "global-avg-pool";
    }

    /**
     * A fresh, uninitialised block mapping {@code N x C x H x W} images to {@code N x featureDim x h x w} maps, then
     * whatever else {@link #pool} needs (the ViT's CLS token); {@code vit} shapes a ViT, the CNNs ignore it.
     */
    public Block featureMaps(VitConfig vit) {
        return switch (this) {
            case RESNET18 -> ResNet18.featureMaps();
            case CNN -> SmallCnn.featureMaps();
            case VIT -> Vit.stem(vit);
        };
    }

    /** A fresh block from {@link #featureMaps}' outputs to the target activation (N x featureDim). */
    public Block pool(VitConfig vit) {
        return this == VIT ? Vit.tail(vit) : Pool.globalAvgPool2dBlock();
    }

    public static Architecture parse(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Architecture a : values()) {
            if (a.id.equals(wanted)) {
                return a;
            }
        }
        throw new SalveException("UNKNOWN_ARCHITECTURE", "unknown architecture '" + name + "' (expected resnet18, cnn or vit)");
    }
}
