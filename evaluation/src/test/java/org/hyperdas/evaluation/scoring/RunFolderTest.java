package org.hyperdas.evaluation.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run folder round-trips, and an incomplete one is a clear error. */
class RunFolderTest {
    @Test
    void writesAndReadsBack(@TempDir Path dir) throws Exception {
        List<Outcome> outcomes = ScorerTest.handMade();
        Scores scores = Scorer.score("mdas", outcomes);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("method", "mdas");
        config.put("layer", 2);
        config.put("k", 8);
        SafetensorsWriter params = new SafetensorsWriter().addF32("city.Country.rotation", new long[] {2, 1},
                new float[] {1, 0});
        Path run = dir.resolve("run");
        RunFolder.write(run, config, params, outcomes, scores);
        for (String f : RunFolder.FILES) {
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        }
        try (var stream = Files.list(run)) {
            assertEquals(RunFolder.FILES.size(), stream.count(), "no temporary file left behind");
        }
        RunFolder.Run back = RunFolder.read(run);
        assertEquals("mdas", back.method());
        assertEquals("2", back.configText("layer", "?"));
        assertEquals(scores, back.scores(), "scores.json round trip");
        List<Outcome> read = PredictionFile.read(run.resolve(RunFolder.PREDICTIONS));
        assertEquals(outcomes, read);
        assertEquals(scores, Scorer.score("mdas", read), "rescoring the predictions gives the same scores");
        try (SafetensorsFile f = SafetensorsFile.open(run.resolve(RunFolder.PARAMETERS))) {
            assertEquals(1, f.tensors().size());
        }
    }

    @Test
    void aMissingFileIsAClearError(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("unfinished");
        RunFolder.write(run, Map.of("method", "das"), new SafetensorsWriter(), ScorerTest.handMade(),
                Scorer.score("das", ScorerTest.handMade()));
        Files.delete(run.resolve(RunFolder.SCORES));
        BadInputException e = assertThrows(BadInputException.class, () -> RunFolder.read(run));
        assertTrue(e.getMessage().contains(run.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("missing scores.json"), e.getMessage());
        BadInputException none = assertThrows(BadInputException.class, () -> RunFolder.read(dir.resolve("nope")));
        assertTrue(none.getMessage().contains("no such run folder"), none.getMessage());
    }
}
