package org.hyperdas.evaluation.arrow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.ravel.Template;
import org.hyperdas.runtime.BadInputException;

/**
 * Reads the RAVEL pair datasets the HyperDAS authors saved with Hugging Face {@code datasets}
 * ({@code save_to_disk}): a folder with data-*.arrow (Arrow IPC streams written by pyarrow),
 * dataset_info.json and state.json. Also takes a folder with only .arrow files, or one .arrow
 * file (IPC stream or IPC file).
 *
 * <p>Columns (all strings): input_prefix, input_suffix, counterfactual_input_prefix,
 * counterfactual_input_suffix, edit_instruction, entity, counterfactual_entity, target,
 * counterfactual_target, attribute_type ("causal" | "isolate"), domain, attribute, verify_text.
 * Base prompt = input_prefix + input_suffix, where input_prefix ends with the entity.
 *
 * <p>Mapping to {@link Pair}: entity_type = domain; attribute = the instruction's attribute (after
 * the last " - "); base_attribute = attribute; source_attribute = "" (not recorded); kind =
 * attribute_type; base_template = input_prefix without the entity + "%s" + input_suffix (likewise
 * for the source); base_label = target; counterfactual_label = counterfactual_target;
 * expected_label = counterfactual_target for causal rows, target for isolate rows; knows_it =
 * true (the authors kept only examples the model knows); split = the folder name's last part
 * ("test" for city_country_test).
 */
public final class HfDatasetReader {
    private HfDatasetReader() {}

    public static final List<String> COLUMNS = List.of("input_prefix", "input_suffix", "counterfactual_input_prefix",
            "counterfactual_input_suffix", "edit_instruction", "entity", "counterfactual_entity", "target",
            "counterfactual_target", "attribute_type", "domain", "attribute", "verify_text");

