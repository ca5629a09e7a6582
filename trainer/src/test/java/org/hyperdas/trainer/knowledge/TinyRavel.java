package org.hyperdas.trainer.knowledge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.evaluation.ravel.Entity;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.evaluation.ravel.WikiPrompt;

/** Writes a RAVEL-format folder with the first few entities of an embedded entity type (for fast tests). */
final class TinyRavel {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyRavel() {}

    static Path write(Path dir, String type, int entities) throws IOException {
        RavelDataset ds = RavelLoader.loadEmbedded(type);
        List<Entity> chosen = ds.entities().subList(0, entities);
        ObjectNode attrs = JSON.createObjectNode();
        ObjectNode entitySplit = JSON.createObjectNode();
        for (Entity e : chosen) {
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
        ObjectNode wiki = JSON.createObjectNode();
        for (WikiPrompt w : ds.wikipediaPrompts()) {
            ObjectNode o = wiki.putObject(w.template());
            o.put("split", w.split().label());
            o.putNull("entity");
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RavelLoader.entityAttributesFile(type)), JSON.writeValueAsString(attrs));
        Files.writeString(dir.resolve(RavelLoader.entityToSplitFile(type)), JSON.writeValueAsString(entitySplit));
        Files.writeString(dir.resolve(RavelLoader.attributeToPromptsFile(type)), JSON.writeValueAsString(prompts));
        Files.writeString(dir.resolve(RavelLoader.promptToSplitFile(type)), JSON.writeValueAsString(promptSplit));
        Files.writeString(dir.resolve(RavelLoader.wikipediaPromptsFile(type)), JSON.writeValueAsString(wiki));
        return dir;
    }
}
