package org.hyperdas.export;

import java.io.IOException;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.llama.LlamaWeights;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.WeightStore;

/** A method's trained model, read and checked by {@link MethodExporter#read}, ready to be exported. */
public interface TrainedExport {
    /** The manifest's {@code hypernet_layers}: the hypernetwork's decoder layers, or null when there is none. */
    Integer hypernetLayers();

    /** Adds the trained tensors to the shared weights file, after the target's (their order is the file's). */
    void addTensors(SafetensorsWriter weights);

    /**
     * Builds the method's graphs, every initializer read from the written weights file, and hands
     * each to {@code sink} as soon as it is built (one graph in memory at a time), in manifest order.
     *
     * @throws org.hyperdas.graphs.GraphBuildException when the trained tensors do not fit the target
     */
    void writeGraphs(GraphWeights weights, GraphSink sink) throws IOException;

    /**
     * The initializers an exported graph reads, all from the one weights file.
     *
     * @param target the target's configuration
     * @param store the written weights file
     * @param targetWeights the target's tensors in it, as external initializers
     */
    record GraphWeights(LlamaConfig target, WeightStore store, LlamaWeights targetWeights) {
    }

    /** Where a built graph goes: written to the export folder and listed in the manifest. */
    @FunctionalInterface
    interface GraphSink {
        /**
         * @param file the .onnx file name in the export folder
         * @param spec the name of the bundled spec the graph follows ({@link GraphSpec#SUPPORTED})
         * @param mode the selection mode of a graph exported once per mode, else null
         */
        void write(String file, Graph graph, String spec, String mode) throws IOException;
    }
}
