package org.hyperdas.runtime.feeds;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Every feed of the project's graphs, in one place: the graph builders declare their inputs from
 * these, the batcher keys its tensors by them, the trainer and the exported-model loader feed by
 * them.
 *
 * <p>Two families share some names. The pair graphs (intervention, HyperDAS, their exports) feed
 * {@link #TARGET_INPUTS}, {@link #INTERVENTION_INPUTS}, {@link #HYPERNETWORK_INPUTS},
 * {@link #LABELS} and {@link #TRAINING_INPUTS}; {@link #byName} looks up among those. The
 * language-model graphs (a plain target, the knowledge model, the causal-LM loss) feed
 * {@link #LANGUAGE_MODEL_INPUTS}, whose {@code labels} and float {@code label_mask} are not the
 * pair graphs' int64 label mask; {@link #languageModelFeed} looks up among those.
 */
public final class FeedSchema {
    /** The batch axis, first of every per-example feed. */
    public static final String BATCH = "batch";

    // ---- target inputs: the prompts the target model reads ----
    /** BOS + base prompt + label tokens (teacher forcing), right padded. */
    public static final Feed BASE_IDS = Feed.int64("base_ids", BATCH, "base_seq");
    /** Attention mask of {@link #BASE_IDS}: 1 on real tokens. */
    public static final Feed BASE_MASK = Feed.int64("base_mask", BATCH, "base_seq");
    /** BOS + source prompt. */
    public static final Feed SOURCE_IDS = Feed.int64("source_ids", BATCH, "source_seq");
    public static final Feed SOURCE_MASK = Feed.int64("source_mask", BATCH, "source_seq");

    // ---- intervention inputs: where the intervention writes ----
    /** Base position of each intervention site. */
    public static final Feed BASE_POSITIONS = Feed.int64("base_positions", BATCH, "sites");
    /** Source position read at each site. */
    public static final Feed SOURCE_POSITIONS = Feed.int64("source_positions", BATCH, "sites");
    /** 1 on the sites in use. */
    public static final Feed SITE_MASK = Feed.int64("site_mask", BATCH, "sites");
    /** 1 on BOS .. last base-entity token: the base positions HyperDAS may write and see. */
    public static final Feed BASE_INTERVENTION_MASK = Feed.int64("base_intervention_mask", BATCH, "base_seq");
    /** 1 on BOS .. last source-entity token. */
    public static final Feed SOURCE_INTERVENTION_MASK = Feed.int64("source_intervention_mask", BATCH, "source_seq");
    /** A given HyperDAS selection (mode GIVEN; in the compute dtype); row source_seq is SELF. */
    public static final Feed SELECTION_INPUT = Feed.float32("selection_input", BATCH, "source_seq+1", "base_seq");

    // ---- hypernetwork inputs ----
    /** BOS + "base entity ; source entity - Attribute". */
    public static final Feed INSTRUCTION_IDS = Feed.int64("instruction_ids", BATCH, "instruction_seq");
    public static final Feed INSTRUCTION_MASK = Feed.int64("instruction_mask", BATCH, "instruction_seq");

    // ---- labels of the pair graphs ----
    /** The expected label's tokens. */
    public static final Feed LABEL_IDS = Feed.int64("label_ids", BATCH, "labels");
    /** The base position whose logits predict each label token (its position - 1); 0 on padding. */
    public static final Feed LABEL_POSITIONS = Feed.int64("label_positions", BATCH, "labels");
    /** 1 on real label tokens. */
    public static final Feed LABEL_MASK = Feed.int64("label_mask", BATCH, "labels");
    /** The HyperDAS graphs' names for the label feeds: the same feeds, the axis called label_len. */
    public static final Feed HYPERDAS_LABEL_IDS = LABEL_IDS.withDims(BATCH, "label_len");
    public static final Feed HYPERDAS_LABEL_MASK = LABEL_MASK.withDims(BATCH, "label_len");
    public static final Feed HYPERDAS_LABEL_POSITIONS = LABEL_POSITIONS.withDims(BATCH, "label_len");

    /**
     * The exported graphs' query: per example, the base positions whose next-token logits to
     * compute (only those go through the final norm and the LM head); fed by the caller, in no list.
     */
    public static final Feed LOGIT_POSITIONS = Feed.int64("logit_positions", BATCH, "positions");

    // ---- training inputs ----
    /** Per-example loss weights (the intervention graph: in its compute dtype). */
    public static final Feed EXAMPLE_WEIGHTS = Feed.float32("example_weights", BATCH);
    /** 1 for cause pairs, 0 for isolate pairs (HyperDAS loss weights). */
    public static final Feed IS_CAUSE = Feed.int64("is_cause", BATCH);
    /** HyperDAS sparsity-loss weight of the step (in the compute dtype). */
    public static final Feed SPARSITY_WEIGHT = Feed.float32("sparsity_weight");
    /** HyperDAS mask-subspace ablation: the mask's temperature at the step (in the compute dtype). */
    public static final Feed SUBSPACE_TEMPERATURE = Feed.float32("subspace_temperature");
    /** HyperDAS random-order ablation: 1 when the step's pair features are [source ; base], 0 for [base ; source]. */
    public static final Feed PAIR_ORDER_SWAPPED = Feed.int64("pair_order_swapped");

    // ---- language-model graphs ----
    /** Token ids of a plain Llama (the Hugging Face name). */
    public static final Feed INPUT_IDS = Feed.int64("input_ids", BATCH, "seq");
    public static final Feed ATTENTION_MASK = Feed.int64("attention_mask", BATCH, "seq");
    /** The knowledge model's label tokens, [batch, labels], at {@link #LABEL_POSITIONS}. */
    public static final Feed TOKEN_LABELS = Feed.int64("labels", BATCH, "labels");
    /** The knowledge model's label mask, float32 (1 on real label tokens). */
    public static final Feed TOKEN_LABEL_MASK = Feed.float32("label_mask", BATCH, "labels");
    /** The causal-LM loss's next-token labels, one per position. */
    public static final Feed NEXT_TOKEN_LABELS = Feed.int64("labels", BATCH, "seq");
    /** The causal-LM loss's mask (in the compute dtype). */
    public static final Feed NEXT_TOKEN_LABEL_MASK = Feed.float32("label_mask", BATCH, "seq");

    public static final List<Feed> TARGET_INPUTS = List.of(BASE_IDS, BASE_MASK, SOURCE_IDS, SOURCE_MASK);
    public static final List<Feed> INTERVENTION_INPUTS = List.of(BASE_POSITIONS, SOURCE_POSITIONS, SITE_MASK,
            BASE_INTERVENTION_MASK, SOURCE_INTERVENTION_MASK, SELECTION_INPUT);
    public static final List<Feed> HYPERNETWORK_INPUTS = List.of(INSTRUCTION_IDS, INSTRUCTION_MASK);
    public static final List<Feed> LABELS = List.of(LABEL_IDS, LABEL_POSITIONS, LABEL_MASK);
    public static final List<Feed> TRAINING_INPUTS = List.of(EXAMPLE_WEIGHTS, IS_CAUSE, SPARSITY_WEIGHT,
            SUBSPACE_TEMPERATURE, PAIR_ORDER_SWAPPED);
    public static final List<Feed> LANGUAGE_MODEL_INPUTS = List.of(INPUT_IDS, ATTENTION_MASK, TOKEN_LABELS,
            LABEL_POSITIONS, TOKEN_LABEL_MASK, EXAMPLE_WEIGHTS, NEXT_TOKEN_LABELS, NEXT_TOKEN_LABEL_MASK);

    /** RAVEL's scoring: an answer is correct when its first 3 label tokens are all predicted. */
    public static final int SCORED_LABEL_TOKENS = 3;

    private FeedSchema() {
    }

    /** The feeds of the pair graphs, each name once. */
    public static List<Feed> pairGraphFeeds() {
        return Stream.of(TARGET_INPUTS, INTERVENTION_INPUTS, HYPERNETWORK_INPUTS, LABELS, TRAINING_INPUTS)
                .flatMap(List::stream).toList();
    }

    /** The pair-graph feed named {@code name} (with its canonical dims). */
    public static Optional<Feed> byName(String name) {
        return find(pairGraphFeeds(), name);
    }

    /**
     * The language-model feeds named {@code name}: two for {@code labels} and {@code label_mask}
     * (per label position in the knowledge model, per token in the causal-LM loss).
     */
    public static List<Feed> languageModelFeed(String name) {
        List<Feed> out = new ArrayList<>();
        for (Feed f : LANGUAGE_MODEL_INPUTS) {
            if (f.name().equals(name)) {
                out.add(f);
            }
        }
        return List.copyOf(out);
    }

    private static Optional<Feed> find(List<Feed> feeds, String name) {
        return feeds.stream().filter(f -> f.name().equals(name)).findFirst();
    }
}
