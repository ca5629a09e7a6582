package org.hyperdas.trainer.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One cell of a sweep: one {@code train} of one configuration into its own folder.
 *
 * @param name the cell's folder name, made of its grid-axis values ("method-mdas_layer-1_seed-0")
 * @param settings every train option of the cell (name without "--" to its value; "true" = a flag
 *        without value), in the grid's order
 * @param axes the names of the options the grid varies
 */
@SuppressWarnings("serial") // the settings and axes are immutable JDK collections, which serialize
public record Cell(String name, Map<String, String> settings, List<String> axes) implements java.io.Serializable {
    public Cell {
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        axes = List.copyOf(axes);
    }

    /** The seed the cell trains with (train's default 0 when the grid gives none). */
    public long seed() {
        return Long.parseLong(settings.getOrDefault("seed", "0"));
    }

    /** This cell with {@code option} set to {@code value} unless the grid set it (a sweep-wide default). */
    public Cell withDefault(String option, String value) {
        if (settings.containsKey(option)) {
            return this;
        }
        Map<String, String> s = new LinkedHashMap<>();
        s.put(option, value);
        s.putAll(settings);
        return new Cell(name, s, axes);
    }

    /** The method the cell trains ("" = train's default). */
    public String method() {
        return settings.getOrDefault("method", "");
    }

    /** The varied values other than method and seed: what tells this cell's configuration apart ("layer=1, k=4"). */
    public String context() {
        return axes.stream().filter(a -> !a.equals("method") && !a.equals("seed"))
                .map(a -> a + "=" + settings.get(a)).collect(Collectors.joining(", "));
    }

    /**
     * The arguments of {@code hyperdas-run} that train this cell into {@code folder}: {@code train},
     * the settings, {@code --out} and {@code --resume} (a cell re-run after a crash continues from its
     * checkpoints, bit for bit the same as an uninterrupted run).
     */
    public List<String> trainArgs(Path folder) {
        List<String> args = new ArrayList<>(List.of("train"));
        settings.forEach((option, value) -> {
            if (value.equals("true")) {
                args.add("--" + option);
            } else if (!value.equals("false")) {
                args.add("--" + option);
                args.add(value);
            }
        });
        args.addAll(List.of("--out", folder.toString(), "--resume"));
        return args;
    }
}
