package org.hyperdas.explorer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The page's files come from the jar by a fixed list of URL paths and load nothing from elsewhere. */
class StaticAssetsTest {
    @Test
    void onlyTheWhitelistedPathsAreServed() {
        StaticAssets assets = StaticAssets.load();
        assertEquals("text/html; charset=utf-8", assets.get("/").contentType());
        assertArrayEquals(assets.get("/").bytes(), assets.get("/index.html").bytes());
        assertEquals("text/javascript; charset=utf-8", assets.get("/app.js").contentType());
        for (String path : List.of("/app.js/", "/../app.js", "/org/hyperdas/explorer/assets/app.js", "/App.js",
                "/index.htm", "/TryRequest.class", "/org/hyperdas/explorer/TryRequest.class")) {
            assertNull(assets.get(path), path);
        }
    }

    @Test
    void thePageWorksOffline() {
        StaticAssets assets = StaticAssets.load();
        for (String path : List.of("/", "/app.js", "/app.css")) {
            String text = new String(assets.get(path).bytes(), StandardCharsets.UTF_8);
            assertFalse(text.contains("http://") || text.contains("https://") || text.contains("//cdn"), path);
        }
    }
}
