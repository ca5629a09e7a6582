package org.hyperdas.trainer.hyperdas;

import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.hyperdas.runtime.io.AtomicFiles;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.GrayPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * A PNG heatmap of one example's token selection W: base tokens across, source tokens plus the
 * SELF row down, cell darkness = weight (0..1). Drawn headless with JFreeChart, written atomically.
 */
public final class SelectionHeatmap {
    private SelectionHeatmap() {
    }

    /**
     * @param title the chart title (mode, pair)
     * @param baseTokens the base tokens shown (columns)
     * @param sourceTokens the source tokens shown (rows; SELF is added last)
     * @param weights [sourceTokens.size() + 1][baseTokens.size()], the last row SELF
     */
    public static void write(String title, List<String> baseTokens, List<String> sourceTokens, double[][] weights,
            Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int cols = baseTokens.size();
        int rows = sourceTokens.size() + 1;
        double[][] xyz = new double[3][rows * cols];
        int n = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                xyz[0][n] = j;
                xyz[1][n] = rows - 1 - i; // first source token at the top, SELF at the bottom
                xyz[2][n] = weights[i][j];
                n++;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("W", xyz);
        String[] rowLabels = new String[rows];
        rowLabels[0] = "SELF";
        for (int i = 0; i < sourceTokens.size(); i++) {
            rowLabels[rows - 1 - i] = label(sourceTokens.get(i));
        }
        SymbolAxis x = new SymbolAxis("base tokens", baseTokens.stream().map(SelectionHeatmap::label)
                .toArray(String[]::new));
        x.setVerticalTickLabels(true);
        SymbolAxis y = new SymbolAxis("source tokens + SELF", rowLabels);
        XYBlockRenderer renderer = new XYBlockRenderer();
        GrayPaintScale scale = new GrayPaintScale(0, 1) {
            @Override
            public java.awt.Paint getPaint(double value) {
                Color c = (Color) super.getPaint(value);
                return new Color(255 - c.getRed(), 255 - c.getGreen(), 255 - c.getBlue());
            }
        };
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 13), plot, false);
        NumberAxis scaleAxis = new NumberAxis("weight");
        scaleAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, scaleAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        int width = Math.max(500, 200 + 28 * cols);
        int height = Math.max(350, 220 + 24 * rows);
        BufferedImage image = chart.createBufferedImage(width, height);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.setUseCache(false); // encode in memory: no cache file in the temp folder, which may be full
        ImageIO.write(image, "png", png);
        AtomicFiles.writeBytes(file, png.toByteArray());
    }

    private static String label(String token) {
        String t = token.replace("\n", "\\n");
        if (t.isBlank()) {
            return "'" + t + "'";
        }
        return t.length() > 14 ? t.substring(0, 13) + "…" : t;
    }
}
