package org.hyperdas.evaluation.pairs;

/**
 * Where an answer starts after its prompt: the one rule every teacher-forced text of the project
 * follows (pair labels, the knowledge filter and probe, the knowledge model's corpus, scoring).
 *
 * <p>The answer gets a leading space unless the prompt already ends in a space, a double or
 * single quote, or an opening parenthesis, as in the HyperDAS reference data: RAVEL has many
 * templates that end inside a quoted JSON value ({@code ..."country": "%s"} style, e.g. 128 of
 * the 273 city templates end in a quote), where a space before the value would put the model
 * off its own distribution.
 */
public final class LabelSpace {
    private LabelSpace() {
    }

    /** "" when the prompt ends in a space, {@code "}, {@code '} or {@code (}; otherwise " ". */
    public static String separator(String prompt) {
        if (prompt.isEmpty()) {
            return " ";
        }
        char last = prompt.charAt(prompt.length() - 1);
        return last == ' ' || last == '"' || last == '\'' || last == '(' ? "" : " ";
    }

    /** The teacher-forced text: prompt, separator, label. */
    public static String join(String prompt, String label) {
        return prompt + separator(prompt) + label;
    }
}
