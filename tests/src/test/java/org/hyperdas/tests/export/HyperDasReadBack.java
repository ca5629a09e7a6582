package org.hyperdas.tests.export;

import ai.onnxruntime.OrtException;
import java.nio.file.Path;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.export.ExportManifest;
import org.hyperdas.export.ExportedModel;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.hyperdas.HyperDasConfig;
import org.hyperdas.graphs.hyperdas.HyperDasGraphs;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.safetensors.WeightStore;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.hyperdas.HyperDasExport;

/**
 * The fixture's HyperDAS export opened beside what it was made from: the target, the soft run's
 * parameters, the configuration they read back as and the in-process graphs of that configuration,
 * the two sides every export comparison needs. Closed together.
 */
record HyperDasReadBack(ExportedModel exported, TargetModel target, WeightStore params, HyperDasConfig config,
        HyperDasGraphs graphs) implements AutoCloseable {

    static HyperDasReadBack open(ExportFixture.Runs runs) throws OrtException {
        Path paramsFile = runs.hyperdasRun().resolve("hyperdas-soft").resolve(RunFolder.PARAMETERS);
        ExportedModel exported = ExportedModel.open(runs.hyperdasExport(), OrtEngine.cpu());
        TargetModel target = null;
        WeightStore params = null;
        try {
            target = TargetModel.open(runs.model(), OrtEngine.cpu());
            params = WeightStore.open(paramsFile);
            ExportManifest m = exported.manifest();
            HyperDasConfig config = HyperDasExport.hyperDasConfig(target.config(), m.layer(), m.k(), params,
                    paramsFile);
            return new HyperDasReadBack(exported, target, params, config,
                    new HyperDasGraphs(target.config(), target.weights(), config, DType.FLOAT32));
        } catch (RuntimeException e) {
            if (params != null) {
                params.close();
            }
            if (target != null) {
                target.close();
            }
            exported.close();
            throw e;
        }
    }

    @Override
    public void close() throws OrtException {
        params.close();
        target.close();
        exported.close();
    }
}
