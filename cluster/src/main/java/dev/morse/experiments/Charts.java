package dev.morse.experiments;

import dev.morse.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** XChart helpers for the reports' plots: one look for all of them, PNG at 2× for sharp text. */
public final class Charts {
    private Charts() {}

    /** A qualitative palette (Tableau 10) so that series keep their colour across plots. */
    public static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194),
            new Color(127, 127, 127), new Color(188, 189, 34), new Color(23, 190, 207)};

    public static Color color(int i) { return PALETTE[Math.floorMod(i, PALETTE.length)]; }

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /** An XY chart with the reports' style; legend inside at the top right unless moved. */
    public static XYChart xy(String title, String xTitle, String yTitle, int width, int height) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setMarkerSize(7);
        return c;
    }

    /** A bar chart of categories (stacked when asked). */
    public static CategoryChart bars(String title, String xTitle, String yTitle, int width, int height, boolean stacked) {
        CategoryChart c = new CategoryChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setStacked(stacked);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setOverlapped(false);
        return c;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(true);
        s.setPlotBorderColor(new Color(160, 160, 160));
        s.setLegendBorderColor(new Color(200, 200, 200));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        s.setChartTitleBoxVisible(false);
        s.setSeriesColors(PALETTE);
        if (s instanceof org.knowm.xchart.style.AxesChartStyler a) {
            a.setPlotGridLinesColor(new Color(236, 236, 236));
            a.setPlotGridLinesStroke(new BasicStroke(0.6f));
            a.setAxisTitlePadding(6);
            a.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            a.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        }
    }

    /** Scatter points in one colour with a marker. */
    public static XYSeries points(XYChart c, String name, List<Double> x, List<Double> y, Color color) {
        XYSeries s = c.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarkerColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
        return s;
    }

    /** A line with markers. */
    public static XYSeries line(XYChart c, String name, List<Double> x, List<Double> y, Color color) {
        XYSeries s = c.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineWidth(1.6f);
        return s;
    }

    /** A line with markers and vertical error bars (±err). */
    public static XYSeries lineWithErrors(XYChart c, String name, List<Double> x, List<Double> y, List<Double> err, Color color) {
        XYSeries s = c.addSeries(name, x, y, err);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineWidth(1.6f);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        return s;
    }

    /** A dashed reference line without markers (e.g. y = x, a threshold). */
    public static XYSeries reference(XYChart c, String name, List<Double> x, List<Double> y, Color color) {
        XYSeries s = c.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setLineColor(color);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(new BasicStroke(1.3f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        s.setShowInLegend(true);
        return s;
    }

    /**
     * An x axis over the cells 1..n of a table (a scatter over categories), numbered: XChart 3.8
     * drops custom tick labels when most of them are blank, so the cells are numbered here and the
     * table gives each number its meaning (its "#" column).
     */
    public static void cellAxis(XYChart c, int n) {
        c.getStyler().setXAxisMin(0.5);
        c.getStyler().setXAxisMax(n + 0.5);
        c.getStyler().setXAxisDecimalPattern("0");
    }

    /** Colours a category series' line, markers and fill alike. */
    public static org.knowm.xchart.CategorySeries colored(org.knowm.xchart.CategorySeries s, Color color) {
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setFillColor(color);
        return s;
    }

    /**
     * Writes the chart as PNG (2× scale for sharp text) atomically, replacing the file, and returns
     * it: rendered into a hidden part file beside it (whose name ends in .png, or XChart would add
     * the extension), then renamed ({@link AtomicFiles#place}), so a report never points at a
     * half-written plot.
     */
    public static Path save(Chart<?, ?> chart, Path png) throws IOException {
        Path target = png.toAbsolutePath();
        String name = target.getFileName().toString();
        if (!name.endsWith(".png")) throw new IllegalArgumentException("plot file must end in .png: " + png);
        Files.createDirectories(target.getParent());
        AtomicFiles.write(target, ".png", part -> BitmapEncoder.saveBitmapWithDPI(chart, part.toString(), BitmapEncoder.BitmapFormat.PNG, 144), true);
        return png;
    }
}
