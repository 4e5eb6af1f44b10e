package io.salve.cli;

import io.salve.model.VitConfig;
import picocli.CommandLine.Option;

/** The shape of a {@code --arch vit} backbone, {@link VitConfig#DEFAULT} unless given. */
final class VitOptions {

    @Option(names = "--patch", description = "ViT patch size in pixels. Default: ${DEFAULT-VALUE}.")
    int patch = VitConfig.DEFAULT.patch();

    @Option(names = "--width", description = "ViT token width. Default: ${DEFAULT-VALUE}.")
    int width = VitConfig.DEFAULT.width();

    @Option(names = "--depth", description = "ViT encoder blocks. Default: ${DEFAULT-VALUE}.")
    int depth = VitConfig.DEFAULT.depth();

    @Option(names = "--heads", description = "ViT attention heads. Default: ${DEFAULT-VALUE}.")
    int heads = VitConfig.DEFAULT.heads();

    @Option(names = "--mlp", description = "ViT MLP hidden units. Default: ${DEFAULT-VALUE}.")
    int mlp = VitConfig.DEFAULT.mlp();

    VitConfig config() {
        return new VitConfig(patch, width, depth, heads, mlp);
    }
}
