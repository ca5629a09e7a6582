package org.hyperdas.trainer.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.hyperdas.evaluation.leaderboard.IntervalLeaderboard;
import org.hyperdas.evaluation.stats.Interval;
import org.hyperdas.evaluation.stats.SplitIntervals;
import org.hyperdas.evaluation.stats.SplitIntervals.CidInterval;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The band plot draws a PNG for an axis the rows vary and nothing for one they do not. */
class SweepBandPlotTest {
    private static IntervalLeaderboard.Row row(String method, int layer, double d) {
        Interval i = new Interval(d, d - 0.1, d + 0.1);
        CidInterval c = new CidInterval(i, i, i);
        return new IntervalLeaderboard.Row(method + " [layer=" + layer + ", k=4]", "layer=" + layer + ", k=4",
                List.of(0L, 1L), new SplitIntervals("test_entity", Map.of("city", c), c));
    }

    @Test
    void drawsBandsAgainstLayerOnly(@TempDir Path dir) throws Exception {
        List<IntervalLeaderboard.Row> rows = new ArrayList<>();
        for (int layer = 0; layer < 4; layer++) {
            rows.add(row("mdas", layer, 0.3 + 0.1 * layer));
            rows.add(row("hyperdas-soft", layer, 0.4 + 0.1 * layer));
        }
        IntervalLeaderboard board = new IntervalLeaderboard(List.of(new IntervalLeaderboard.Section("test_entity",
                "Entity split", List.of("city"), rows, List.of())), "mdas", List.of());
        Path png = dir.resolve("by-layer.png");
        assertTrue(SweepBandPlot.write(board, "layer", png));
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(900, image.getWidth());
        assertEquals(120 + 320, image.getHeight());
        assertFalse(SweepBandPlot.write(board, "steps", dir.resolve("by-steps.png")), "no row varies steps");
        assertFalse(Files.exists(dir.resolve("by-steps.png")));
        assertEquals(Map.of("layer", "2", "k", "4"), SweepBandPlot.parseContext("layer=2, k=4"));
    }
}
