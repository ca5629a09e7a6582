package org.hyperdas.evaluation.scoring;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * RAVEL scores of one method on one or more pair splits (RAVEL.md): per target attribute Cause
 * (accuracy on cause pairs), Isolate (accuracy on isolate pairs) and Disentangle = (Cause +
 * Isolate) / 2; per entity type the mean over its attributes; overall the mean over entity types.
 * Values are fractions in [0, 1]; NaN where there was nothing to score (averages skip those).
 *
 * @param method the method's label, e.g. "das"
 * @param splits one entry per scored pair split ("test_entity", "test_context", ...)
 */
public record Scores(String method, List<SplitScores> splits) {
    public Scores {
        Objects.requireNonNull(method, "method");
        splits = List.copyOf(splits);
    }

    public Optional<SplitScores> split(String name) {
        return splits.stream().filter(s -> s.split().equals(name)).findFirst();
    }

    /** Cause, Isolate and Disentangle. */
    public record Cid(double cause, double isolate, double disentangle) {
        /** The mean of each component over {@code parts}, skipping NaNs component by component. */
        public static Cid mean(List<Cid> parts) {
            return new Cid(meanOf(parts.stream().mapToDouble(Cid::cause).toArray()),
                    meanOf(parts.stream().mapToDouble(Cid::isolate).toArray()),
                    meanOf(parts.stream().mapToDouble(Cid::disentangle).toArray()));
        }
    }

    /** One target attribute's counts. */
    public record AttributeScores(String attribute, Accuracy cause, Accuracy isolate) {
        public Cid cid() {
            double c = cause.value();
            double i = isolate.value();
            return new Cid(c, i, (c + i) / 2);
        }
    }

    /** One entity type: the mean over its attributes, and the attributes. */
    public record TypeScores(String entityType, Cid cid, List<AttributeScores> attributes) {
        public TypeScores {
            attributes = List.copyOf(attributes);
        }

        public Optional<AttributeScores> attribute(String name) {
            return attributes.stream().filter(a -> a.attribute().equals(name)).findFirst();
        }
    }

    /** One pair split: the mean over entity types, and the entity types. */
    public record SplitScores(String split, Cid overall, List<TypeScores> entityTypes) {
        public SplitScores {
            entityTypes = List.copyOf(entityTypes);
        }

        public Optional<TypeScores> entityType(String name) {
            return entityTypes.stream().filter(t -> t.entityType().equals(name)).findFirst();
        }
    }

    /** The mean of the non-NaN values; NaN when there are none. */
    static double meanOf(double[] values) {
        double sum = 0;
        int n = 0;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
