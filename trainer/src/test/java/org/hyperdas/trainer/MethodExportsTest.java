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

/** Every method train knows can be exported, and the export names them as it always did. */
class MethodExportsTest {
    @Test
    void everyTrainableMethodHasAnExporter() {
        List<String> exported = MethodExports.all().all().stream().map(MethodExporter::method).sorted().toList();
        assertEquals(MethodRegistry.names().stream().sorted().toList(), exported);
    }

    @Test
    void onlyHyperDasGroupsRunsAndOnlyPatchingHasNoSubspace() {
        for (MethodExporter e : MethodExports.all().all()) {
            boolean hyperdas = e.method().equals(HyperDasMethod.NAME);
            assertEquals(hyperdas ? List.copyOf(HyperDasMethod.LABELS.values()) : List.of(), e.groupedRuns(),
                    e.method());
            assertEquals(!e.method().equals("patching"), e.hasSubspace(), e.method());
        }
    }

    @Test
    void anUnknownMethodListsTheExportableOnes() {
        Path config = Path.of("runs", "x", "config.json");
        BadInputException e = assertThrows(BadInputException.class, () -> MethodExports.all().find("lora", config));
        assertTrue(e.getMessage().contains("'method': expected hyperdas, das, mdas or patching, found lora"),
                e.getMessage());
    }
}
