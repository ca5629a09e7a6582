package org.hyperdas.runtime.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the read-only shared folder (real models, tokenizers, RAVEL) that sits beside the
 * repository. Tests that need it are skipped, with a message saying what is missing, when it is
 * absent. Surefire passes its location as the system property {@code hyperdas.shared}; the
 * environment variable {@code HYPERDAS_SHARED} overrides it.
 */
public final class SharedData {
    private SharedData() {}

    public static Path root() {
        String env = System.getenv("HYPERDAS_SHARED");
        String prop = System.getProperty("hyperdas.shared");
        String chosen = env != null && !env.isBlank() ? env : prop;
        Path p = chosen != null ? Path.of(chosen) : Path.of("..", "shared");
        return p.toAbsolutePath().normalize();
    }

    /** Returns root/relative, or skips the calling test when it does not exist. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p),
                "skipped: shared test data " + p + " is absent (set HYPERDAS_SHARED to its folder)");
        return p;
    }
}
