package org.hyperdas.graphs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hyperdas.graphs.ops.ElementwiseOps;
import org.hyperdas.graphs.ops.Gradients;
import org.hyperdas.graphs.ops.OnnxOp;
import org.hyperdas.graphs.ops.OnnxOperator;
import org.junit.jupiter.api.Test;

/**
 * The operator table against the sealed op hierarchy and the gradient registry. The
 * finite-difference coverage of the differentiable operators is
 * {@link GradientCheckTest#everyDifferentiableOperatorHasACase}.
 */
class OpTableTest {

    /** The leaves (records and enums) under the sealed root, found through the permits clauses. */
    private static Set<Class<?>> leafOpClasses() {
        Set<Class<?>> leaves = new LinkedHashSet<>();
        List<Class<?>> pending = new ArrayList<>(List.of(OnnxOp.class));
        while (!pending.isEmpty()) {
            Class<?> c = pending.remove(pending.size() - 1);
            if (c.isSealed()) {
                pending.addAll(Arrays.asList(c.getPermittedSubclasses()));
            } else {
                leaves.add(c);
            }
        }
        return leaves;
    }

    @Test
    void everyOpClassIsDeclaredAndEveryDeclarationNamesAnOpClass() {
        Set<Class<?>> leaves = leafOpClasses();
        Set<Class<?>> declared = Arrays.stream(OnnxOperator.values()).map(OnnxOperator::implementation)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        assertEquals(leaves, declared);
        assertTrue(leaves.size() >= 20, "found only " + leaves);
    }

    /** Each constant of an enum op kind points at its own declaration, and no declaration is left over. */
    @Test
    void enumOpsMapOneToOneOntoTheirDeclarations() {
        for (Class<?> leaf : leafOpClasses()) {
            if (!leaf.isEnum()) {
                continue;
            }
            Set<OnnxOperator> fromConstants = EnumSet.noneOf(OnnxOperator.class);
            for (Object constant : leaf.getEnumConstants()) {
                OnnxOperator schema = ((Op) constant).schema();
                assertEquals(leaf, schema.implementation(), constant + " points at " + schema);
                assertTrue(fromConstants.add(schema), schema + " is used by two constants of " + leaf);
            }
            Set<OnnxOperator> declared = Arrays.stream(OnnxOperator.values())
                    .filter(op -> op.implementation() == leaf)
                    .collect(Collectors.toCollection(() -> EnumSet.noneOf(OnnxOperator.class)));
            assertEquals(declared, fromConstants, leaf.getSimpleName());
        }
    }

    @Test
    void differentiableOperatorsAreExactlyThoseWithGradientRules() {
        List<String> problems = new ArrayList<>();
        for (OnnxOperator op : OnnxOperator.values()) {
            boolean differentiable = !op.differentiable().isEmpty();
            boolean hasRule = Gradients.operatorsWithRules().contains(op);
            if (differentiable && !hasRule) {
                problems.add(op + " is declared differentiable but has no gradient rule");
            }
            if (hasRule && !differentiable) {
                problems.add(op + " has a gradient rule but no differentiable inputs");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void declarationsAreConsistent() {
        Set<String> types = new LinkedHashSet<>();
        for (OnnxOperator op : OnnxOperator.values()) {
            assertTrue(types.add(op.domain() + "::" + op.opType()), op + ": op type declared twice");
            assertTrue(op.sinceVersion() >= 1 && op.sinceVersion() <= Graph.DEFAULT_OPSET,
                    op + ": opset " + op.sinceVersion() + " outside 1.." + Graph.DEFAULT_OPSET);
            assertTrue(op.inputs().min() >= 1 && op.inputs().min() <= op.inputs().max(), op + ": inputs " + op.inputs());
            assertTrue(op.outputs().min() >= 1 && op.outputs().min() <= op.outputs().max(), op + ": outputs");
            for (int i : op.differentiable().indices()) {
                assertTrue(i < op.inputs().max(), op + ": differentiable input " + i + " beyond its inputs");
            }
        }
    }

    @Test
    void aNodeIsCheckedAgainstItsDeclarationWhenAdded() {
        Graph g = new Graph("g");
        Value x = g.input("x", DType.FLOAT32, Shape.of(2));
        GraphBuildException arity = assertThrows(GraphBuildException.class,
                () -> g.apply(ElementwiseOps.Binary.ADD, x));
        assertEquals("Add: expects 2 inputs, got 1", arity.getMessage());
        assertEquals(0, g.nodes().size());

        AttributeProto axis = AttributeProto.newBuilder().setName("axis").setType(AttributeType.INT).setI(0).build();
        GraphBuildException attribute = assertThrows(GraphBuildException.class,
                () -> OnnxOperator.ADD.checkNode(ElementwiseOps.Binary.ADD, 2, 1, List.of(axis)));
        assertTrue(attribute.getMessage().startsWith("Add: attribute 'axis' of kind INT is not declared"),
                attribute.getMessage());
        AttributeProto wrongKind = AttributeProto.newBuilder().setName("to").setType(AttributeType.FLOAT).build();
        assertThrows(GraphBuildException.class,
                () -> OnnxOperator.CAST.checkNode(new ElementwiseOps.Cast(DType.FLOAT32), 1, 1, List.of(wrongKind)));
        assertThrows(GraphBuildException.class,
                () -> OnnxOperator.ADD.checkNode(ElementwiseOps.Unary.NEG, 2, 1, List.of()));
        assertThrows(GraphBuildException.class,
                () -> OnnxOperator.ADD.checkNode(ElementwiseOps.Binary.ADD, 2, 2, List.of()));
        OnnxOperator.CAST.checkNode(new ElementwiseOps.Cast(DType.FLOAT32), 1, 1,
                new ElementwiseOps.Cast(DType.FLOAT32).attributes());
    }

    @Test
    void anOperatorWithoutARuleIsReportedByAutodiff() {
        Graph g = new Graph("g");
        Value x = g.input("x", DType.FLOAT64, Shape.of(3));
        Value y = x.sign().reduceSum(false);
        GraphBuildException e = assertThrows(GraphBuildException.class, () -> Autodiff.gradients(y, List.of(x)));
        assertTrue(e.getMessage().contains("passes through Sign"), e.getMessage());
    }
}
