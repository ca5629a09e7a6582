package org.hyperdas.graphs.ops;

import static org.hyperdas.graphs.ops.Gradients.firstOnly;
import static org.hyperdas.graphs.ops.GradientSupport.shapeTensor;
import static org.hyperdas.graphs.ops.GradientSupport.unbroadcast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;

/** The gradient rules of {@link Gradients} that take more than a few lines. */
final class StructuralGradients {
    private StructuralGradients() {
    }

    static List<Value> matMul(Node node, List<Value> grads, boolean[] wanted) {
        Value a = node.input(0);
        Value b = node.input(1);
        Value g = grads.get(0);
        Value ga = null;
        Value gb = null;
        if (wanted[0]) {
            ga = unbroadcast(g.matmul(b.transposeLastTwo()), a.shape());
        }
        if (wanted[1]) {
            if (b.rank() == 2 && b.shape().isStatic()) {
                // A matrix shared by a batch of rows (a Linear layer on [batch, seq, in]): fold the
                // batch into the rows and make one GEMM, instead of a product per batch element
                // summed afterwards (which also materialises [batch, k, n]).
                long k = b.shape().dim(0).size();
                long n = b.shape().dim(1).size();
                Value rows = a.rank() == 2 ? a : a.reshape(-1, k);
                Value gRows = g.rank() == 2 ? g : g.reshape(-1, n);
                if (b.producer() != null && b.producer().op() instanceof ShapeOps.Transpose) {
                    // b = Transpose(W), W [n, k] (a Linear's torch-layout weight): compute W's
                    // gradient g^T a in W's own layout and return its transpose, which the
                    // Transpose's VJP undoes without a node. No gradient-sized Transpose runs.
                    gb = gRows.transposeLastTwo().matmul(rows).transposeLastTwo();
                } else {
                    gb = rows.transposeLastTwo().matmul(gRows);
                }
            } else {
                gb = unbroadcast(a.transposeLastTwo().matmul(g), b.shape());
            }
        }
        return Arrays.asList(ga, gb);
    }

    /** Sum: expand back; mean: expand and divide; max: ties share the gradient equally, like torch.amax. */
    static List<Value> reduce(ReductionOps.Reduce op, Node node, List<Value> grads, boolean[] wanted) {
        Value x = node.input(0);
        Graph graph = x.graph();
        Value gKept = op.keptDims(grads.get(0));
        Value xShape = shapeTensor(graph, x.shape(), x);
        Value gx = switch (op.kind()) {
            case SUM -> gKept.expand(xShape);
            case MEAN -> gKept.expand(xShape).div(op.reducedCount(x, node.output(0)));
            case MAX -> {
                Value hits = x.equal(op.keptDims(node.output(0))).cast(x.dtype());
                Value ties = hits.reduceSum(true, op.axesArray());
                yield hits.mul(gKept.div(ties));
            }
        };
        return Arrays.asList(gx, null);
    }