    /** One row as stored, all 13 columns (verify_text is null when the column is absent). */
    public record Row(String inputPrefix, String inputSuffix, String counterfactualInputPrefix,
            String counterfactualInputSuffix, String editInstruction, String entity, String counterfactualEntity,
            String target, String counterfactualTarget, String attributeType, String domain, String attribute,
            String verifyText) {

        public String basePrompt() {
            return inputPrefix + inputSuffix;
        }

        public String sourcePrompt() {
            return counterfactualInputPrefix + counterfactualInputSuffix;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The data files of a dataset folder (state.json's order when present), or the file itself. */
    public static List<Path> dataFiles(Path folderOrFile) {
        if (Files.isRegularFile(folderOrFile)) {
            return List.of(folderOrFile);
        }
        if (!Files.isDirectory(folderOrFile)) {
            throw BadInputException.file(folderOrFile, "no such file or folder (expected a Hugging Face datasets "
                    + "folder with data-*.arrow, or an .arrow file)");
        }
        Path state = folderOrFile.resolve("state.json");
        List<Path> out = new ArrayList<>();
        if (Files.isRegularFile(state)) {
            JsonNode root;
            try {
                root = JSON.readTree(state.toFile());
            } catch (IOException e) {
                throw BadInputException.file(state, "not valid JSON (" + e.getMessage().lines().findFirst().orElse("")
                        + ")");
            }
            JsonNode files = root == null ? null : root.get("_data_files");
            if (files != null && files.isArray()) {
                for (JsonNode f : files) {
                    String name = f.path("filename").asText("");
                    if (name.isEmpty()) {
                        throw BadInputException.field(state, "_data_files[].filename", "a file name", f);
                    }
                    Path p = folderOrFile.resolve(name);
                    if (!Files.isRegularFile(p)) {
                        throw BadInputException.file(p, "no such file (listed in " + state
                                + " _data_files; the dataset folder is incomplete)");
                    }
                    out.add(p);
                }
                return out;
            }
        }
        try (Stream<Path> s = Files.list(folderOrFile)) {
            s.filter(p -> p.getFileName().toString().endsWith(".arrow") && Files.isRegularFile(p)).sorted()
                    .forEach(out::add);
        } catch (IOException e) {
            throw new BadInputException(folderOrFile + ": cannot list folder: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw BadInputException.file(folderOrFile, "no .arrow data file (expected a Hugging Face datasets folder "
                    + "with data-00000-of-00001.arrow)");
        }
        return out;
    }

    /** Column names of the first data file. */
    public static List<String> columnNames(Path folderOrFile) {
        Path f = dataFiles(folderOrFile).get(0);
        try (BufferAllocator alloc = ArrowIo.allocatorFor(f); ArrowReader r = ArrowIo.open(f, alloc)) {
            return r.getVectorSchemaRoot().getSchema().getFields().stream().map(Field::getName).toList();
        } catch (IOException e) {
            throw new BadInputException(f + ": not a readable Arrow file: " + e.getMessage(), e);
        }
    }

    /** Streams every row to the consumer, one record batch in memory at a time. */
    public static long forEachRow(Path folderOrFile, Consumer<Row> consumer) {
        long n = 0;
        for (Path f : dataFiles(folderOrFile)) {
            n += readFile(f, consumer);
        }
        return n;
    }

    public static List<Row> readRows(Path folderOrFile) {
        List<Row> out = new ArrayList<>();
        forEachRow(folderOrFile, out::add);
        return out;
    }

    /** Streams the rows as pairs of our schema. */
    public static long forEachPair(Path folderOrFile, Consumer<Pair> consumer) {
        String split = splitOf(folderOrFile);
        long[] row = {0};
        return forEachRow(folderOrFile, r -> consumer.accept(toPair(r, split, folderOrFile, row[0]++)));
    }

    public static List<Pair> readPairs(Path folderOrFile) {
        List<Pair> out = new ArrayList<>();
        forEachPair(folderOrFile, out::add);
        return out;
    }

    /** Converts a dataset to one of our pair files; returns the row count. */
    public static long convert(Path folderOrFile, Path target) throws IOException {
        Map<String, String> meta = new HashMap<>();
        meta.put(PairSchema.META_SOURCE, "huggingface:" + folderOrFile.getFileName());
        meta.put(PairSchema.META_SPLIT, splitOf(folderOrFile));
        try (PairIterator pairs = new PairIterator(folderOrFile)) {
            return PairWriter.write(target, pairs, meta);
        }
    }

    /** "test" for city_country_test, "train"/"val" likewise; "unspecified" otherwise. */
    public static String splitOf(Path folderOrFile) {
        Path name = folderOrFile.getFileName();
        String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".arrow") && folderOrFile.getParent() != null && folderOrFile.getParent().getFileName() != null) {
            n = folderOrFile.getParent().getFileName().toString().toLowerCase(Locale.ROOT);
        }
        if (n.endsWith("_test") || n.equals("test")) {
            return "test";
        }
        if (n.endsWith("_train") || n.equals("train")) {
            return "train";
        }
        if (n.endsWith("_val") || n.endsWith("_validation") || n.equals("val") || n.equals("validation")) {
            return "val";
        }
        return "unspecified";
    }

    /** One HyperDAS row as a pair of our schema. */
    public static Pair toPair(Row r, String split, Path where, long row) {
        PairKind kind = PairKind.parseOrNull(r.attributeType());
        if (kind == null) {
            throw BadInputException.field(where, "attribute_type[" + row + "]", "\"causal\" or \"isolate\"",
                    "\"" + r.attributeType() + "\"");
        }
        String instruction = r.editInstruction();
        int dash = instruction.lastIndexOf(" - ");
        String target = dash >= 0 ? instruction.substring(dash + 3).trim() : r.attribute();
        String baseTemplate = template(r.inputPrefix(), r.inputSuffix(), r.entity(), where, "input_prefix", row);
        String sourceTemplate = template(r.counterfactualInputPrefix(), r.counterfactualInputSuffix(),
                r.counterfactualEntity(), where, "counterfactual_input_prefix", row);
        String expected = kind == PairKind.CAUSE ? r.counterfactualTarget() : r.target();
        return new Pair(r.domain(), target, r.attribute(), "", kind, split, baseTemplate, r.entity(), sourceTemplate,
                r.counterfactualEntity(), instruction, r.target(), r.counterfactualTarget(), expected, true);
    }

    /** prefix (ending with the entity) + suffix -> template with %s where the entity was. */
    private static String template(String prefix, String suffix, String entity, Path where, String column, long row) {
        int at;
        if (prefix.endsWith(entity)) {
            at = prefix.length() - entity.length();
        } else {
            at = prefix.lastIndexOf(entity);
            if (at < 0) {
                throw BadInputException.field(where, column + "[" + row + "]", "text containing the entity \""
                        + entity + "\"", "\"" + prefix + "\"");
            }
        }
        String full = prefix + suffix;
        String t = full.substring(0, at) + Template.SLOT + full.substring(at + entity.length());
        if (Template.slotCount(t) != 1) {
            throw BadInputException.field(where, column + "[" + row + "]", "a prompt without a literal %s",
                    "\"" + full + "\"");
        }
        return t;
    }

    private static long readFile(Path f, Consumer<Row> consumer) {
        long n = 0;
        try (RowReader r = new RowReader(f)) {
            while (r.hasNext()) {
                consumer.accept(r.next());
                n++;
            }
        }
        return n;
    }

    /** Rows of one data file, pulled one record batch at a time. */
    private static final class RowReader implements Iterator<Row>, AutoCloseable {
        private final Path file;
        private final BufferAllocator alloc = new RootAllocator();
        private final ArrowReader reader;
        private final VectorSchemaRoot root;
        private ArrowIo.StringColumn[] cols;
        private int pos;
        private int rows;
        private long before;
        private boolean done;

        RowReader(Path f) {
            this.file = f;
            try {
                reader = ArrowIo.open(f, alloc);
                root = reader.getVectorSchemaRoot();
            } catch (IOException | RuntimeException e) {
                alloc.close();
                if (e instanceof BadInputException b) {
                    throw b;
                }
                throw new BadInputException(f + ": not a readable Arrow file: " + e.getMessage(), e);
            }
            List<String> names = root.getSchema().getFields().stream().map(Field::getName).toList();
            for (String c : COLUMNS) {
                if (!c.equals("verify_text") && !names.contains(c)) {
                    close();
                    throw BadInputException.field(f, c, "a string column of a HyperDAS RAVEL dataset",
                            "no such column; the file has " + names);
                }
            }
        }

        @Override
        public boolean hasNext() {
            while (pos >= rows && !done) {
                try {
                    if (!reader.loadNextBatch()) {
                        done = true;
                        return false;
                    }
                } catch (IOException | RuntimeException e) {
                    throw new BadInputException(file + ": cannot read record batch after row " + (before + rows)
                            + ": " + e.getMessage(), e);
                }
                before += rows;
                rows = root.getRowCount();
                pos = 0;
                cols = new ArrowIo.StringColumn[COLUMNS.size()];
                for (int c = 0; c < cols.length; c++) {
                    FieldVector v = root.getVector(COLUMNS.get(c));
                    cols[c] = v == null ? i -> null : ArrowIo.strings(v);
                }
            }
            return pos < rows;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int i = pos++;
            String[] s = new String[cols.length];
            for (int c = 0; c < cols.length; c++) {
                s[c] = cols[c].get(i);
                if (s[c] == null && c != 12) {
                    throw BadInputException.field(file, COLUMNS.get(c) + "[" + (before + i) + "]", "a string", "null");
                }
            }
            return new Row(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12]);
        }

        @Override
        public void close() {
            try {
                reader.close();
            } catch (IOException e) {
                throw new BadInputException(file + ": cannot close: " + e.getMessage(), e);
            } finally {
                alloc.close();
            }
        }
    }

    /** Pairs of every data file of a dataset, pulled lazily (for {@link #convert}). */
    private static final class PairIterator implements Iterator<Pair>, AutoCloseable {
        private final Path where;
        private final String split;
        private final Iterator<Path> files;
        private RowReader current;
        private long row;

        PairIterator(Path folderOrFile) {
            this.where = folderOrFile;
            this.split = splitOf(folderOrFile);
            this.files = dataFiles(folderOrFile).iterator();
        }

        @Override
        public boolean hasNext() {
            while (current == null || !current.hasNext()) {
                if (current != null) {
                    current.close();
                    current = null;
                }
                if (!files.hasNext()) {
                    return false;
                }
                current = new RowReader(files.next());
            }
            return true;
        }

        @Override
        public Pair next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return toPair(current.next(), split, where, row++);
        }

        @Override
        public void close() {
            if (current != null) {
                current.close();
            }
        }
    }
}
