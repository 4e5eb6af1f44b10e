package io.salve.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes {@code SCENARIO-latest.json} and {@code SCENARIO-latest.png} (latency, throughput, memory over time). */
final class ReportWriter {

    static {
        // Before XChart touches AWT: no display is needed.
        System.setProperty("java.awt.headless", "true");
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {
    }

    /** Writes both files and returns the JSON's path. */
    static Path write(Path dir, RunReport report) {
        try {
            Files.createDirectories(dir);
            Path json = dir.resolve(report.scenario() + "-latest.json");
            JSON.writeValue(json.toFile(), report);
            plot(dir.resolve(report.scenario() + "-latest.png"), report);
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void plot(Path png, RunReport report) throws IOException {
        List<TimelinePoint> timeline = report.measurement().timeline();
        double[] t = column(timeline, TimelinePoint::t);
        List<XYChart> charts = new ArrayList<>();
        if (t.length > 0) {
            XYChart latency = chart(report.scenario() + ": end-to-end latency per second (" + report.load() + ")",
                    "ms");
            add(latency, "p50", t, column(timeline, TimelinePoint::p50Ms));
            add(latency, "p99", t, column(timeline, TimelinePoint::p99Ms));
            add(latency, "max", t, column(timeline, TimelinePoint::maxMs));
            charts.add(latency);
            XYChart throughput = chart("throughput", "requests / s");
            add(throughput, "sent", t, column(timeline, TimelinePoint::sentPerSecond));
            add(throughput, "answered", t, column(timeline, TimelinePoint::answeredPerSecond));
            charts.add(throughput);
        }
        if (report.memory() != null && !report.memory().isEmpty()) {
            double[] mt = report.memory().stream().mapToDouble(MemorySampler.Sample::t).toArray();
            XYChart memory = chart("service memory", "MB");
            add(memory, "RSS", mt, report.memory().stream().mapToDouble(MemorySampler.Sample::rssMb).toArray());
            add(memory, "heap used", mt,
                    report.memory().stream().mapToDouble(MemorySampler.Sample::heapUsedMb).toArray());
            charts.add(memory);
        }
        if (charts.isEmpty()) {
            return;
        }
        List<BufferedImage> images = charts.stream().map(BitmapEncoder::getBufferedImage).toList();
        int width = images.stream().mapToInt(BufferedImage::getWidth).max().orElse(0);
        int height = images.stream().mapToInt(BufferedImage::getHeight).sum();
        BufferedImage page = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = page.createGraphics();
        int y = 0;
        for (BufferedImage image : images) {
            g.drawImage(image, 0, y, null);
            y += image.getHeight();
        }
        g.dispose();
        ImageIO.write(page, "png", png.toFile());
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(1000).height(360).title(title).xAxisTitle("seconds")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setMarkerSize(3);
        return chart;
    }

    /** NaN (an interval without answers) would break the axis: such points are left out of the series. */
    private static void add(XYChart chart, String name, double[] x, double[] y) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(y[i])) {
                xs.add(x[i]);
                ys.add(y[i]);
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.NONE);
        }
    }

    private static double[] column(List<TimelinePoint> points, ToDoubleFunction<TimelinePoint> f) {
        return points.stream().mapToDouble(f).toArray();
    }
}
