package org.hyperdas.trainer.sweep;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.hyperdas.evaluation.leaderboard.IntervalLeaderboard;
import org.hyperdas.evaluation.stats.Interval;
import org.hyperdas.runtime.io.AtomicFiles;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * Disentangle (%) against one grid axis (layer or k), one line per method (and any other varied
 * setting) with its 95% interval as a shaded band, one panel per split; drawn headless with
 * JFreeChart into a PNG, written atomically.
 */
public final class SweepBandPlot {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
    };

    private SweepBandPlot() {
    }

    /** The "name=value" pairs of a row context. */
    static Map<String, String> parseContext(String context) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!context.isEmpty()) {
            for (String part : context.split(", ")) {
                int eq = part.indexOf('=');
                out.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return out;
    }

    /** Writes the figure of {@code axis}; returns false (and writes nothing) when no row varies it. */
    public static boolean write(IntervalLeaderboard board, String axis, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        NumberAxis x = new NumberAxis(axis.equals("layer") ? "Layer (residual stream entering block L)" : axis);
        x.setAutoRangeIncludesZero(false);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(x);
        combined.setGap(12);
        int panels = 0;
        XYPlot first = null;
        for (IntervalLeaderboard.Section s : board.sections()) {
            YIntervalSeriesCollection data = new YIntervalSeriesCollection();
            Map<String, YIntervalSeries> series = new LinkedHashMap<>();
            for (IntervalLeaderboard.Row r : s.rows()) {
                Map<String, String> ctx = parseContext(r.context());
                String at = ctx.remove(axis);
                Interval d = r.intervals().overall().disentangle();
                if (at == null || !d.isDefined()) {
                    continue;
                }
                String method = r.method().contains(" [") ? r.method().substring(0, r.method().indexOf(" [")) : r.method();
                String name = ctx.isEmpty() ? method : method + " " + ctx;
                double value;
                try {
                    value = Double.parseDouble(at);
                } catch (NumberFormatException e) {
                    continue;
                }
                series.computeIfAbsent(name, YIntervalSeries::new).add(value, d.estimate() * 100, d.low() * 100,
                        d.high() * 100);
            }
            if (series.isEmpty()) {
                continue;
            }
            series.values().forEach(data::addSeries);
            DeviationRenderer renderer = new DeviationRenderer(true, true);
            for (int i = 0; i < series.size(); i++) {
                Color c = PALETTE[i % PALETTE.length];
                renderer.setSeriesPaint(i, c);
                renderer.setSeriesFillPaint(i, c);
                renderer.setSeriesStroke(i, new BasicStroke(2f));
            }
            renderer.setAlpha(0.2f);
            NumberAxis value = new NumberAxis("Disentangle (%), " + s.split());
            value.setRange(0, 100);
            XYPlot plot = new XYPlot(data, null, value, renderer);
            plot.setBackgroundPaint(Color.WHITE);
            plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            combined.add(plot, 1);
            first = first == null ? plot : first;
            panels++;
        }
        if (panels == 0) {
            return false;
        }
        // Panels list their series in the same order and colours when every split has every row: list
        // them once.
        combined.setFixedLegendItems(first.getLegendItems());
        JFreeChart chart = new JFreeChart("Disentangle by " + axis + " (mean and 95% interval)",
                new Font("SansSerif", Font.BOLD, 16), combined, true);
        chart.setBackgroundPaint(Color.WHITE);
        BufferedImage image = chart.createBufferedImage(900, 120 + 320 * panels);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        AtomicFiles.writeBytes(file, png.toByteArray());
        return true;
    }
}
