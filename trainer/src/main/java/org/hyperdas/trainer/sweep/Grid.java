package org.hyperdas.trainer.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.trainer.MethodRegistry;

/**
 * A sweep grid: a JSON object (or the same as YAML, in a *.yaml / *.yml file) whose keys are {@code train} options without the leading dashes
 * ("method", "layer", "k", "seed", "entity-types", "steps", ...; underscores read as dashes) and
 * whose values are either one value (every cell gets it) or an array of values (an axis: the cells
 * are the Cartesian product of the axes, the first key varying slowest). A value is a string, a
 * number or a boolean (true: a flag without value, false: left out); a list-valued option is one
 * string, "city,physical_object".
 *
 * <p>When the grid names the methods and not "baselines", methods that train companions beside
 * them (hyperdas trains mdas) get {@code --baselines none}: every method is a cell of its own.
 */
public final class Grid {
    /** Options a sweep sets itself or that make no sense per cell. */
    public static final Set<String> RESERVED = Set.of("out", "seeds", "resume", "help", "version");

    private Grid() {
    }

    /**
     * Reads and expands a grid file; {@code knownOptions} are train's option names without dashes (null:
     * not checked here, each cell's train refuses an unknown option itself).
     */
    public static List<Cell> read(Path file, Set<String> knownOptions) {
        JsonNode root;
        try {
            root = mapperFor(file).readTree(file.toFile());
        } catch (IOException e) {
            throw BadInputException.file(file, "not a JSON or YAML grid: " + e.getMessage()
                    + " (expected an object such as {\"method\": [\"mdas\", \"hyperdas\"], \"seed\": [0, 1, 2]})");
        }
        return expand(root, file, knownOptions);
    }

    /** YAML for *.yaml and *.yml, JSON otherwise. */
    private static ObjectMapper mapperFor(Path file) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory())
                : new ObjectMapper();
    }

    /** Expands a parsed grid into its cells. */
    public static List<Cell> expand(JsonNode root, Path file, Set<String> knownOptions) {
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw BadInputException.file(file, "expected a non-empty JSON object of train options to values or"
                    + " arrays of values");
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> axes = new ArrayList<>();
        var fields = root.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            String option = e.getKey().replace('_', '-');
            if (option.startsWith("--")) {
                option = option.substring(2);
            }
            if (RESERVED.contains(option)) {
                throw BadInputException.field(file, e.getKey(), "a train option other than " + RESERVED
                        + " (the sweep sets those per cell)", "a reserved option");
            }
            if (knownOptions != null && !knownOptions.contains(option)) {
                throw BadInputException.field(file, e.getKey(), "one of train's options " + knownOptions,
                        "an unknown option");
            }
            List<String> list = new ArrayList<>();
            if (e.getValue().isArray()) {
                if (e.getValue().isEmpty()) {
                    throw BadInputException.field(file, e.getKey(), "a value or a non-empty array", "[]");
                }
                e.getValue().forEach(v -> list.add(scalar(v, file, e.getKey())));
                if (list.size() > 1) {
                    axes.add(option);
                }
            } else {
                list.add(scalar(e.getValue(), file, e.getKey()));
            }
            if (values.put(option, List.copyOf(new java.util.LinkedHashSet<>(list))) != null) {
                throw BadInputException.field(file, e.getKey(), "each option once", "a repeated option");
            }
        }
        for (String m : values.getOrDefault("method", List.of())) {
            if (!MethodRegistry.names().contains(m)) {
                throw BadInputException.field(file, "method", "some of " + MethodRegistry.names(), m);
            }
        }
        List<Cell> cells = new ArrayList<>();
        product(values, new ArrayList<>(values.keySet()), 0, new LinkedHashMap<>(), axes, cells);
        return cells;
    }

    private static String scalar(JsonNode v, Path file, String key) {
        if (v.isTextual() || v.isNumber() || v.isBoolean()) {
            return v.asText();
        }
        throw BadInputException.field(file, key, "a string, number or boolean, or an array of them", v.toString());
    }

    private static void product(Map<String, List<String>> values, List<String> keys, int i, Map<String, String> at,
            List<String> axes, List<Cell> out) {
        if (i == keys.size()) {
            Map<String, String> settings = new LinkedHashMap<>(at);
            String method = settings.get("method");
            if (method != null && !settings.containsKey("baselines")
                    && !MethodRegistry.get(method).companions().isEmpty()) {
                settings.put("baselines", "none");
            }
            out.add(new Cell(name(at, axes), settings, axes));
            return;
        }
        for (String v : values.get(keys.get(i))) {
            at.put(keys.get(i), v);
            product(values, keys, i + 1, at, axes, out);
        }
        at.remove(keys.get(i));
    }

    /** "method-mdas_layer-1_seed-0": the axes' values, characters outside [A-Za-z0-9.,=+-] as '+'. */
    static String name(Map<String, String> at, List<String> axes) {
        if (axes.isEmpty()) {
            return "cell";
        }
        List<String> parts = new ArrayList<>();
        for (String a : axes) {
            parts.add((a + "-" + at.get(a)).replaceAll("[^A-Za-z0-9.,=+-]", "+"));
        }
        return String.join("_", parts);
    }
}
