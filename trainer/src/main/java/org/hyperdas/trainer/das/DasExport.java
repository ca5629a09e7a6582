package org.hyperdas.trainer.das;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.export.ExportSource;
import org.hyperdas.export.GraphSpec;
import org.hyperdas.export.MethodExporter;
import org.hyperdas.export.RunSettings;
import org.hyperdas.export.TrainedExport;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.intervention.DasRotation;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.hf.LlamaConfig;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.hyperdas.runtime.safetensors.TensorInfo;
import org.hyperdas.runtime.safetensors.WeightStore;

/**
 * The export of a das or mdas run: the trained subspace R [hidden, k] of every attribute, stacked
 * in manifest attribute order into one tensor {@value #DAS_ROTATIONS} [attributes, hidden, k], and
 * {@code intervened.onnx} (spec das-intervened), whose {@code attribute} input picks one of them.
 */
public final class DasExport implements MethodExporter {
    /** The file of the intervened graph of a method exported once (das, mdas, patching). */
    public static final String INTERVENED_FILE = "intervened.onnx";
    /** The das/mdas subspaces stacked in manifest attribute order, [attributes, hidden, k], in the weights file. */
    public static final String DAS_ROTATIONS = "das.rotations";

    private final String method;

    /** The exporter of {@code method}'s runs (das or mdas). */
    public DasExport(DasMethod method) {
        this.method = method.name();
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public boolean hasSubspace() {
        return true;
    }

    @Override
    public TrainedExport read(ExportSource source, RunSettings settings, LlamaConfig target, WeightStore parameters) {
        int k = settings.k();
        if (k < 1) {
            throw BadInputException.field(settings.configFile(), "k",
                    "at least 1 (a run with k 0 has nothing to export)", k);
        }
        List<String> attributes = settings.attributes();
        ByteBuffer rotations = stackedRotations(parameters, source.parameters(), attributes, target.hiddenSize(), k);
        return new Trained(method, settings.layer(), new long[] {attributes.size(), target.hiddenSize(), k},
                rotations);
    }

    /** The stacked rotations of a read run, [attributes, hidden, k]. */
    private record Trained(String method, int layer, long[] shape, ByteBuffer rotations) implements TrainedExport {
        @Override
        public Integer hypernetLayers() {
            return null;
        }

        @Override
        public void addTensors(SafetensorsWriter weights) {
            weights.add(DAS_ROTATIONS, org.hyperdas.runtime.safetensors.DType.F32, shape, rotations);
        }

        @Override
        public void writeGraphs(GraphWeights w, GraphSink sink) throws IOException {
            IntervenedGraph.write(method, layer, w, sink, GraphSpec.DAS_INTERVENED, g -> {
                Value all = w.targetWeights().get(g, DAS_ROTATIONS, shape, DType.FLOAT32);
                Value index = g.input("attribute", DType.INT64, Shape.scalar());
                return DasRotation.of(all.gather(index, 0));
            });
        }
    }

    /** The das/mdas subspaces R [hidden, k] of every attribute, one after the other. */
    private static ByteBuffer stackedRotations(WeightStore params, Path file, List<String> attributes, int hidden,
            int k) {
        ByteBuffer all = ByteBuffer.allocate(Math.multiplyExact(attributes.size() * hidden, k * 4))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (String a : attributes) {
            String name = a + ".rotation";
            TensorInfo t = params.find(name).orElseThrow(() -> BadInputException.field(file, name,
                    "a tensor of the trained model", "no such tensor"));
            if (!t.hasShape(hidden, k) || t.dtype() != org.hyperdas.runtime.safetensors.DType.F32) {
                throw BadInputException.field(file, name, "F32[" + hidden + ", " + k + "]",
                        t.dtype() + TensorInfo.shapeString(t.shape()));
            }
            all.put(params.bytes(name));
        }
        return all.flip();
    }
}
