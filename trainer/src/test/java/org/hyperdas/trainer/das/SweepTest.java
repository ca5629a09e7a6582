package org.hyperdas.trainer.das;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.scoring.Accuracy;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layer ranges, the sweep's tables, the best layer and the plot file. */
class SweepTest {
    @Test
    void parsesLayerRanges() {
        assertEquals(List.of(0, 1, 2, 3), Sweep.parseLayers("0..3", 3));
        assertEquals(List.of(0, 1, 2, 3), Sweep.parseLayers("0..n", 3));
        assertEquals(List.of(1, 3), Sweep.parseLayers("1,3", 5));
        assertEquals(List.of(2), Sweep.parseLayers("2", 2));
        assertTrue(assertThrows(BadInputException.class, () -> Sweep.parseLayers("0..4", 3)).getMessage()
                .contains("layer 4 is outside 0..3"));
        assertThrows(BadInputException.class, () -> Sweep.parseLayers("a..b", 3));
    }

    private static Scores scores(int causeRight, int isolateRight) {
        Scores.AttributeScores a = new Scores.AttributeScores("Country", new Accuracy(causeRight, 10),
                new Accuracy(isolateRight, 10));
        Scores.TypeScores t = new Scores.TypeScores("city", a.cid(), List.of(a));
        return new Scores("das", List.of(new Scores.SplitScores("val_entity", t.cid(), List.of(t))));
    }

    @Test
    void tablesBestLayerAndPlot(@TempDir Path dir) throws Exception {
        Map<Integer, Scores> byLayer = new LinkedHashMap<>();
        byLayer.put(0, scores(9, 1));
        byLayer.put(1, scores(8, 9));
        byLayer.put(2, scores(0, 10));
        assertEquals(1, Sweep.bestLayer(byLayer));
        String csv = Sweep.csv(byLayer);
        assertTrue(csv.contains("\n1,val_entity,city,Country,80.0,90.0,85.0\n"), csv);
        assertTrue(csv.contains("\n2,val_entity,(mean),(mean),0.0,100.0,50.0\n"), csv);
        String md = Sweep.markdown("das", byLayer);
        assertTrue(md.contains("| 1 | 85.0 | 85.0 |"), md);
        assertTrue(md.contains("Best layer by Disentangle (mean over entity types and splits): 1"), md);
        Path png = dir.resolve("plot.png");
        SweepPlot.write("das", byLayer, png);
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G');
    }
}
