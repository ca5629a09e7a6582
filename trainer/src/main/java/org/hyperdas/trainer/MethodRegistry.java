package org.hyperdas.trainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.export.MethodExporters;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.trainer.das.DasMethod;
import org.hyperdas.trainer.das.PatchingMethod;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;

/**
 * The methods {@code hyperdas-run train --method} and {@code sweep --method} know, by name. The
 * built-in baselines are registered here; another method plugs in with {@link #register}.
 */
public final class MethodRegistry {
    private static final Map<String, InterventionMethod> METHODS = new LinkedHashMap<>();

    static {
        register(new PatchingMethod());
        register(DasMethod.das());
        register(DasMethod.mdas());
        register(new HyperDasMethod());
    }

    private MethodRegistry() {
    }

    /** Adds a method; its name must be new. */
    public static synchronized void register(InterventionMethod method) {
        if (METHODS.putIfAbsent(method.name(), method) != null) {
            throw new IllegalStateException("method '" + method.name() + "' is already registered");
        }
    }

    /** The registered names, in registration order. */
    public static synchronized List<String> names() {
        return new ArrayList<>(METHODS.keySet());
    }

    /** The exporters of the registered methods, in registration order ({@code hyperdas-run export}). */
    public static synchronized MethodExporters exporters() {
        return new MethodExporters(METHODS.values().stream().map(InterventionMethod::exporter).toList());
    }

    /** The method of that name. @throws BadInputException for an unknown name */
    public static synchronized InterventionMethod get(String name) {
        InterventionMethod m = METHODS.get(name);
        if (m == null) {
            throw new BadInputException("method '" + name + "': expected one of " + names());
        }
        return m;
    }
}
