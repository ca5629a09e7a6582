package org.hyperdas.runtime.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the read-only shared folder (real models, tokenizers, RAVEL) that sits beside the
 * repository. Tests that need it are skipped, with a message saying what is missing, when it is
 * absent. Surefire passes its location as the system property {@code hyperdas.shared}; the
 * environment variable {@code HYPERDAS_SHARED} overrides it.
 *
 * <p>Where the folder must be there (CI), a skip would hide that most of the suite did not run:
 * the environment variable {@value #REQUIRE_ENV}{@code =1} (or {@code true}), or the system
 * property {@value #REQUIRE_PROPERTY}{@code =true} (surefire passes {@code -Dhyperdas.requireShared}
 * on), turns a missing path into a failure with the same message.
 */
public final class SharedData {
    /** Environment variable that makes a missing shared path fail the test instead of skipping it. */
    public static final String REQUIRE_ENV = "HYPERDAS_REQUIRE_SHARED";
    /** System property with the same effect as {@link #REQUIRE_ENV}. */
    public static final String REQUIRE_PROPERTY = "hyperdas.requireShared";

    private SharedData() {}

    public static Path root() {
        String env = System.getenv("HYPERDAS_SHARED");
        String prop = System.getProperty("hyperdas.shared");
        String chosen = env != null && !env.isBlank() ? env : prop;
        Path p = chosen != null ? Path.of(chosen) : Path.of("..", "shared");
        return p.toAbsolutePath().normalize();
    }

    /** Whether a missing shared path fails ({@link #REQUIRE_ENV} or {@link #REQUIRE_PROPERTY} set). */
    public static boolean required() {
        return isOn(System.getenv(REQUIRE_ENV)) || isOn(System.getProperty(REQUIRE_PROPERTY));
    }

    private static boolean isOn(String value) {
        return value != null && (value.trim().equals("1") || value.trim().equalsIgnoreCase("true"));
    }

    /**
     * Returns root/relative; when it does not exist, skips the calling test, or fails it when
     * {@link #required()}.
     */
    public static Path require(String relative) {
        return require(root(), relative, required());
    }

    /** {@link #require(String)} with the root and the skip-or-fail choice given. */
    static Path require(Path root, String relative, boolean required) {
        Path p = root.resolve(relative);
        if (!Files.exists(p)) {
            String message = "shared test data " + p + " is absent (set HYPERDAS_SHARED to its folder)";
            if (required) {
                Assertions.fail(message + "; " + REQUIRE_ENV + " or " + REQUIRE_PROPERTY + " says it must be there");
            }
            Assumptions.abort("skipped: " + message);
        }
        return p;
    }
}
