package org.hyperdas.graphs.hyperdas;

import java.util.Locale;
import org.hyperdas.runtime.BadInputException;

/**
 * Whether the hypernetwork trains its own copy of the target's token embedding (the reference's
 * model) or reads the target's embedding matrix, frozen. On Llama 3 the embedding (vocab 128256 x
 * hidden) is the largest trainable tensor by far; freezing it saves its value, AdamW moments,
 * gradient, the zeros its Gather gradient is scattered into and the AdamW temporaries sized by it.
 */
public enum HypernetEmbedding {
    /** {@code hypernet.model.embed_tokens.weight}, a trained copy of the target's embedding (the reference). */
    TRAINABLE,
    /** The target's own {@code model.embed_tokens.weight}, not trained: no hypernetwork embedding parameter. */
    FROZEN;

    /** The command-line option that sets it. */
    public static final String OPTION = "--hypernet-embedding";

    /** The option value and the saved-config value, e.g. {@code frozen}. */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** From an option or saved value (trainable or frozen); null gives {@link #TRAINABLE}, the reference's. */
    public static HypernetEmbedding parse(String value) {
        if (value == null) {
            return TRAINABLE;
        }
        for (HypernetEmbedding e : values()) {
            if (e.optionName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new BadInputException(OPTION + ": '" + value + "': expected trainable or frozen");
    }
}
