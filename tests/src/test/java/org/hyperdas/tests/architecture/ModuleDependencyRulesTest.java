package org.hyperdas.tests.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module graph cli -> trainer / explorer -> export -> evaluation / graphs -> runtime, checked on the
 * compiled classes of every module (test classes left out): each package tree may use only the
 * ones below it, so a dependency Maven would allow through a transitive path (evaluation reaching
 * graphs, trainer reaching cli) still fails here.
 *
 * <p>The optional spark module (grid sweeps as Spark tasks) may use the trainer and everything below
 * it, and nothing may use it: the core CLI never carries Spark.
 *
 * <p>The explorer (the local web page) runs exports as {@code infer} does, so it sits beside the
 * trainer and must not reach it; the trainer must not reach the explorer either.
 */
class ModuleDependencyRulesTest {
    private static final String ROOT = "org.hyperdas";
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    static LayeredArchitecture modules() {
        return layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("runtime").definedBy(ROOT + ".runtime..")
                .layer("graphs").definedBy(ROOT + ".graphs..")
                .layer("evaluation").definedBy(ROOT + ".evaluation..")
                .layer("export").definedBy(ROOT + ".export..")
                .layer("trainer").definedBy(ROOT + ".trainer..")
                .layer("explorer").definedBy(ROOT + ".explorer..")
                .layer("cli").definedBy(ROOT + ".cli..")
                .layer("spark").definedBy(ROOT + ".spark..")
                .whereLayer("runtime").mayNotAccessAnyLayer()
                .whereLayer("graphs").mayOnlyAccessLayers("runtime")
                .whereLayer("evaluation").mayOnlyAccessLayers("runtime")
                .whereLayer("export").mayOnlyAccessLayers("evaluation", "graphs", "runtime")
                .whereLayer("trainer").mayOnlyAccessLayers("export", "evaluation", "graphs", "runtime")
                .whereLayer("explorer").mayOnlyAccessLayers("export", "evaluation", "graphs", "runtime")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("spark").mayOnlyAccessLayers("trainer", "export", "evaluation", "graphs", "runtime")
                .whereLayer("spark").mayNotBeAccessedByAnyLayer();
    }

    @Test
    void everyModuleProducesClasses() {
        for (String module : List.of("runtime", "graphs", "evaluation", "export", "trainer", "explorer", "cli",
                "spark")) {
            assertTrue(classes.containPackage(ROOT + "." + module),
                    "no class of " + ROOT + "." + module + " imported: the rules below would check nothing there");
        }
    }

    @Test
    void modulesDependOnlyDownwards() {
        modules().check(classes);
    }

    /** The imported classes carry their dependencies: forbidding graphs to use runtime is reported. */
    @Test
    void aForbiddenEdgeThatExistsIsReported() {
        EvaluationResult result = layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("graphs").definedBy(ROOT + ".graphs..")
                .layer("runtime").definedBy(ROOT + ".runtime..")
                .whereLayer("runtime").mayNotBeAccessedByAnyLayer()
                .evaluate(classes);
        assertTrue(result.hasViolation(), "graphs uses runtime, yet a rule forbidding it found nothing");
    }
}
