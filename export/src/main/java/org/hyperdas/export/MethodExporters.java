package org.hyperdas.export;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;

/** The {@link MethodExporter}s a build knows, by method, in the order a message lists them. */
public final class MethodExporters {
    private final Map<String, MethodExporter> byMethod;

    public MethodExporters(List<MethodExporter> exporters) {
        Map<String, MethodExporter> m = new LinkedHashMap<>();
        for (MethodExporter e : exporters) {
            if (m.put(e.method(), e) != null) {
                throw new IllegalArgumentException("two exporters of method " + e.method());
            }
        }
        byMethod = Collections.unmodifiableMap(m);
    }

    /** Every exporter, in order. */
    public List<MethodExporter> all() {
        return List.copyOf(byMethod.values());
    }

    /**
     * The exporter of {@code method}.
     *
     * @throws BadInputException naming config.json's field method and the methods that export
     */
    public MethodExporter find(String method, Path configFile) {
        MethodExporter e = byMethod.get(method);
        if (e == null) {
            throw BadInputException.field(configFile, "method", names(), method);
        }
        return e;
    }

    /** "a, b, c or d". */
    private String names() {
        List<String> names = new ArrayList<>(byMethod.keySet());
        if (names.size() < 2) {
            return String.join("", names);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }
}
