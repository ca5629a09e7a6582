package org.hyperdas.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheDirsTest {
    @Test
    void xdgCacheHomeWhenAbsoluteElseHomeCache() {
        assertEquals(Path.of("/x/cache/hyperdas"), CacheDirs.root(Map.of("XDG_CACHE_HOME", "/x/cache"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/hyperdas"), CacheDirs.root(Map.of(), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/hyperdas"), CacheDirs.root(Map.of("XDG_CACHE_HOME", "rel"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/hyperdas"), CacheDirs.root(Map.of("XDG_CACHE_HOME", ""), "/home/u"));
        assertEquals(CacheDirs.KNOWLEDGE_MODEL, CacheDirs.knowledgeModel().getFileName().toString());
        assertEquals(Path.of("/m/knowledge-model.partial"), CacheDirs.partialFolder(Path.of("/m/knowledge-model")));
    }
}
