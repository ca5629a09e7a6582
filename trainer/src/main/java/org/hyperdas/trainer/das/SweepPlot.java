package org.hyperdas.trainer.das;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.io.AtomicFiles;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The sweep's figure: Disentangle (%) against layer, one line per target attribute and a thick
 * black line for the mean over entity types, one panel per scored split (sharing the layer axis and
 * one legend).
 * Drawn headless with JFreeChart into a PNG, written atomically.
 */
public final class SweepPlot {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
    };

    private SweepPlot() {
    }

    public static void write(String method, Map<Integer, Scores> byLayer, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        NumberAxis layerAxis = new NumberAxis("Layer (residual stream entering block L)");
        layerAxis.setTickUnit(new NumberTickUnit(1));
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(layerAxis);
        combined.setGap(12);
        Set<String> splits = new LinkedHashSet<>();
        byLayer.values().forEach(s -> s.splits().forEach(x -> splits.add(x.split())));
        XYPlot first = null;
        for (String split : splits) {
            XYPlot panel = panel(split, byLayer);
            combined.add(panel, 1);
            first = first == null ? panel : first;
        }
        if (first != null) {
            // Every panel has the same series in the same colours: list them once.
            combined.setFixedLegendItems(first.getLegendItems());
        }
        JFreeChart chart = new JFreeChart("Disentangle by layer: " + method, new Font("SansSerif", Font.BOLD, 16),
                combined, true);
        chart.setBackgroundPaint(Color.WHITE);
        int height = 120 + 320 * Math.max(1, splits.size());
        BufferedImage image = chart.createBufferedImage(900, height);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.setUseCache(false); // encode in memory: no cache file in the temp folder, which may be full
        ImageIO.write(image, "png", png);
        AtomicFiles.writeBytes(file, png.toByteArray());
    }

    private static XYPlot panel(String split, Map<Integer, Scores> byLayer) {
        List<String> attributes = new ArrayList<>();
        byLayer.values().forEach(s -> s.split(split).ifPresent(x -> x.entityTypes().forEach(t -> t.attributes()
                .forEach(a -> {
                    String key = t.entityType() + "/" + a.attribute();
                    if (!attributes.contains(key)) {
                        attributes.add(key);
                    }
                }))));
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        int i = 0;
        for (String key : attributes) {
            String[] ta = key.split("/", 2);
            XYSeries series = new XYSeries(key);
            byLayer.forEach((layer, scores) -> scores.split(split).flatMap(s -> s.entityType(ta[0]))
                    .flatMap(t -> t.attribute(ta[1])).ifPresent(a -> {
                        double d = a.cid().disentangle();
                        if (!Double.isNaN(d)) {
                            series.add(layer.doubleValue(), d * 100);
                        }
                    }));
            data.addSeries(series);
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(1.5f));
            i++;
        }
        XYSeries mean = new XYSeries("mean over entity types");
        byLayer.forEach((layer, scores) -> scores.split(split).ifPresent(s -> {
            if (!Double.isNaN(s.overall().disentangle())) {
                mean.add(layer.doubleValue(), s.overall().disentangle() * 100);
            }
        }));
        data.addSeries(mean);
        renderer.setSeriesPaint(i, Color.BLACK);
        renderer.setSeriesStroke(i, new BasicStroke(3f));
        NumberAxis value = new NumberAxis("Disentangle (%), " + split);
        value.setRange(0, 100);
        XYPlot plot = new XYPlot(data, null, value, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    /**
     * Several methods' sweeps in one figure: Disentangle (%, mean over entity types) against layer,
     * one line per method, one panel per scored split.
     */
    public static void writeMethods(Map<String, Map<Integer, Scores>> byMethod, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        NumberAxis layerAxis = new NumberAxis("Layer (residual stream entering block L)");
        layerAxis.setTickUnit(new NumberTickUnit(1));
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(layerAxis);
        combined.setGap(12);
        Set<String> splits = new LinkedHashSet<>();
        byMethod.values().forEach(m -> m.values().forEach(s -> s.splits().forEach(x -> splits.add(x.split()))));
        XYPlot first = null;
        for (String split : splits) {
            XYSeriesCollection data = new XYSeriesCollection();
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
            int i = 0;
            for (Map.Entry<String, Map<Integer, Scores>> m : byMethod.entrySet()) {
                XYSeries series = new XYSeries(m.getKey());
                m.getValue().forEach((layer, scores) -> scores.split(split).ifPresent(x -> {
                    if (!Double.isNaN(x.overall().disentangle())) {
                        series.add(layer.doubleValue(), x.overall().disentangle() * 100);
                    }
                }));
                data.addSeries(series);
                renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
                renderer.setSeriesStroke(i, new BasicStroke(2.5f));
                i++;
            }
            NumberAxis value = new NumberAxis("Disentangle (%), " + split);
            value.setRange(0, 100);
            XYPlot panel = new XYPlot(data, null, value, renderer);
            panel.setBackgroundPaint(Color.WHITE);
            panel.setDomainGridlinePaint(Color.LIGHT_GRAY);
            panel.setRangeGridlinePaint(Color.LIGHT_GRAY);
            combined.add(panel, 1);
            first = first == null ? panel : first;
        }
        if (first != null) {
            combined.setFixedLegendItems(first.getLegendItems());
        }
        JFreeChart chart = new JFreeChart("Disentangle by layer", new Font("SansSerif", Font.BOLD, 16), combined, true);
        chart.setBackgroundPaint(Color.WHITE);
        BufferedImage image = chart.createBufferedImage(900, 120 + 320 * Math.max(1, splits.size()));
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.setUseCache(false);
        ImageIO.write(image, "png", png);
        AtomicFiles.writeBytes(file, png.toByteArray());
    }
}
