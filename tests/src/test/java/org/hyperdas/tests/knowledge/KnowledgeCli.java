package org.hyperdas.tests.knowledge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.cli.HyperdasRun;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.ravel.Template;

/** In-process {@code hyperdas-run} and a tiny RAVEL folder for the knowledge-model CLI tests. */
public final class KnowledgeCli {
    record Result(int code, String out, String err) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private KnowledgeCli() {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = HyperdasRun.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    /** A RAVEL-format folder with the first {@code n} entities of an embedded entity type. */
    static Path tinyRavel(Path dir, String type, int n) throws IOException {
        return tinyRavel(dir, type, RavelLoader.loadEmbedded(type).entities().subList(0, n));
    }

    /** A RAVEL-format folder with {@code entities} of an embedded entity type and all its templates. */
    public static Path tinyRavel(Path dir, String type, List<Entity> entities) throws IOException {
        RavelDataset ds = RavelLoader.loadEmbedded(type);
        ObjectNode attrs = JSON.createObjectNode();
        ObjectNode entitySplit = JSON.createObjectNode();
        for (Entity e : entities) {
            ObjectNode values = attrs.putObject(e.name());
            e.values().forEach(values::put);
            entitySplit.put(e.name(), e.split().label());
        }
        ObjectNode prompts = JSON.createObjectNode();
        ObjectNode promptSplit = JSON.createObjectNode();
        for (String a : ds.attributes()) {
            var list = prompts.putArray(a);
            for (Template t : ds.templates(a)) {
                list.add(t.text());
                promptSplit.put(t.text(), t.split().label());
            }
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RavelLoader.entityAttributesFile(type)), JSON.writeValueAsString(attrs));
        Files.writeString(dir.resolve(RavelLoader.entityToSplitFile(type)), JSON.writeValueAsString(entitySplit));
        Files.writeString(dir.resolve(RavelLoader.attributeToPromptsFile(type)), JSON.writeValueAsString(prompts));
        Files.writeString(dir.resolve(RavelLoader.promptToSplitFile(type)), JSON.writeValueAsString(promptSplit));
        Files.writeString(dir.resolve(RavelLoader.wikipediaPromptsFile(type)), "{}");
        return dir;
    }

    static List<String> tinyModelFlags() {
        return List.of("--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--epochs", "50",
                "--batch-size", "16", "--seed", "3", "--checkpoint-every", "0");
    }
}
