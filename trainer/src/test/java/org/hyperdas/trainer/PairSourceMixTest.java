package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hyperdas.evaluation.pairs.PairMix;
import org.hyperdas.trainer.knowledge.KnowledgeReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which pair mix a run gets when --pairs is not given. */
class PairSourceMixTest {
    @Test
    void referenceOnlyForARavelReleaseAndAModelThatIsNotAKnowledgeModel(@TempDir Path dir) throws Exception {
        Path ravel = dir.resolve("ravel");
        Path realModel = Files.createDirectories(dir.resolve("llama")); // an HF folder: no knowledge report
        Path knowledgeModel = Files.createDirectories(dir.resolve("km"));
        Files.writeString(knowledgeModel.resolve(KnowledgeReport.FILE), "{}");
        assertEquals(PairMix.REFERENCE, PairSource.defaultMix(ravel, realModel));
        assertEquals(PairMix.BALANCED, PairSource.defaultMix(ravel, knowledgeModel));
        assertEquals(PairMix.BALANCED, PairSource.defaultMix(ravel, null)); // the cached knowledge model
        assertEquals(PairMix.BALANCED, PairSource.defaultMix(null, realModel)); // embedded subset
        assertEquals(PairMix.BALANCED, PairSource.defaultMix(null, null));
    }

    @Test
    void describeNamesTheMixOfPairsBuiltInMemory() {
        PairSource embedded = PairSource.embedded(0);
        assertEquals("embedded RAVEL subset, balanced pairs", embedded.describe());
        PairSource reference = new PairSource(null, Path.of("r"), null, null,
                embedded.pairOptions().withMix(PairMix.REFERENCE));
        assertEquals("RAVEL " + Path.of("r").toAbsolutePath().normalize() + ", reference pairs", reference.describe());
    }
}
