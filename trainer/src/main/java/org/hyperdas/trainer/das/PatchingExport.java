package org.hyperdas.trainer.das;

import java.io.IOException;
import org.hyperdas.export.ExportSource;
import org.hyperdas.export.GraphSpec;
import org.hyperdas.export.MethodExporter;
import org.hyperdas.export.RunSettings;
import org.hyperdas.export.TrainedExport;
import org.hyperdas.graphs.intervention.Interchange;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * The export of a patching run: nothing trained, and {@code intervened.onnx} (spec
 * patching-intervened), which moves the whole hidden vector at each site.
 */
public final class PatchingExport implements MethodExporter {
    private final String method;

    public PatchingExport(PatchingMethod method) {
        this.method = method.name();
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public boolean hasSubspace() {
        return false;
    }

    @Override
    public TrainedExport read(ExportSource source, RunSettings settings, LlamaConfig target, WeightStore parameters) {
        return new Trained(method, settings.layer());
    }

    /** A patching run: the full interchange at one layer. */
    private record Trained(String method, int layer) implements TrainedExport {
        @Override
        public Integer hypernetLayers() {
            return null;
        }

        @Override
        public void addTensors(SafetensorsWriter weights) {
            // Patching trains nothing: the weights file holds the target's tensors alone.
        }

        @Override
        public void writeGraphs(GraphWeights w, GraphSink sink) throws IOException {
            IntervenedGraph.write(method, layer, w, sink, GraphSpec.PATCHING_INTERVENED, g -> Interchange.FULL);
        }
    }
}
