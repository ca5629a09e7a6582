package org.hyperdas.export;

import java.util.List;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * What one intervention method contributes to an export: its trained tensors and its graphs. The
 * export module writes everything else (the target graph, the shared weights file, the tokenizer,
 * the manifest, the atomic folder) the same way for every method, and never looks at a method's
 * name: what differs between methods comes from here or from the graph specs.
 *
 * <p>Implemented beside each method in the trainer; {@link MethodExporters} holds those a build knows.
 */
public interface MethodExporter {
    /** The manifest's {@code method} this exporter writes, as config.json names it (e.g. das). */
    String method();

    /** Whether the method's runs have a subspace size {@code k} in config.json (the manifest's k; null otherwise). */
    boolean hasSubspace();

    /**
     * The sub-folders of a run folder that groups several runs of this method (one per selection
     * mode), in export order; empty when each run of the method stands alone.
     */
    default List<String> groupedRuns() {
        return List.of();
    }

    /**
     * Reads the run's trained parameters and checks them against the target, before anything is
     * written. The result may read from {@code parameters} until its tensors are added to the
     * weights file.
     *
     * @throws org.hyperdas.runtime.BadInputException naming the file and tensor when the parameters
     *     or the run's config.json are not what the method trained
     */
    TrainedExport read(ExportSource source, RunSettings settings, LlamaConfig target, WeightStore parameters);
}
