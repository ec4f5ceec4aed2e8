package dev.morse.cli;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The plots, drawn with XChart and saved headless as PNG (Java2D, anti-aliased) and SVG
 * (VectorGraphics2D, XChart's own vector backend). A figure is one chart or several side by side.
 *
 * <p>Eigenvalues are shown as |λ| on a log axis with the sign in the colour, because the question
 * is how far each eigenvalue is from zero: on a linear axis the zero band ±τ (≈ 1e-13·‖H‖) would be
 * invisible. The band |λ| ≤ τ is shaded; everything inside it counts as zero.
 */
final class Plots {
    private Plots() {}

    static final int WIDTH = 820;
    static final int HEIGHT = 520;

    static final Color BLUE = new Color(0x1f, 0x77, 0xb4);
    static final Color RED = new Color(0xd6, 0x27, 0x28);
    static final Color GREEN = new Color(0x2c, 0xa0, 0x2c);
    static final Color ORANGE = new Color(0xff, 0x7f, 0x0e);
    static final Color GREY = new Color(0x7f, 0x7f, 0x7f);
    static final Color BAND = new Color(0xbb, 0xbb, 0xbb);
    private static final Color[] PALETTE = {BLUE, ORANGE, GREEN, RED, new Color(0x94, 0x67, 0xbd), new Color(0x8c, 0x56, 0x4b),
            new Color(0xe3, 0x77, 0xc2), GREY, new Color(0xbc, 0xbd, 0x22), new Color(0x17, 0xbe, 0xcf)};

    static {
        // Plots are files, never windows: no display is needed or touched.
        System.setProperty("java.awt.headless", "true");
    }

    // ------------------------------------------------------------------ files

    /** The files a figure named {@code name} will have in {@code dir}. */
    static List<Path> files(Path dir, String name, OutputOptions.PlotFormat format) {
        List<Path> out = new ArrayList<>();
        if (format != OutputOptions.PlotFormat.svg) out.add(dir.resolve(name + ".png"));
        if (format != OutputOptions.PlotFormat.png) out.add(dir.resolve(name + ".svg"));
        return out;
    }

    /** Whether a plot file (from {@link #files}) is a PNG (else SVG). */
    static boolean isPng(Path file) {
        return file.getFileName().toString().endsWith(".png");
    }

    /** Draws charts side by side (one row) as PNG or SVG onto a stream. */
    static void write(OutputStream os, boolean png, XYChart... charts) throws IOException {
        write(os, png, charts.length, charts);
    }

    /** Draws charts in a grid of {@code columns} columns, filled row by row (cells as large as the largest chart). */
    static void write(OutputStream os, boolean png, int columns, XYChart... charts) throws IOException {
        int cw = 0, ch = 0;
        for (XYChart c : charts) {
            cw = Math.max(cw, c.getWidth());
            ch = Math.max(ch, c.getHeight());
        }
        int cols = Math.max(1, Math.min(columns, charts.length));
        int rows = (charts.length + cols - 1) / cols;
        int w = cols * cw, h = rows * ch;
        if (png) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            paintAll(g, charts, cols, cw, ch);
            g.dispose();
            if (!ImageIO.write(img, "png", os)) throw new IOException("no PNG writer available");
        } else {
            VectorGraphics2D g = new VectorGraphics2D();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            paintAll(g, charts, cols, cw, ch);
            new SVGProcessor().getDocument(g.getCommands(), new PageSize(0, 0, w, h)).writeTo(os);
        }
        os.flush();
    }

    private static void paintAll(Graphics2D g, XYChart[] charts, int cols, int cw, int ch) {
        for (int i = 0; i < charts.length; i++) {
            AffineTransform t = g.getTransform();
            g.translate((i % cols) * cw, (i / cols) * ch);
            charts[i].paint(g, charts[i].getWidth(), charts[i].getHeight());
            g.setTransform(t);
        }
    }

    // ------------------------------------------------------------------ charts

    private static XYChart base(String title, String xTitle, String yTitle, int width, int height) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        var s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(GREY);
        s.setPlotGridLinesColor(new Color(0xe8, 0xe8, 0xe8));
        // Solid grid lines: XChart strokes dashes as filled paths, which made each SVG megabytes large.
        s.setPlotGridLinesStroke(new BasicStroke(0.6f));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendPosition(Styler.LegendPosition.InsideNW);
        s.setLegendBorderColor(GREY);
        s.setChartTitleBoxVisible(false);
        s.setMarkerSize(7);
        s.setSeriesColors(PALETTE);
        return c;
    }

    /**
     * |λ| against the eigenvalue's position in ascending order, log scale: blue stems for λ &gt; 0,
     * red for λ &lt; 0, the band |λ| ≤ τ shaded grey. Values below the floor are drawn at the floor.
     *
     * @param yRange null, or {min, max} to share the y range between panels
     */
    static XYChart eigenvalues(String title, double[] ascending, double tau, double[] yRange, int width) {
        int n = ascending.length;
        double[] floorMax = yRange != null ? yRange : logRange(ascending, tau);
        double floor = floorMax[0];
        XYChart c = base(title, "eigenvalue index i (ascending λ_i)", "|λ_i|  (loss units per θ², log scale)", width, HEIGHT);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setYAxisMin(floor);
        c.getStyler().setYAxisMax(floorMax[1]);
        c.getStyler().setXAxisMin(0.0);
        c.getStyler().setXAxisMax((double) n + 1);
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setYAxisDecimalPattern("0E0");
        if (n > MAX_STEMS) c.getStyler().setMarkerSize(4);
        if (tau > 0) {
            XYSeries band = c.addSeries("|λ| ≤ τ = " + sci1(tau) + ": zero", new double[] {0, n + 1, n + 1, 0},
                    new double[] {floor, floor, tau, tau});
            band.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
            band.setFillColor(new Color(BAND.getRed(), BAND.getGreen(), BAND.getBlue(), 110));
            band.setLineColor(GREY);
            band.setLineStyle(new BasicStroke(1f));
            band.setMarker(SeriesMarkers.NONE);
        }
        addStems(c, ascending, floor, true, "λ > 0: " + count(ascending, tau, 1) + " beyond τ", BLUE);
        addStems(c, ascending, floor, false, "λ < 0: " + count(ascending, tau, -1) + " beyond τ", RED);
        return c;
    }

    private static int count(double[] ev, double tau, int sign) {
        int k = 0;
        for (double l : ev) if (sign > 0 ? l > tau : l < -tau) k++;
        return k;
    }

    /** Above this many eigenvalues the stems would merge into a solid area: markers only. */
    static final int MAX_STEMS = 150;

    private static void addStems(XYChart c, double[] ev, double floor, boolean positive, String name, Color color) {
        boolean stemsOn = ev.length <= MAX_STEMS;
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        List<Double> mx = new ArrayList<>(), my = new ArrayList<>();
        for (int i = 0; i < ev.length; i++) {
            double l = ev[i];
            if (positive ? l < 0 : l >= 0) continue;
            double a = Math.max(Math.abs(l), floor);
            // A stem is a vertical segment from the floor to |λ|; NaN breaks the path between stems.
            xs.add(i + 1.0);
            ys.add(floor);
            xs.add(i + 1.0);
            ys.add(a);
            xs.add(i + 1.0);
            ys.add(Double.NaN);
            mx.add(i + 1.0);
            my.add(a);
        }
        if (mx.isEmpty()) return;
        if (stemsOn) {
            XYSeries stems = c.addSeries(name + " stems", toArray(xs), toArray(ys));
            stems.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
            stems.setMarker(SeriesMarkers.NONE);
            stems.setLineColor(color);
            stems.setLineStyle(new BasicStroke(1.2f));
            stems.setShowInLegend(false);
        }
        XYSeries heads = c.addSeries(name, toArray(mx), toArray(my));
        heads.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        heads.setMarker(SeriesMarkers.CIRCLE);
        heads.setMarkerColor(color);
    }

    /** A log-axis range covering |λ| and τ: {floor, max}. */
    static double[] logRange(double[] ev, double tau) {
        double max = tau, minPos = Double.POSITIVE_INFINITY;
        for (double l : ev) {
            double a = Math.abs(l);
            max = Math.max(max, a);
            if (a > 0) minPos = Math.min(minPos, a);
        }
        if (!(max > 0)) max = 1;
        double lo = Math.min(minPos, tau > 0 ? tau : minPos);
        if (!Double.isFinite(lo)) lo = max * 1e-16;
        double floor = Math.pow(10, Math.floor(Math.log10(lo)) - 1);
        double top = Math.pow(10, Math.ceil(Math.log10(max)) + 0.3);
        return new double[] {floor, top};
    }

    /** A common range for several spectra side by side. */
    static double[] logRange(double tau, double[]... spectra) {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (double[] s : spectra) {
            double[] r = logRange(s, tau);
            lo = Math.min(lo, r[0]);
            hi = Math.max(hi, r[1]);
        }
        return new double[] {lo, hi};
    }

    /** SLQ spectral densities (several curves allowed), optionally with a log y axis. */
    static XYChart density(String title, List<String> names, List<double[]> grids, List<double[]> densities, boolean logY, int width) {
        XYChart c = base(title, "eigenvalue λ (same units as the loss per θ²)", "spectral density φ(λ)  (1/λ units; ∫φ dλ = 1)" + (logY ? ", log scale" : ""),
                width, HEIGHT);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        double max = 0;
        for (double[] d : densities) for (double v : d) max = Math.max(max, v);
        double floor = max > 0 ? max * 1e-6 : 1e-300;
        if (logY) {
            c.getStyler().setYAxisLogarithmic(true);
            c.getStyler().setYAxisDecimalPattern("0E0");
            c.getStyler().setYAxisMin(floor);
        }
        for (int k = 0; k < names.size(); k++) {
            double[] d = densities.get(k).clone();
            if (logY) for (int i = 0; i < d.length; i++) d[i] = Math.max(d[i], floor);
            XYSeries s = c.addSeries(names.get(k), grids.get(k), d);
            s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(new BasicStroke(1.8f));
            s.setLineColor(PALETTE[k % PALETTE.length]);
        }
        double[] g0 = grids.get(0);
        if (g0.length > 1) roundTicks(c, g0[0] + (g0[1] - g0[0]) / 3, logY ? floor : 0);
        return c;
    }

    /**
     * Lanczos convergence, two panels: the wanted Ritz values after each cycle (restart), and the
     * log₁₀ distance of each to its final value, which shows the rate at which each converges.
     */
    static XYChart[] ritz(String title, List<double[]> history, int width) {
        XYChart values = base(title, "Lanczos cycle (restart)", "Ritz value θ_i (eigenvalue units)", width, HEIGHT);
        XYChart dist = base("Distance to the final Ritz value", "Lanczos cycle (restart)", "log₁₀ |θ_i(cycle) − θ_i(final)|", width, HEIGHT);
        int k = history.isEmpty() ? 0 : history.get(history.size() - 1).length;
        for (XYChart c : new XYChart[] {values, dist}) {
            c.getStyler().setXAxisDecimalPattern("0");
            c.getStyler().setLegendVisible(k <= 10);
            c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        }
        values.getStyler().setLegendVisible(false);
        dist.getStyler().setYAxisDecimalPattern("0");
        double[] last = k == 0 ? new double[0] : history.get(history.size() - 1);
        boolean anyDist = false;
        for (int i = 0; i < k; i++) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), dx = new ArrayList<>(), dy = new ArrayList<>();
            for (int cyc = 0; cyc < history.size(); cyc++) {
                double[] h = history.get(cyc);
                if (h.length != k) continue;   // cycles that resolved fewer values
                xs.add(cyc + 1.0);
                ys.add(h[i]);
                double d = Math.abs(h[i] - last[i]);
                if (d > 0) {
                    dx.add(cyc + 1.0);
                    dy.add(Math.log10(d));
                }
            }
            Color col = PALETTE[i % PALETTE.length];
            XYSeries s = values.addSeries("θ" + (i + 1) + " = " + String.format(Locale.ROOT, "%.4g", last[i]), toArray(xs), toArray(ys));
            s.setMarker(history.size() <= 30 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            s.setLineColor(col);
            s.setMarkerColor(col);
            if (!dx.isEmpty()) {
                anyDist = true;
                XYSeries t = dist.addSeries("θ" + (i + 1) + " = " + String.format(Locale.ROOT, "%.4g", last[i]), toArray(dx), toArray(dy));
                t.setMarker(SeriesMarkers.CIRCLE);
                t.setLineColor(col);
                t.setMarkerColor(col);
            }
        }
        if (!anyDist) {
            // Converged in one cycle: nothing moved. Say so instead of drawing an empty chart.
            dist.setTitle("Converged in one cycle: no distance to show");
            XYSeries s = dist.addSeries("(none)", new double[] {1}, new double[] {0});
            s.setMarker(SeriesMarkers.NONE);
        }
        for (XYChart c : new XYChart[] {values, dist}) {
            if (history.size() == 1) {
                c.getStyler().setXAxisMin(0.5);
                c.getStyler().setXAxisMax(1.5);
            }
        }
        return new XYChart[] {values, dist};
    }

    /**
     * Loss and ‖∇L_R‖ per iteration as log₁₀ values (a linear axis of exponents reads better than
     * XChart's log axis over 30 decades), with a dashed vertical line where the optimizer changes
     * (e.g. L-BFGS then Newton). Non-positive values (a loss of exactly 0) are left out.
     */
    static XYChart trajectory(String title, double[] losses, double[] gradNorms, List<String> phaseNames, List<Integer> phaseStarts, int width) {
        String t = phaseNames.size() == 1 ? title + " (" + phaseNames.get(0) + ")" : title;
        XYChart c = base(t, "iteration", "log₁₀ of the value (loss L_R, gradient norm ‖∇L_R‖₂)", width, HEIGHT);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setYAxisDecimalPattern("0");
        double[] range = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        addLog10(c, "loss L_R", losses, BLUE, range);
        addLog10(c, "‖∇L_R‖₂", gradNorms, RED, range);
        for (int i = 1; i < phaseStarts.size() && range[0] <= range[1]; i++) {
            double x = phaseStarts.get(i);
            XYSeries s = c.addSeries(phaseNames.get(i - 1) + " → " + phaseNames.get(i) + " at iteration " + phaseStarts.get(i),
                    new double[] {x, x}, new double[] {range[0], range[1]});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(GREY);
            s.setLineStyle(new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
        if (range[0] <= range[1]) roundTicks(c, 1.0 / 3, range[0]);
        return c;
    }

    /**
     * Curves over epochs (x: epoch, 0 = the start), one series per name; NaN entries (not
     * measured) are left out, and {@code errors} (may be null, or hold nulls) draw ± bars.
     */
    static XYChart epochCurves(String title, String yTitle, double[] epochs, List<String> names, List<double[]> values,
                               List<double[]> errors, int width, int height) {
        XYChart c = base(title, "epoch", yTitle, width, height);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setErrorBarsColorSeriesColor(true);
        double lo = Double.POSITIVE_INFINITY;
        double xmax = 0;
        boolean any = false;
        for (int k = 0; k < names.size(); k++) {
            double[] v = values.get(k);
            double[] e = errors == null ? null : errors.get(k);
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>(), es = new ArrayList<>();
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) continue;
                xs.add(epochs[i]);
                ys.add(v[i]);
                es.add(e == null || !Double.isFinite(e[i]) ? 0.0 : e[i]);
                lo = Math.min(lo, v[i]);
                xmax = Math.max(xmax, epochs[i]);
            }
            if (xs.isEmpty()) continue;
            any = true;
            XYSeries s = e == null ? c.addSeries(names.get(k), toArray(xs), toArray(ys)) : c.addSeries(names.get(k), toArray(xs), toArray(ys), toArray(es));
            Color col = PALETTE[k % PALETTE.length];
            s.setLineColor(col);
            s.setMarkerColor(col);
            s.setMarker(xs.size() <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            s.setLineStyle(new BasicStroke(1.6f));
        }
        if (!any) {
            c.setTitle(title + " (nothing measured)");
            XYSeries s = c.addSeries("(none)", new double[] {0}, new double[] {0});
            s.setMarker(SeriesMarkers.NONE);
            return c;
        }
        c.getStyler().setXAxisMin(0.0);
        c.getStyler().setXAxisMax(Math.max(1.0, xmax));
        roundTicks(c, 1.0 / 3, lo);
        return c;
    }

    private static void addLog10(XYChart c, String name, double[] v, Color color, double[] range) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            if (v[i] > 0 && Double.isFinite(v[i])) {
                xs.add((double) i);
                double y = Math.log10(v[i]);
                ys.add(y);
                range[0] = Math.min(range[0], y);
                range[1] = Math.max(range[1], y);
            }
        }
        if (xs.isEmpty()) return;
        XYSeries s = c.addSeries(name, toArray(xs), toArray(ys));
        s.setMarker(xs.size() <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setLineStyle(new BasicStroke(1.6f));
    }

    /**
     * XChart puts a tick at every x value when all series share equally spaced x values (a grid,
     * iteration numbers), which gives unreadable labels such as 1.2044088176. One invisible point
     * off the grid makes it choose round ticks instead.
     */
    private static void roundTicks(XYChart c, double x, double y) {
        XYSeries s = c.addSeries(" ", new double[] {x}, new double[] {y});
        s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.NONE);
        s.setShowInLegend(false);
    }

    private static double[] toArray(List<Double> l) {
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }

    static String sci(double x) {
        return String.format(Locale.ROOT, "%.2e", x);
    }

    static String sci1(double x) {
        return String.format(Locale.ROOT, "%.1e", x);
    }
}
