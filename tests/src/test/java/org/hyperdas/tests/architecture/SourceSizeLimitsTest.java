package org.hyperdas.tests.architecture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The code standard's size limits over every {@code src/main/**}{@code /*.java} of the repository,
 * nothing excluded: no file over {@value #MAX_FILE_LINES} lines, no method (constructor,
 * initializer) over {@value #MAX_METHOD_LINES}.
 */
class SourceSizeLimitsTest {
    static final int MAX_FILE_LINES = 450;
    static final int MAX_METHOD_LINES = 80;

    /** The repository root: the nearest folder up from the working directory with runtime/pom.xml. */
    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isRegularFile(p.resolve("pom.xml"))
                && Files.isRegularFile(p.resolve("runtime/pom.xml")))) {
            p = p.getParent();
        }
        assertTrue(p != null, "no repository root (a folder with pom.xml and runtime/pom.xml) above "
                + Path.of("").toAbsolutePath());
        return p;
    }

    static List<Path> mainSources(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(f -> f.toString().endsWith(".java") && Files.isRegularFile(f))
                    .filter(f -> root.relativize(f).toString().replace('\\', '/').matches("(.*/)?src/main/.*"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void noFileOver450LinesAndNoMethodOver80() throws IOException {
        Path root = repositoryRoot();
        List<Path> sources = mainSources(root);
        assertTrue(sources.size() > 100, "found only " + sources.size() + " main sources under " + root);
        List<String> over = new ArrayList<>();
        for (Path f : sources) {
            String text = Files.readString(f, StandardCharsets.UTF_8);
            String rel = root.relativize(f).toString();
            int lines = SourceSizeScanner.lineCount(text);
            if (lines > MAX_FILE_LINES) {
                over.add(rel + ": " + lines + " lines (at most " + MAX_FILE_LINES + ")");
            }
            for (SourceSizeScanner.Method m : SourceSizeScanner.methods(text)) {
                if (m.lines() > MAX_METHOD_LINES) {
                    over.add(rel + ":" + m.line() + ": method " + m.name() + " is " + m.lines() + " lines (at most "
                            + MAX_METHOD_LINES + ")");
                }
            }
        }
        assertTrue(over.isEmpty(), over.size() + " over the size limits:\n" + String.join("\n", over));
    }
}
