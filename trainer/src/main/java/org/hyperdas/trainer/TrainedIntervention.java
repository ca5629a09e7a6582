package org.hyperdas.trainer;

import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.scoring.Outcome;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;

/** A fitted method: scores pairs, and saves what it learned. */
public interface TrainedIntervention extends AutoCloseable {
    /** Outcomes for the pairs, in their order (batched inside). */
    List<Outcome> evaluate(List<Pair> pairs) throws Exception;

    /**
     * Labels of evaluation variants that are scored as separate runs (e.g. HyperDAS's selection
     * modes {@code hyperdas-soft}, ...); empty (the default): one run under the method's name,
     * scored with {@link #evaluate(List)}.
     */
    default List<String> variants() {
        return List.of();
    }

    /** Outcomes of one variant of {@link #variants()}. */
    default List<Outcome> evaluate(String variant, List<Pair> pairs) throws Exception {
        return evaluate(pairs);
    }

    /**
     * Writes figures of a few of {@code pairs} into the run folder of {@code variant} (null: the
     * method's only run) and returns their file names; none by default.
     */
    default List<String> writeFigures(String variant, List<Pair> pairs, java.nio.file.Path folder) throws Exception {
        return List.of();
    }

    /** Adds the learned parameters (nothing for a method without any). */
    void saveParameters(SafetensorsWriter writer);

    /** Training facts for the run's config.json (losses, sizes, ...), JSON-serializable. */
    Map<String, Object> details();

    @Override
    void close() throws Exception;
}
