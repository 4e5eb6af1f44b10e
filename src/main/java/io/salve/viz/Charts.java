package io.salve.viz;

import io.salve.core.SalveException;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

/** PNG charts of SALVE results (XChart). Headless: no display is needed. */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /**
     * A rows x columns heat map with a diverging blue-white-red scale centred on zero, e.g. class-conditional mean
     * latents (classes x features).
     */
    public static void heatmap(Path png, String title, float[][] values, List<String> rowLabels, String columnTitle) {
        int rows = values.length;
        int cols = rows == 0 ? 0 : values[0].length;
        double limit = 1e-9;
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                limit = Math.max(limit, Math.abs(values[r][c]));
                cells.add(new Number[] {c, r, values[r][c]});
            }
        }
        List<Integer> columns = new ArrayList<>();
        for (int c = 0; c < cols; c++) {
            columns.add(c);
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(700, 14 * cols + 250)).height(120 + 34 * rows)
                .title(title).xAxisTitle(columnTitle).build();
        chart.getStyler().setRangeColors(new Color[] {new Color(33, 102, 172), Color.WHITE, new Color(178, 24, 43)})
                .setMin(-limit).setMax(limit).setShowValue(false).setHeatMapValueDecimalPattern("0.00")
                .setPlotContentSize(1.0);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.addSeries("mean latent", columns, rowLabels, cells);
        save(chart, png);
    }

    static void save(Chart<?, ?> chart, Path png) {
        try {
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new SalveException("IO_ERROR", "cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
