package org.hyperdas.evaluation.pairs;

import org.hyperdas.evaluation.ravel.Split;

/**
 * The pair splits of the RAVEL protocol: which entity split and which template split both the
 * base and the source of a pair are drawn from. "Entity" test: train templates, unseen entities;
 * "context" test: unseen templates, train entities. The val variants mirror the test ones.
 *
 * <p>The HyperDAS paper's test set is unseen templates with seen entities, i.e. {@link #TEST_CONTEXT}
 * ({@link #PAPER_TEST}); {@link #TEST_ENTITY} has no counterpart there.
 */
public enum PairSplit {
    TRAIN("train", Split.TRAIN, Split.TRAIN),
    TEST_ENTITY("test_entity", Split.TEST, Split.TRAIN),
    TEST_CONTEXT("test_context", Split.TRAIN, Split.TEST),
    VAL_ENTITY("val_entity", Split.VAL, Split.TRAIN),
    VAL_CONTEXT("val_context", Split.TRAIN, Split.VAL);

    /** The split whose examples match the HyperDAS paper's test set. */
    public static final PairSplit PAPER_TEST = TEST_CONTEXT;

    private final String label;
    private final Split entities;
    private final Split templates;

    PairSplit(String label, Split entities, Split templates) {
        this.label = label;
        this.entities = entities;
        this.templates = templates;
    }

    /** Name in the Arrow column {@code split} and in file names. */
    public String label() {
        return label;
    }

    /** The entity split that bases and sources come from. */
    public Split entitySplit() {
        return entities;
    }

    /** The template split that base and source templates come from. */
    public Split templateSplit() {
        return templates;
    }

    public boolean isTraining() {
        return this == TRAIN;
    }

    /** Whether a split label names the split that matches the paper's test set. */
    public static boolean isPaperTest(String label) {
        return PAPER_TEST.label.equals(label);
    }

    /** Parses a label such as "test_entity"; null when unknown. */
    public static PairSplit parseOrNull(String s) {
        for (PairSplit p : values()) {
            if (p.label.equals(s)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return label;
    }
}
