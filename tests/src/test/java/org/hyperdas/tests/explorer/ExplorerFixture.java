package org.hyperdas.tests.explorer;

import java.nio.file.Path;
import org.hyperdas.evaluation.arrow.PredictionFile;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.explorer.ExplorerServer;

/**
 * What the explorer tests add to {@link org.hyperdas.tests.export.ExportFixture}'s trained runs
 * and exports: a server over one of them, and a pair to ask it about.
 */
final class ExplorerFixture {
    private ExplorerFixture() {
    }

    /** A server on a free loopback port over an export and a run folder (null for none). */
    static ExplorerServer serve(Path export, Path run) throws Exception {
        return ExplorerServer.start(new ExplorerServer.Config(export, run, ExplorerServer.DEFAULT_HOST, 0, "cpu",
                ExplorerServer.DEFAULT_THREADS));
    }

    /** The first scored cause pair of a run folder's test predictions. */
    static Pair causePair(Path runFolder) {
        return PredictionFile.read(runFolder.resolve(RunFolder.PREDICTIONS)).stream().map(o -> o.pair())
                .filter(p -> p.kind() == PairKind.CAUSE && !p.split().equals("train")).findFirst().orElseThrow();
    }
}
