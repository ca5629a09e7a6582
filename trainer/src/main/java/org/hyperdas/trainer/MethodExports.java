package org.hyperdas.trainer;

import java.util.List;
import org.hyperdas.export.MethodExporters;
import org.hyperdas.trainer.das.DasExport;
import org.hyperdas.trainer.das.DasMethod;
import org.hyperdas.trainer.das.PatchingExport;
import org.hyperdas.trainer.das.PatchingMethod;
import org.hyperdas.trainer.hyperdas.HyperDasExport;

/**
 * The exporter of each built-in method, for {@code hyperdas-run export}, in the order an error
 * message lists them.
 *
 * <p>This lookup is meant to fold into {@link InterventionMethod}: once each method returns its own
 * exporter ({@code MethodExporter exporter()}), this list becomes the registered methods'
 * exporters.
 */
public final class MethodExports {
    private static final MethodExporters ALL = new MethodExporters(List.of(new HyperDasExport(),
            new DasExport(DasMethod.das()), new DasExport(DasMethod.mdas()), new PatchingExport(new PatchingMethod())));

    private MethodExports() {
    }

    /** hyperdas, das, mdas and patching. */
    public static MethodExporters all() {
        return ALL;
    }
}
