package io.salve.viz;

import java.awt.Color;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line, bar and histogram PNGs of edit sweeps and thresholds (XChart, headless). */
public final class Plots {

    static {
        // Before XChart touches AWT, as in Charts: no display is needed.
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {
    }

    /** How a line is drawn: the line a plot is about, the context around it, a summary of the context. */
    public enum Style { BOLD, THIN, DASHED }

    public record Line(String name, double[] y, Style style) {
    }

    /** Lines over a shared x axis, e.g. per-class accuracy against alpha. */
    public static void lines(Path png, String title, String xTitle, String yTitle, double[] x, List<Line> lines) {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setMarkerSize(4);
        for (Line line : lines) {
            XYSeries series = chart.addSeries(line.name(), x, line.y());
            series.setMarker(line.style() == Style.BOLD ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            switch (line.style()) {
                case BOLD -> series.setLineWidth(4f);
                case THIN -> series.setLineWidth(1f);
                case DASHED -> series.setLineStyle(SeriesLines.DASH_DASH).setLineColor(Color.BLACK).setLineWidth(2.5f);
            }
        }
        Charts.save(chart, png);
    }

    /**
     * Grouped bars: one group per category, one bar per series (e.g. per class, per edit method); {@code logY} for
     * values spanning orders of magnitude, which must then all be positive.
     */
    public static void bars(Path png, String title, String yTitle, List<String> categories,
                            Map<String, double[]> series, boolean logY) {
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(900, 25 * categories.size() * series.size()))
                .height(520).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisLogarithmic(logY).setXAxisLabelRotation(30)
                .setLegendPosition(Styler.LegendPosition.OutsideE);
        if (logY) {
            // Bars start at the axis minimum, which XChart puts at 0 unless told otherwise.
            chart.getStyler().setYAxisMin(series.values().stream().flatMapToDouble(Arrays::stream).min()
                    .orElse(1) / 2);
        }
        series.forEach((name, y) -> chart.addSeries(name, categories,
                Arrays.stream(y).boxed().map(v -> Double.isFinite(v) ? v : 0).toList()));
        Charts.save(chart, png);
    }

    /**
     * Overlaid histograms of several samples over shared bins. Non-finite values are left out; values above the
     * 95th percentile of all of them are counted in the last bin, so one outlier does not squeeze the rest.
     */
    public static void histogram(Path png, String title, String xTitle, Map<String, double[]> samples, int bins) {
        double[] all = samples.values().stream().flatMapToDouble(Arrays::stream).filter(Double::isFinite).sorted()
                .toArray();
        double max = all.length == 0 ? 1 : Math.max(all[(int) Math.floor(0.95 * (all.length - 1))], 1e-9);
        boolean clamped = all.length > 0 && all[all.length - 1] > max;
        String note = clamped ? String.format(Locale.ROOT, " (the last bin also counts values above %.3g)", max) : "";
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520).title(title).xAxisTitle(xTitle + note)
                .yAxisTitle("samples").build();
        chart.getStyler().setOverlapped(true).setAvailableSpaceFill(0.95).setXAxisDecimalPattern("0.##")
                .setXAxisMaxLabelCount(12).setLegendPosition(Styler.LegendPosition.InsideNE);
        int colour = 0;
        Color[] colours = {new Color(33, 102, 172, 150), new Color(178, 24, 43, 150), new Color(77, 146, 33, 150)};
        for (Map.Entry<String, double[]> entry : samples.entrySet()) {
            List<Double> values = Arrays.stream(entry.getValue()).filter(Double::isFinite)
                    .map(v -> Math.min(v, max)).boxed().toList();
            Histogram h = new Histogram(values, bins, 0, max);
            chart.addSeries(entry.getKey() + " (" + values.size() + ")", h.getxAxisData(), h.getyAxisData())
                    .setFillColor(colours[colour++ % colours.length]);
        }
        Charts.save(chart, png);
    }
}
