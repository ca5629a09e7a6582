package org.hyperdas.graphs.nn;

import static org.hyperdas.graphs.FiniteDifference.Fill.POSITIVE;
import static org.hyperdas.graphs.FiniteDifference.in;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.hyperdas.graphs.FiniteDifference;
import org.hyperdas.graphs.HostTensor;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each composite layer, as a whole, against central finite differences on float64 graphs
 * (gradients with respect to every float input; masks, ids and positions are constants).
 */
class LayerGradientCheckTest {
    private static final double TOLERANCE = 1e-5;
    private static final double H = 1e-6;
    private static final Map<String, Double> WORST = new TreeMap<>();

    record Case(String name, List<FiniteDifference.Input> inputs, Function<Map<String, Value>, Value> body) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Shape s(Object... dims) {
        return Shape.of(dims);
    }

    private static Value longs(Value like, long[] values, long... shape) {
        return like.graph().constant(HostTensor.ofLongs(values, shape));
    }

    /** A constant in {@code like}'s dtype (the float32 variant of a case rebuilds everything in float32). */
    private static Value floats(Value like, double[] values, long... shape) {
        return like.graph().constant(HostTensor.ofDoubles(values, shape)).cast(like.dtype());
    }

    static Stream<Case> cases() {
        double[] inv = Rotary.llama3Scaled(Rotary.inverseFrequencies(4, 10000), 8, 1, 4, 64);
        long[] leftPadded = {0, 0, 1, 1, 1, 1, 1, 1, 1, 0};
        return Stream.of(
                new Case("RmsNorm x and weight", List.of(in("x", s(2, 3, 5), 2, 3, 5), in("w", s(5), 5)),
                        v -> RmsNorm.apply(v.get("x"), v.get("w"), 1e-5)),
                new Case("Silu", List.of(in("x", s(3, 4), 3, 4)), v -> Silu.apply(v.get("x"))),
                new Case("Linear [batch,seq,in] with bias", List.of(in("x", s(2, 3, 4), 2, 3, 4),
                        in("w", s(5, 4), 5, 4), in("b", s(5), 5)),
                        v -> Linear.fromHf(v.get("w"), v.get("b")).apply(v.get("x"))),
                new Case("SwiGlu x and all weights", List.of(in("x", s(2, 3, 4), 2, 3, 4), in("gate", s(6, 4), 6, 4),
                        in("up", s(6, 4), 6, 4), in("down", s(4, 6), 4, 6)),
                        v -> SwiGlu.fromHf(v.get("gate"), v.get("up"), v.get("down")).apply(v.get("x"))),
                new Case("Rotary (llama3 scaled)", List.of(in("x", s(2, 3, 4, 4), 2, 3, 4, 4)),
                        v -> Rotary.apply(v.get("x"), Rotary.tables(
                                longs(v.get("x"), new long[] {0, 1, 2, 3, 9, 1, 0, 70}, 2, 4), inv, v.get("x").dtype()))),
                new Case("Attention GQA 4/2, causal + left/right padding",
                        List.of(in("q", s(2, 4, 5, 3), 2, 4, 5, 3), in("k", s(2, 2, 5, 3), 2, 2, 5, 3),
                                in("v", s(2, 2, 5, 3), 2, 2, 5, 3)),
                        v -> {
                            Value mask = longs(v.get("q"), leftPadded, 2, 5);
                            return Attention.apply(v.get("q"), v.get("k"), v.get("v"),
                                    Attention.causalPaddingMask(mask, mask));
                        }),
                new Case("Attention 2 queries over 5 keys (cached keys)",
                        List.of(in("q", s(2, 4, 2, 3), 2, 4, 2, 3), in("k", s(2, 2, 5, 3), 2, 2, 5, 3),
                                in("v", s(2, 2, 5, 3), 2, 2, 5, 3)),
                        v -> {
                            Value mask = longs(v.get("q"), leftPadded, 2, 5);
                            Value queries = longs(v.get("q"), new long[4], 2, 2);
                            return Attention.apply(v.get("q"), v.get("k"), v.get("v"),
                                    Attention.causalPaddingMask(mask, queries));
                        }),
                new Case("CrossEntropy logits and example weights",
                        List.of(in("logits", s(2, 4, 6), 2, 4, 6), in("w", POSITIVE, s(2), 2)),
                        v -> CrossEntropy.atPositions(v.get("logits"),
                                longs(v.get("w"), new long[] {5, 0, 2, 3, 3, 1}, 2, 3),
                                longs(v.get("w"), new long[] {0, 1, 2, 3, 2, 1}, 2, 3),
                                floats(v.get("w"), new double[] {1, 1, 0, 1, 1, 1}, 2, 3), v.get("w"), 2).loss()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientMatchesFiniteDifferences(Case c) throws Exception {
        double worst = FiniteDifference.worstRelativeError(c.inputs(), c.body(), H, c.name().hashCode());
        synchronized (WORST) {
            WORST.put(c.name(), worst);
        }
        assertTrue(worst < TOLERANCE, c + ": worst relative error " + worst);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float32GradientsAgreeWithFloat64(Case c) throws Exception {
        double deviation = FiniteDifference.float32Deviation(c.inputs(), c.body(), c.name().hashCode());
        assertTrue(deviation < 1e-3, c + ": float32 gradients deviate by " + deviation);
    }

    @AfterAll
    static void printTable() {
        StringBuilder table = new StringBuilder("\nComposite layers, finite-difference check (float64, h=1e-6)\n");
        WORST.forEach((name, worst) -> table.append(String.format("%-52s %10.2e%n", name, worst)));
        System.out.println(table);
    }
}
