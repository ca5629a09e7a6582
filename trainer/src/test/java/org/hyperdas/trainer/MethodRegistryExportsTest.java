package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.hyperdas.export.MethodExporter;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import org.junit.jupiter.api.Test;

/** Every registered method exports through its own exporter, found from the registry. */
class MethodRegistryExportsTest {
    @Test
    void everyTrainableMethodHasAnExporter() {
        List<String> exported = MethodRegistry.exporters().all().stream().map(MethodExporter::method).toList();
        assertEquals(MethodRegistry.names(), exported);
        for (String name : MethodRegistry.names()) {
            assertEquals(name, MethodRegistry.get(name).exporter().method(), "the exporter of " + name);
        }
    }

    @Test
    void onlyHyperDasGroupsRunsAndOnlyPatchingHasNoSubspace() {
        for (MethodExporter e : MethodRegistry.exporters().all()) {
            boolean hyperdas = e.method().equals(HyperDasMethod.NAME);
            // Every scored mode but groundtruth, whose selection needs each pair's entity positions.
            assertEquals(hyperdas ? List.of("hyperdas-soft", "hyperdas-one-to-many", "hyperdas-one-to-one",
                    "hyperdas-global-argmax") : List.of(), e.groupedRuns(), e.method());
            assertEquals(!e.method().equals("patching"), e.hasSubspace(), e.method());
        }
    }

    @Test
    void anUnknownMethodListsTheExportableOnes() {
        Path config = Path.of("runs", "x", "config.json");
        BadInputException e = assertThrows(BadInputException.class, () -> MethodRegistry.exporters().find("lora", config));
        assertTrue(e.getMessage().contains("'method': expected patching, das, mdas or hyperdas, found lora"),
                e.getMessage());
    }
}
