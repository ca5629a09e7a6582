package org.hyperdas.runtime.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class SharedDataTest {
    @Test
    void anExistingPathIsReturnedWhetherRequiredOrNot(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("models/tiny"));
        assertEquals(root.resolve("models/tiny"), SharedData.require(root, "models/tiny", false));
        assertEquals(root.resolve("models/tiny"), SharedData.require(root, "models/tiny", true));
    }

    @Test
    void aMissingPathSkipsByDefault(@TempDir Path root) {
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> SharedData.require(root, "models/absent", false));
        assertTrue(e.getMessage().contains("shared test data " + root.resolve("models/absent") + " is absent"),
                e.getMessage());
    }

    @Test
    void aMissingPathFailsWhenRequired(@TempDir Path root) {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> SharedData.require(root, "models/absent", true));
        assertTrue(e.getMessage().contains("shared test data " + root.resolve("models/absent") + " is absent"),
                e.getMessage());
        assertTrue(e.getMessage().contains(SharedData.REQUIRE_ENV), e.getMessage());
    }

    @Test
    void thePropertyTurnsTheRequirementOn() {
        String before = System.getProperty(SharedData.REQUIRE_PROPERTY);
        try {
            System.setProperty(SharedData.REQUIRE_PROPERTY, "true");
            assertTrue(SharedData.required());
        } finally {
            if (before == null) {
                System.clearProperty(SharedData.REQUIRE_PROPERTY);
            } else {
                System.setProperty(SharedData.REQUIRE_PROPERTY, before);
            }
        }
    }
}
