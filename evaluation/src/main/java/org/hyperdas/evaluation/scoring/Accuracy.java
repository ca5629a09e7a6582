package org.hyperdas.evaluation.scoring;

/**
 * A count of correct examples out of a total. {@link #value()} is undefined (NaN) for an empty
 * set; averages skip undefined values.
 */
public record Accuracy(long correct, long total) {
    public static final Accuracy EMPTY = new Accuracy(0, 0);

    public Accuracy {
        if (correct < 0 || total < 0 || correct > total) {
            throw new IllegalArgumentException("accuracy " + correct + " / " + total);
        }
    }

    /** correct / total, NaN when there are no examples. */
    public double value() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    public boolean isDefined() {
        return total > 0;
    }
}
