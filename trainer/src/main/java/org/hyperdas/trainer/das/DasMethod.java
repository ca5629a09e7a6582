package org.hyperdas.trainer.das;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.export.MethodExporter;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.trainer.InterventionMethod;
import org.hyperdas.trainer.InterventionRunner;
import org.hyperdas.trainer.MethodOptions;
import org.hyperdas.trainer.PairSet;
import org.hyperdas.trainer.RunControl;
import org.hyperdas.trainer.TargetModel;
import org.hyperdas.trainer.TrainedIntervention;

/**
 * {@code das} and {@code mdas}: one R per target attribute (entity type and attribute), trained by
 * {@link DasTrainer} at the last entity token of layer L. {@code das} trains on the attribute's
 * cause pairs only; {@code mdas} (RAVEL's multi-task DAS) also on its isolate pairs, whose
 * answers must not change. Parameters are saved as {@code {type}.{attribute}.rotation} [hidden, k]
 * and {@code {type}.{attribute}.householder} [k, hidden].
 */
public final class DasMethod implements InterventionMethod {
    private final boolean multiTask;

    private DasMethod(boolean multiTask) {
        this.multiTask = multiTask;
    }

    public static DasMethod das() {
        return new DasMethod(false);
    }

    public static DasMethod mdas() {
        return new DasMethod(true);
    }

    @Override
    public String name() {
        return multiTask ? "mdas" : "das";
    }

    @Override
    public String description() {
        return multiTask ? "multi-task DAS: one subspace per attribute, trained on its cause and isolate pairs"
                : "DAS: one subspace per attribute, trained on its cause pairs";
    }

    /** The safetensors name prefix of an attribute's parameters. */
    public static String key(String entityType, String attribute) {
        return entityType + "." + attribute;
    }

    @Override
    public TrainedIntervention fit(TargetModel target, PairSet train, MethodOptions options, RunControl control,
            PrintStream progress) throws Exception {
        int k = options.k();
        if (k > target.hiddenSize()) {
            throw new BadInputException("--k " + k + ": the subspace cannot be larger than the hidden size "
                    + target.hiddenSize() + " of " + target.folder());
        }
        Map<String, DasTrainer.Result> results = new LinkedHashMap<>();
        String trainSplit = PairSplit.TRAIN.label();
        try (DasTrainer trainer = k == 0 ? null : new DasTrainer(target, DasTrainer.Options.from(options, multiTask))) {
            for (Map.Entry<String, List<String>> e : train.targets().entrySet()) {
                for (String attribute : e.getValue()) {
                    List<Pair> cause = train.select(trainSplit, e.getKey(), attribute, PairKind.CAUSE);
                    List<Pair> isolate = multiTask ? train.select(trainSplit, e.getKey(), attribute, PairKind.ISOLATE)
                            : List.of();
                    DasTrainer.Result r = trainer == null
                            ? DasTrainer.Result.empty(e.getKey(), attribute)
                            : trainer.train(e.getKey(), attribute, cause, isolate, control, progress);
                    results.put(key(e.getKey(), attribute), r);
                }
            }
        }
        InterventionRunner runner = InterventionRunner.open(target, InterventionRunner.Kind.ROTATION, options.layer(),
                false);
        return new TrainedIntervention() {
            @Override
            public List<Outcome> evaluate(List<Pair> pairs) throws Exception {
                Map<String, List<Integer>> byAttribute = new LinkedHashMap<>();
                for (int i = 0; i < pairs.size(); i++) {
                    Pair p = pairs.get(i);
                    byAttribute.computeIfAbsent(key(p.entityType(), p.attribute()), x -> new ArrayList<>()).add(i);
                }
                Outcome[] out = new Outcome[pairs.size()];
                for (Map.Entry<String, List<Integer>> e : byAttribute.entrySet()) {
                    DasTrainer.Result r = results.get(e.getKey());
                    if (r == null) {
                        throw new BadInputException("no trained subspace for " + e.getKey() + " (trained: "
                                + results.keySet() + ")");
                    }
                    List<Pair> group = e.getValue().stream().map(pairs::get).toList();
                    List<Outcome> o = runner.evaluate(group, r.rotation(), r.k(), options.evalBatchSize());
                    for (int i = 0; i < group.size(); i++) {
                        out[e.getValue().get(i)] = o.get(i);
                    }
                }
                return List.of(out);
            }

            @Override
            public void saveParameters(SafetensorsWriter writer) {
                writer.metadata("method", name());
                writer.metadata("parametrization", "R = H_1 ... H_k E (Householder reflections of the rows of"
                        + " .householder); .rotation is R [hidden, k]");
                int d = target.hiddenSize();
                for (Map.Entry<String, DasTrainer.Result> e : results.entrySet()) {
                    DasTrainer.Result r = e.getValue();
                    writer.addF32(e.getKey() + ".rotation", new long[] {d, r.k()}, r.rotation());
                    writer.addF32(e.getKey() + ".householder", new long[] {r.k(), d}, r.vectors());
                }
            }

            @Override
            public Map<String, Object> details() {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("trained", true);
                Map<String, Object> per = new LinkedHashMap<>();
                results.forEach((key, r) -> per.put(key, r.summary()));
                d.put("attributes", per);
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
        return new DasExport(this);
    }
}
