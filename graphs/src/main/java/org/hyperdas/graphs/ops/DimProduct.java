package org.hyperdas.graphs.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hyperdas.graphs.Dim;

/**
 * A product of dims as a static coefficient times symbols ("batch*seq" is 1 x {batch, seq}), so
 * that Reshape can infer its -1 entry symbolically: [batch,seq,64] -> [-1,64] gives "batch*seq",
 * and [batch*seq,64] -> [-1,seq,64] gives "batch" back.
 */
record DimProduct(long coefficient, List<String> symbols) {

    DimProduct {
        List<String> sorted = new ArrayList<>(symbols);
        Collections.sort(sorted);
        symbols = List.copyOf(sorted);
    }

    static DimProduct of(List<Dim> dims) {
        long coefficient = 1;
        List<String> symbols = new ArrayList<>();
        for (Dim d : dims) {
            if (d instanceof Dim.Static s) {
                coefficient *= s.size();
                continue;
            }
            for (String factor : ((Dim.Symbolic) d).name().split("\\*")) {
                if (factor.chars().allMatch(Character::isDigit)) {
                    coefficient *= Long.parseLong(factor);
                } else {
                    symbols.add(factor);
                }
            }
        }
        return new DimProduct(coefficient, symbols);
    }

    /** this / divisor when it divides exactly, else null. */
    DimProduct divide(DimProduct divisor) {
        if (divisor.coefficient == 0 || coefficient % divisor.coefficient != 0) {
            return null;
        }
        List<String> rest = new ArrayList<>(symbols);
        for (String s : divisor.symbols) {
            if (!rest.remove(s)) {
                return null;
            }
        }
        return new DimProduct(coefficient / divisor.coefficient, rest);
    }

    Dim toDim() {
        if (symbols.isEmpty()) {
            return Dim.of(coefficient);
        }
        String product = String.join("*", symbols);
        return Dim.of(coefficient == 1 ? product : coefficient + "*" + product);
    }
}
