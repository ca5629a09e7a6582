package org.hyperdas.explorer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The page's files, bundled in the jar: one HTML page, one script, one style sheet, written by hand
 * with no external library, so the page works offline. Served by a fixed whitelist of URL paths;
 * nothing else on the classpath or the file system is reachable.
 */
final class StaticAssets {
    private static final String FOLDER = "/org/hyperdas/explorer/assets/";

    /** A bundled file and its content type. */
    record Asset(String resource, String contentType, byte[] bytes) {
    }

    private static final Map<String, String[]> WHITELIST = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
            "/app.js", new String[] {"app.js", "text/javascript; charset=utf-8"},
            "/app.css", new String[] {"app.css", "text/css; charset=utf-8"});

    private final Map<String, Asset> assets;

    private StaticAssets(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** Loads every whitelisted file once. */
    static StaticAssets load() {
        java.util.HashMap<String, Asset> loaded = new java.util.HashMap<>();
        for (Map.Entry<String, String[]> e : WHITELIST.entrySet()) {
            String resource = FOLDER + e.getValue()[0];
            try (InputStream in = StaticAssets.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("the jar lacks the page file " + resource);
                }
                loaded.put(e.getKey(), new Asset(resource, e.getValue()[1], in.readAllBytes()));
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return new StaticAssets(Map.copyOf(loaded));
    }

    /** The asset of a URL path, or null when the path is not one of the page's files. */
    Asset get(String urlPath) {
        return assets.get(urlPath);
    }
}