    /** Splits the gradient at the inputs' sizes along the axis. */
    static List<Value> concat(ShapeOps.Concat op, Node node, List<Value> grads, boolean[] wanted) {
        Graph graph = node.output(0).graph();
        int a = Shape.normalizeAxis(op.type(), op.axis(), node.input(0).rank());
        List<Value> in = node.inputs();
        Value sizes = shapeTensor(graph, new Shape(in.stream().map(v -> v.shape().dim(a)).toList()),
                in.toArray(Value[]::new));
        List<Value> pieces = grads.get(0).split(a, sizes, in.size());
        List<Value> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            out.add(wanted[i] ? pieces.get(i) : null);
        }
        return out;
    }

    /**
     * Static dims with step 1 (the common case, e.g. halves for RoPE): zero-pad the gradient
     * back. Otherwise scatter it, axis by axis, into zeros at the sliced positions (a Range of
     * the dim, sliced like the forward).
     */
    static List<Value> slice(ShapeOps.Slice op, Node node, List<Value> grads, boolean[] wanted) {
        Value x = node.input(0);
        Value g = grads.get(0);
        Graph graph = x.graph();
        int r = x.rank();
        List<Integer> axes = op.axes();
        boolean padable = true;
        for (int k = 0; k < axes.size(); k++) {
            padable &= op.steps().get(k) == 1 && x.shape().dim(axes.get(k)).isStatic();
        }
        if (padable) {
            long[] pads = new long[2 * r];
            for (int k = 0; k < axes.size(); k++) {
                int a = axes.get(k);
                long dim = x.shape().dim(a).size();
                long[] sl = ShapeInference.resolveSlice(dim, op.starts().get(k), op.ends().get(k), 1);
                pads[a] = sl[0];
                pads[a + r] = dim - sl[0] - sl[1];
            }
            return firstOnly(g.pad(pads), 5);
        }
        Value acc = g;
        for (int k = 0; k < axes.size(); k++) {
            int a = axes.get(k);
            if (op.starts().get(k) == 0 && op.ends().get(k) >= ShapeOps.Slice.TO_END && op.steps().get(k) == 1) {
                continue;
            }
            Value zero = graph.scalar(0, DType.INT64);
            Value one = graph.scalar(1, DType.INT64);
            Value positions = graph.range(zero, GradientSupport.dimScalar(x, a), one)
                    .slice(new long[] {op.starts().get(k)}, new long[] {op.ends().get(k)}, new int[] {0},
                            new long[] {op.steps().get(k)});
            int[] others = new int[r - 1];
            for (int j = 0, o = 0; j < r; j++) {
                if (j != a) {
                    others[o++] = j;
                }
            }
            Value index = positions.unsqueeze(others).expand(shapeTensor(graph, acc.shape(), acc));
            Shape full = acc.shape().withDim(a, x.shape().dim(a));
            acc = graph.zeros(shapeTensor(graph, full, acc, x), g.dtype()).scatterElements(index, acc, a, "none");
        }
        return firstOnly(acc, 5);
    }

    /** Cuts the padding off each padded axis with a Split whose middle piece has exactly the input's dim. */
    static List<Value> pad(ShapeOps.Pad op, Node node, List<Value> grads, boolean[] wanted) {
        Value x = node.input(0);
        int r = x.rank();
        Value acc = grads.get(0);
        for (int i = 0; i < r; i++) {
            long begin = op.pads().get(i);
            long end = op.pads().get(i + r);
            if (begin == 0 && end == 0) {
                continue;
            }
            List<Dim> parts = new ArrayList<>();
            if (begin > 0) {
                parts.add(Dim.of(begin));
            }
            int keep = parts.size();
            parts.add(x.shape().dim(i));
            if (end > 0) {
                parts.add(Dim.of(end));
            }
            acc = acc.split(i, shapeTensor(x.graph(), new Shape(parts), x), parts.size()).get(keep);
        }
        return firstOnly(acc, 2);
    }

    /**
     * Scatters with reduction "add" (ScatterND, opset 18), which ONNX Runtime's CPU kernel runs
     * in float32 and float64 and which sums repeated indices; indices must be non-negative for it.
     */
    static List<Value> gather(IndexOps.Gather op, Node node, List<Value> grads, boolean[] wanted) {
        Value data = node.input(0);
        Value indices = node.input(1);
        Value g = grads.get(0);
        Graph graph = data.graph();
        int r = data.rank();
        int q = indices.rank();
        int a = Shape.normalizeAxis(op.type(), op.axis(), r);
        // Scatter along axis 0: bring the indexed axis of data, and the index dims of g, to the front.
        int[] gradPerm = new int[g.rank()];
        int p = 0;
        for (int i = a; i < a + q; i++) {
            gradPerm[p++] = i;
        }
        for (int i = 0; i < a; i++) {
            gradPerm[p++] = i;
        }
        for (int i = a + q; i < g.rank(); i++) {
            gradPerm[p++] = i;
        }
        int[] dataPerm = new int[r];
        dataPerm[0] = a;
        for (int i = 0, j = 1; i < r; i++) {
            if (i != a) {
                dataPerm[j++] = i;
            }
        }
        Value updates = g.transpose(gradPerm); // no node when gradPerm is the identity
        List<Dim> frontDims = Arrays.stream(dataPerm).mapToObj(i -> data.shape().dim(i)).toList();
        Value zeros = graph.zeros(shapeTensor(graph, new Shape(frontDims), data), g.dtype());
        Value index64 = indices.dtype() == DType.INT64 ? indices : indices.cast(DType.INT64);
        Value scattered = zeros.scatterND(index64.unsqueeze(q), updates, "add");
        int[] inverse = new int[r];
        for (int i = 0; i < r; i++) {
            inverse[dataPerm[i]] = i;
        }
        return Arrays.asList(scattered.transpose(inverse), null); // no node when dataPerm is the identity
    }
}
