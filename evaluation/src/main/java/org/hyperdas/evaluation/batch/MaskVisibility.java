package org.hyperdas.evaluation.batch;

/**
 * How much of a prompt the intervention masks cover, i.e. what the hypernetwork may read and
 * where the selection may put the intervention. Off (the default, as in the HyperDAS reference):
 * BOS through the entity's last token. On: the whole prompt (the base prompt's label tokens stay
 * hidden); the reference's RAVEL-Full analysis turns both on.
 *
 * @param baseSuffix the base mask covers the text after the base entity too
 * @param sourceSuffix the source mask covers the text after the source entity too
 */
public record MaskVisibility(boolean baseSuffix, boolean sourceSuffix) {
    /** BOS .. last entity token on both sides. */
    public static final MaskVisibility ENTITY = new MaskVisibility(false, false);

    /** "entity" or e.g. "base suffix, source suffix", for logs and config files. */
    public String describe() {
        if (!baseSuffix && !sourceSuffix) {
            return "entity";
        }
        return baseSuffix && sourceSuffix ? "base suffix, source suffix" : baseSuffix ? "base suffix" : "source suffix";
    }
}
