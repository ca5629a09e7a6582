package org.hyperdas.graphs.ops;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import java.util.ArrayList;
import java.util.List;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.OnnxEmitter;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** Ops whose attribute is a subgraph. */
public sealed interface ControlFlowOps extends OnnxOp permits ControlFlowOps.Loop {

    /**
     * ONNX Loop with a fixed trip count. Node inputs: the trip count M (int64 rank-0), the
     * condition (bool rank-0) and the initial loop-carried values. The body graph's inputs are the
     * iteration number (int64 rank-0), the condition (bool rank-0) and the carried values, in that
     * order; its outputs are the next condition, the next carried values (same dtypes and shapes as
     * the carried inputs) and the scan outputs. Node outputs: the final carried values, then each
     * scan output stacked along a new leading axis of size {@code tripCount}.
     *
     * <p>The body may read values of the graph the Loop is added to through
     * {@link Graph#outer(Value)}; those must be that graph's inputs or initializers. No gradient.
     */
    record Loop(Graph body, long tripCount) implements ControlFlowOps {
        public Loop {
            if (tripCount < 1) {
                throw new GraphBuildException("Loop: trip count " + tripCount + " must be at least 1");
            }
        }

        @Override
        public OnnxOperator schema() {
            return OnnxOperator.LOOP;
        }

        /** How many values the body carries from one iteration to the next. */
        public int carriedCount() {
            return body.inputs().size() - 2;
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            List<Value> bodyIn = body.inputs();
            List<Value> bodyOut = List.copyOf(body.outputs().values());
            int carried = carriedCount();
            if (carried < 0 || bodyOut.size() < carried + 1) {
                throw new GraphBuildException("Loop: body '" + body.name() + "' needs inputs (iteration, condition,"
                        + " carried...) and outputs (condition, carried..., scans...); it has " + bodyIn.size()
                        + " inputs and " + bodyOut.size() + " outputs");
            }
            Checks.arity(this, in, 2 + carried);
            requireScalar(in.get(0), DType.INT64, "trip count");
            requireScalar(in.get(1), DType.BOOL, "condition");
            requireScalar(bodyIn.get(0), DType.INT64, "body iteration input");
            requireScalar(bodyIn.get(1), DType.BOOL, "body condition input");
            requireScalar(bodyOut.get(0), DType.BOOL, "body condition output");
            Graph outerGraph = in.get(0).graph();
            for (Value ref : body.outerValues().values()) {
                if (ref.graph() != outerGraph) {
                    throw new GraphBuildException("Loop: body '" + body.name() + "' reads " + ref
                            + ", which is not a value of graph '" + outerGraph.name() + "'");
                }
            }
            List<ValueType> out = new ArrayList<>();
            for (int i = 0; i < carried; i++) {
                ValueType initial = in.get(2 + i).type();
                ValueType declared = bodyIn.get(2 + i).type();
                ValueType next = bodyOut.get(1 + i).type();
                if (!initial.shape().equals(declared.shape()) || initial.dtype() != declared.dtype()
                        || !next.shape().equals(declared.shape()) || next.dtype() != declared.dtype()) {
                    throw new GraphBuildException("Loop: carried value " + i + " (" + bodyIn.get(2 + i)
                            + "): initial " + in.get(2 + i) + " and next " + bodyOut.get(1 + i) + " must match it");
                }
                out.add(ValueType.of(declared.dtype(), declared.shape()));
            }
            for (Value scan : bodyOut.subList(1 + carried, bodyOut.size())) {
                List<Dim> dims = new ArrayList<>();
                dims.add(Dim.of(tripCount));
                dims.addAll(scan.shape().dims());
                out.add(ValueType.of(scan.dtype(), new Shape(dims)));
            }
            return out;
        }

        private void requireScalar(Value v, DType dtype, String role) {
            if (v.dtype() != dtype || v.rank() != 0) {
                throw new GraphBuildException("Loop: " + role + " " + v + " must be a rank-0 " + dtype);
            }
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(AttributeProto.newBuilder().setName("body").setType(AttributeType.GRAPH)
                    .setG(OnnxEmitter.subgraph(body)).build());
        }
    }
}
