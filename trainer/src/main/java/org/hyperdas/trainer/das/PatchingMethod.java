package org.hyperdas.trainer.das;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.export.MethodExporter;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.InterventionRunner;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.PairSet;
import org.hyperdas.trainer.RunControl;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.TrainedIntervention;

/**
 * {@code patching}: no training; the whole residual vector of the base's last entity token at
 * layer L is replaced by the source's. The reference point: it carries every attribute at once,
 * so it should reach a high Cause and a low Isolate wherever the entity's information still sits
 * on that token.
 */
public final class PatchingMethod implements InterventionMethod {
    @Override
    public String name() {
        return "patching";
    }

    @Override
    public String description() {
        return "full residual-vector interchange at the last entity token (no training)";
    }

    @Override
    public boolean learns() {
        return false;
    }

    @Override
    public TrainedIntervention fit(TargetModel target, PairSet train, MethodOptions options, RunControl control,
            PrintStream progress) throws Exception {
        InterventionRunner runner = InterventionRunner.open(target, InterventionRunner.Kind.PATCHING, options.layer(),
                false);
        return new TrainedIntervention() {
            @Override
            public List<Outcome> evaluate(List<Pair> pairs) throws Exception {
                return runner.evaluate(pairs, null, 0, options.evalBatchSize());
            }

            @Override
            public void saveParameters(SafetensorsWriter writer) {
                writer.metadata("method", name());
            }

            @Override
            public Map<String, Object> details() {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("trained", false);
                return d;
            }

            @Override
            public void close() throws Exception {
                runner.close();
            }
        };
    }

    @Override
    public MethodExporter exporter() {
        return new PatchingExport(this);
    }
}
