package org.hyperdas.trainer.das;

import java.io.IOException;
import java.util.function.Function;
import org.hyperdas.export.TrainedExport.GraphSink;
import org.hyperdas.export.TrainedExport.GraphWeights;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.intervention.Intervention;
import org.hyperdas.graphs.intervention.InterventionGraph;
import org.hyperdas.graphs.llama.LlamaHooks;
import org.hyperdas.runtime.feeds.FeedSchema;

/**
 * The one graph a method exported once (das, mdas, patching) writes: the target model with an
 * intervention at one layer and the logits at the fed {@link FeedSchema#LOGIT_POSITIONS} out, as
 * {@link DasExport#INTERVENED_FILE}.
 */
final class IntervenedGraph {
    private IntervenedGraph() {
    }

    /**
     * Builds {@code <method>_intervened} and hands it to {@code sink}.
     *
     * @param intervention builds the intervention's inputs and weights in the graph, after the
     *     target's layers up to {@code layer}
     */
    static void write(String method, int layer, GraphWeights w, GraphSink sink, String spec,
            Function<Graph, Intervention> intervention) throws IOException {
        Graph g = new Graph(method + "_intervened");
        InterventionGraph ig = InterventionGraph.create(g, w.target(), w.targetWeights(), layer);
        Value positions = g.input(FeedSchema.LOGIT_POSITIONS);
        g.output(LlamaHooks.LOGITS, ig.finishLogitsAt(intervention.apply(g), positions));
        sink.write(DasExport.INTERVENED_FILE, g, spec, null);
    }
}
