package org.hyperdas.trainer;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where hyperdas-run keeps what it builds for reuse: {@code $XDG_CACHE_HOME/hyperdas} when that
 * variable is set to an absolute path (the XDG base-directory rule), else {@code ~/.cache/hyperdas}.
 * The knowledge model lives in {@code knowledge-model/} below it; {@code hyperdas-run train} reuses
 * it when present.
 */
public final class CacheDirs {
    /** Folder name of the default knowledge model inside the cache. */
    public static final String KNOWLEDGE_MODEL = "knowledge-model";

    private CacheDirs() {}

    /** The hyperdas cache folder of this process's environment. */
    public static Path root() {
        // An explicit -Dhyperdas.cache=DIR wins over the environment (lets tests and embedders
        // isolate the cache whatever XDG_CACHE_HOME says).
        String explicit = System.getProperty("hyperdas.cache");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        return root(System.getenv(), System.getProperty("user.home"));
    }

    /** The hyperdas cache folder for the given environment and home folder (testable). */
    public static Path root(Map<String, String> env, String userHome) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg).resolve("hyperdas");
        }
        return Path.of(userHome).resolve(".cache").resolve("hyperdas");
    }

    /** The default knowledge-model folder ({@code <cache>/knowledge-model}). */
    public static Path knowledgeModel() {
        return root().resolve(KNOWLEDGE_MODEL);
    }

    /** The knowledge-model folder under {@code cacheRoot} (a {@code --cache DIR}), or the default when null. */
    public static Path knowledgeModel(Path cacheRoot) {
        return cacheRoot == null ? knowledgeModel() : cacheRoot.resolve(KNOWLEDGE_MODEL);
    }

    /**
     * The working folder of a pretrain run that writes {@code modelFolder}: checkpoints, the
     * tokenizer and the run settings live there until the model folder is complete
     * ({@code <modelFolder>.partial}, a sibling, so the model folder itself only ever appears whole).
     */
    public static Path partialFolder(Path modelFolder) {
        Path abs = modelFolder.toAbsolutePath().normalize();
        return abs.resolveSibling(abs.getFileName() + ".partial");
    }
}
