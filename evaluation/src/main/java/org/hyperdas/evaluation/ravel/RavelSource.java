package org.hyperdas.evaluation.ravel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.hyperdas.runtime.BadInputException;

/** Where the five files of a RAVEL entity type come from: a folder or the classpath. */
interface RavelSource {
    /** Human-readable location of a file, used in messages. */
    String where(String file);

    /** Bytes of a file; BadInputException when missing. */
    byte[] read(String file);

    /** A release folder such as data/ of the RAVEL repository. */
    final class Folder implements RavelSource {
        private final Path dir;

        Folder(Path dir) {
            this.dir = dir;
        }

        @Override
        public String where(String file) {
            return dir.resolve(file).toString();
        }

        @Override
        public byte[] read(String file) {
            Path p = dir.resolve(file);
            try {
                return Files.readAllBytes(p);
            } catch (NoSuchFileException e) {
                throw BadInputException.file(p, "no such file (every RAVEL entity type needs the five files "
                        + String.join(", ", filesOf(file)) + ")");
            } catch (IOException e) {
                throw new BadInputException(p + ": cannot read: " + e.getMessage(), e);
            }
        }
    }

    /** The dataset embedded in this jar under {@link RavelLoader#EMBEDDED_RESOURCE_DIR}. */
    final class Classpath implements RavelSource {
        @Override
        public String where(String file) {
            return "classpath:" + RavelLoader.EMBEDDED_RESOURCE_DIR + file;
        }

        @Override
        public byte[] read(String file) {
            try (InputStream in = RavelLoader.class.getResourceAsStream(RavelLoader.EMBEDDED_RESOURCE_DIR + file)) {
                if (in == null) {
                    throw new BadInputException(where(file) + ": no such resource (the jar is incomplete)");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new BadInputException(where(file) + ": cannot read: " + e.getMessage(), e);
            }
        }
    }

    /** The five file names of the type a file name belongs to (for the missing-file message). */
    static List<String> filesOf(String file) {
        for (String prefix : new String[] {"ravel_", "wikipedia_"}) {
            for (String suffix : new String[] {"_entity_attributes.json", "_attribute_to_prompts.json",
                    "_prompt_to_split.json", "_entity_to_split.json", "_entity_prompts.json"}) {
                if (file.startsWith(prefix) && file.endsWith(suffix)) {
                    return RavelLoader.files(file.substring(prefix.length(), file.length() - suffix.length()));
                }
            }
        }
        return List.of(file);
    }
}
