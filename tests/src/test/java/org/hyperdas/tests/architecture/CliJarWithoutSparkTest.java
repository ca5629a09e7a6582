package org.hyperdas.tests.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The core CLI jar carries no Spark (and no Scala): Spark lives in spark/target/hyperdas-spark.jar only. */
class CliJarWithoutSparkTest {
    @Test
    void theShadedCliJarHasNoSparkClasses() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent(); // surefire runs in tests/
        Path jar = root.resolve("cli/target/hyperdas-run.jar");
        assumeTrue(Files.isRegularFile(jar), "no " + jar + " (built by mvn package)");
        try (JarFile f = new JarFile(jar.toFile())) {
            List<String> spark = f.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("org/apache/spark/") || n.startsWith("scala/")
                            || n.startsWith("org/hyperdas/spark/")).limit(5).toList();
            assertEquals(List.of(), spark);
            assertTrue(f.getEntry("org/hyperdas/cli/HyperdasRun.class") != null, "not the CLI jar");
        }
    }
}
