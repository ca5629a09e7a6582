package org.hyperdas.graphs.ops;

import static org.hyperdas.graphs.ops.GradientSupport.unbroadcast;

import ai.onnx.proto.OnnxMl.AttributeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hyperdas.graphs.Dim;
import org.hyperdas.graphs.GraphBuildException;
import org.hyperdas.graphs.Node;
import org.hyperdas.graphs.Op;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.graphs.ValueType;

/** MatMul and the softmax family. */
public final class LinalgOps {
    private LinalgOps() {
    }

    /** numpy matmul: a 1-D left operand gets a leading 1, a 1-D right one a trailing 1 (both removed after). */
    public record MatMul() implements Op {
        @Override
        public String type() {
            return "MatMul";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 2);
            Value a = in.get(0);
            Value b = in.get(1);
            Checks.dtype(this, a, Checks.NUMERIC);
            Checks.sameDType(this, a, b);
            if (a.rank() == 0 || b.rank() == 0) {
                throw new GraphBuildException("MatMul: scalar operand: " + a.shape() + " x " + b.shape());
            }
            Shape a2 = a.rank() == 1 ? Shape.of(1, a.shape().dim(0)) : a.shape();
            Shape b2 = b.rank() == 1 ? Shape.of(b.shape().dim(0), 1) : b.shape();
            if (!a2.dim(a2.rank() - 1).equals(b2.dim(b2.rank() - 2))) {
                throw new GraphBuildException("MatMul: inner dims differ: " + a.shape() + " x " + b.shape());
            }
            Shape batch;
            try {
                batch = Shape.broadcast("MatMul", batchOf(a2), batchOf(b2));
            } catch (GraphBuildException e) {
                throw new GraphBuildException("MatMul: batch dims do not broadcast: " + a.shape() + " x " + b.shape());
            }
            List<Dim> out = new ArrayList<>(batch.dims());
            if (a.rank() > 1) {
                out.add(a2.dim(a2.rank() - 2));
            }
            if (b.rank() > 1) {
                out.add(b2.dim(b2.rank() - 1));
            }
            return List.of(ValueType.of(a.dtype(), new Shape(out)));
        }

        private static Shape batchOf(Shape s) {
            return new Shape(s.dims().subList(0, s.rank() - 2));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return true;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Value a = node.input(0);
            Value b = node.input(1);
            Value g = grads.get(0);
            boolean aVector = a.rank() == 1;
            boolean bVector = b.rank() == 1;
            // Work on the promoted (>= 2-D) forms, then drop the promoted axes again.
            Value a2 = aVector ? a.unsqueeze(0) : a;
            Value b2 = bVector ? b.unsqueeze(1) : b;
            Value g2 = g;
            if (aVector && bVector) {
                g2 = g.unsqueeze(0, 1);
            } else if (aVector) {
                g2 = g.unsqueeze(g.rank() - 1);
            } else if (bVector) {
                g2 = g.unsqueeze(g.rank());
            }
            Value ga = null;
            Value gb = null;
            if (wanted[0]) {
                ga = unbroadcast(g2.matmul(b2.transposeLastTwo()), a2.shape());
                ga = aVector ? ga.squeeze(0) : ga;
            }
            if (wanted[1]) {
                if (b2.rank() == 2 && a2.rank() > 2 && b2.shape().isStatic()) {
                    // A matrix shared by a batch of rows (a Linear layer on [batch, seq, in]): fold the
                    // batch into the rows and make one GEMM, instead of a product per batch element
                    // summed afterwards (which also materialises [batch, k, n]).
                    long k = b2.shape().dim(0).size();
                    long n = b2.shape().dim(1).size();
                    gb = a2.reshape(-1, k).transposeLastTwo().matmul(g2.reshape(-1, n));
                } else {
                    gb = unbroadcast(a2.transposeLastTwo().matmul(g2), b2.shape());
                }
                gb = bVector ? gb.squeeze(1) : gb;
            }
            return Arrays.asList(ga, gb);
        }
    }

    /** Softmax or LogSoftmax along one axis. */
    public record Softmax(int axis, boolean log) implements Op {
        @Override
        public String type() {
            return log ? "LogSoftmax" : "Softmax";
        }

        @Override
        public List<ValueType> inferTypes(List<Value> in) {
            Checks.arity(this, in, 1);
            Checks.dtype(this, in.get(0), Checks.FLOATS);
            Shape.normalizeAxis(type(), axis, in.get(0).rank());
            return List.of(in.get(0).type());
        }

        @Override
        public List<AttributeProto> attributes() {
            return List.of(Attrs.intAttr("axis", axis));
        }

        @Override
        public boolean isDifferentiable(int index) {
            return true;
        }

        @Override
        public List<Value> vjp(Node node, List<Value> grads, boolean[] wanted) {
            Value g = grads.get(0);
            Value y = node.output(0);
            if (log) {
                return List.of(g.sub(y.exp().mul(g.reduceSum(true, axis))));
            }
            return List.of(y.mul(g.sub(g.mul(y).reduceSum(true, axis))));
        }
    }
}
