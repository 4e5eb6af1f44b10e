package io.salve.model;

import ai.djl.nn.Block;
import io.salve.core.SalveException;
import java.util.Locale;

/** The backbones SALVE can train. Each ends in feature maps whose global average pool is the SAE's target layer. */
public enum Architecture {
    /** ResNet-18 with its stem adapted to small grey images (3x3 stride-1 conv, no max-pool). */
    RESNET18("resnet18", 512),
    /** A small fast CNN (three conv blocks) for tests and the demo bundle. */
    CNN("cnn", 128);

    private final String id;
    private final int featureDim;

    Architecture(String id, int featureDim) {
        this.id = id;
        this.featureDim = featureDim;
    }

    public String id() {
        return id;
    }

    /** Width M of the penultimate activation (the global-average-pool output). */
    public int featureDim() {
        return featureDim;
    }

    /** A fresh, uninitialised block mapping {@code N x C x H x W} images to {@code N x featureDim x h x w} maps. */
    public Block featureMaps() {
        return switch (this) {
            case RESNET18 -> ResNet18.featureMaps();
            case CNN -> SmallCnn.featureMaps();
        };
    }

    public static Architecture parse(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Architecture a : values()) {
            if (a.id.equals(wanted)) {
                return a;
            }
        }
        throw new SalveException("UNKNOWN_ARCHITECTURE", "unknown architecture '" + name + "' (expected resnet18 or cnn)");
    }
}
