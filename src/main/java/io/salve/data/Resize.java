package io.salve.data;

import io.salve.core.SalveException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * How an image of another size becomes the model's {@code height x width}. Both interpolate bilinearly; large
 * reductions first halve the image step by step so that every source pixel contributes.
 */
public enum Resize {
    /** Stretch to {@code height x width}, ignoring the aspect ratio (how built-in bundles were trained). */
    SQUASH("squash"),
    /** Scale so the shorter side fits, keeping the aspect ratio, then cut the centre (torchvision's Resize + CenterCrop). */
    SHORTER_SIDE_CROP("shorter-side-crop");

    private final String id;

    Resize(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Resize parse(String name) {
        for (Resize r : values()) {
            if (r.id.equals(name.toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new SalveException("UNKNOWN_RESIZE", "unknown resize policy '" + name + "' (expected squash or shorter-side-crop)");
    }

    /** {@code source} as a {@code width x height} RGB image. */
    public BufferedImage apply(BufferedImage source, int height, int width) {
        if (this == SQUASH) {
            return scale(source, height, width);
        }
        double s = Math.max((double) height / source.getHeight(), (double) width / source.getWidth());
        int h = Math.max(height, (int) Math.round(source.getHeight() * s));
        int w = Math.max(width, (int) Math.round(source.getWidth() * s));
        BufferedImage scaled = scale(source, h, w);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(scaled, -(w - width) / 2, -(h - height) / 2, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static BufferedImage scale(BufferedImage source, int height, int width) {
        BufferedImage current = source;
        int w = source.getWidth();
        int h = source.getHeight();
        do {
            w = w / 2 >= width ? w / 2 : width;
            h = h / 2 >= height ? h / 2 : height;
            BufferedImage next = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = next.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(current, 0, 0, w, h, null);
            } finally {
                g.dispose();
            }
            current = next;
        } while (w != width || h != height);
        return current;
    }
}
