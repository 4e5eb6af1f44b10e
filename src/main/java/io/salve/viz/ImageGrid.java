package io.salve.viz;

import io.salve.core.SalveException;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Images, heat-map overlays and captioned grids of them as PNG (java.awt, headless). */
public final class ImageGrid {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Weight of the heat map's colour over the image in {@link #overlay}. */
    private static final float OVERLAY_ALPHA = 0.5f;
    private static final int GAP = 8;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font CAPTION_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    private ImageGrid() {
    }

    /** One picture of a grid with the line of text under it. */
    public record Cell(BufferedImage image, String caption) {
    }

    /**
     * An image from channel-first pixels in [0, 1]: grey for one channel, RGB for three.
     *
     * @param pixels {@code channels x height x width} values
     */
    public static BufferedImage picture(float[] pixels, int channels, int height, int width) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("can draw 1 or 3 channels, not " + channels);
        }
        int plane = height * width;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                int i = r * width + c;
                int red = level(pixels[i]);
                int green = channels == 3 ? level(pixels[plane + i]) : red;
                int blue = channels == 3 ? level(pixels[2 * plane + i]) : red;
                image.setRGB(c, r, red << 16 | green << 8 | blue);
            }
        }
        return image;
    }

    /** {@code base} blended with a jet-coloured heat map (values in [0, 1], same size as {@code base}). */
    public static BufferedImage overlay(BufferedImage base, float[][] heat) {
        BufferedImage out = new BufferedImage(base.getWidth(), base.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < base.getHeight(); r++) {
            for (int c = 0; c < base.getWidth(); c++) {
                Color under = new Color(base.getRGB(c, r));
                Color over = jet(heat[r][c]);
                out.setRGB(c, r, new Color(blend(under.getRed(), over.getRed()), blend(under.getGreen(), over.getGreen()),
                        blend(under.getBlue(), over.getBlue())).getRGB());
            }
        }
        return out;
    }

    /**
     * Writes {@code cells} row by row, {@code columns} per row, each picture enlarged {@code scale} times (nearest
     * neighbour, so pixels stay visible) with its caption below, under a title.
     */
    public static void write(Path png, String title, List<Cell> cells, int columns, int scale) {
        if (cells.isEmpty() || columns < 1 || scale < 1) {
            throw new IllegalArgumentException("need cells, columns >= 1 and scale >= 1");
        }
        int cellWidth = cells.stream().mapToInt(c -> c.image().getWidth()).max().orElseThrow() * scale;
        int cellHeight = cells.stream().mapToInt(c -> c.image().getHeight()).max().orElseThrow() * scale;
        int rows = (cells.size() + columns - 1) / columns;
        int cols = Math.min(columns, cells.size());
        FontMetrics titleMetrics = metrics(TITLE_FONT);
        FontMetrics captionMetrics = metrics(CAPTION_FONT);
        int titleHeight = titleMetrics.getHeight() + GAP;
        int captionHeight = captionMetrics.getHeight() + 2;
        int pitchX = cellWidth + GAP;
        int pitchY = cellHeight + captionHeight + GAP;
        int width = Math.max(GAP + cols * pitchX, titleMetrics.stringWidth(title) + 2 * GAP);
        BufferedImage canvas = new BufferedImage(width, GAP + titleHeight + rows * pitchY, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, canvas.getWidth(), canvas.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(TITLE_FONT);
            g.drawString(title, GAP, GAP + titleMetrics.getAscent());
            g.setFont(CAPTION_FONT);
            for (int i = 0; i < cells.size(); i++) {
                Cell cell = cells.get(i);
                int x = GAP + (i % columns) * pitchX;
                int y = GAP + titleHeight + (i / columns) * pitchY;
                g.drawImage(cell.image(), x, y, cell.image().getWidth() * scale, cell.image().getHeight() * scale, null);
                g.drawString(cell.caption(), x, y + cellHeight + captionMetrics.getAscent());
            }
        } finally {
            g.dispose();
        }
        try {
            ImageIO.write(canvas, "png", png.toFile());
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    /** The classic jet colour map: blue (0) through cyan, yellow, to red (1). */
    static Color jet(float t) {
        float v = Math.max(0f, Math.min(1f, t));
        return new Color(ramp(1.5f - Math.abs(4 * v - 3)), ramp(1.5f - Math.abs(4 * v - 2)),
                ramp(1.5f - Math.abs(4 * v - 1)));
    }

    private static float ramp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }

    private static int level(float v) {
        return Math.round(255 * Math.max(0f, Math.min(1f, v)));
    }

    private static int blend(int under, int over) {
        return Math.round((1 - OVERLAY_ALPHA) * under + OVERLAY_ALPHA * over);
    }

    private static FontMetrics metrics(Font font) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return g.getFontMetrics(font);
        } finally {
            g.dispose();
        }
    }
}
