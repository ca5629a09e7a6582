package org.hyperdas.evaluation.arrow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Arrow schema of a pair file (an Arrow IPC file, {@code .arrow}, one per entity type and pair
 * split). Every column is non-null; strings are UTF-8 ({@code utf8}).
 *
 * <pre>
 * #  column                type  meaning
 * 0  entity_type           utf8  "city", "physical_object", ...
 * 1  attribute             utf8  target attribute (the one named in the instruction)
 * 2  base_attribute        utf8  attribute the base template asks (= attribute for cause pairs)
 * 3  source_attribute      utf8  attribute the source template asks ("" when unknown)
 * 4  kind                  utf8  "cause" | "isolate"
 * 5  split                 utf8  "train" | "test_entity" | "test_context" | "val_entity" | "val_context"
 *                                 ("test" for pairs read from HyperDAS datasets)
 * 6  base_template         utf8  base prompt template, exactly one %s
 * 7  base_entity           utf8
 * 8  source_template       utf8  source prompt template, exactly one %s
 * 9  source_entity         utf8
 * 10 instruction           utf8  "&lt;base entity&gt; ; &lt;source entity&gt; - &lt;attribute&gt;"
 * 11 base_label            utf8  base entity's value of base_attribute
 * 12 counterfactual_label  utf8  source entity's value of base_attribute (never = base_label)
 * 13 expected_label        utf8  cause: counterfactual_label; isolate: base_label
 * 14 knows_it              bool  the target model answers the pair's verify prompt correctly
 *                                 without intervention; true until a knowledge filter rewrites it
 * </pre>
 * Schema metadata (all optional for readers): {@code hyperdas.pairs.version} ("1"),
 * {@code hyperdas.pairs.entity_type}, {@code hyperdas.pairs.split}, {@code hyperdas.pairs.seed},
 * {@code hyperdas.pairs.source}. Prompts are template with the entity in place of {@code %s};
 * teacher-forced labels are tokenized from prompt + " " + label.
 * See evaluation/PAIRS_SCHEMA.md for the same description with examples.
 */
public final class PairSchema {
    private PairSchema() {}

    public static final String VERSION = "1";

    public static final String ENTITY_TYPE = "entity_type";
    public static final String ATTRIBUTE = "attribute";
    public static final String BASE_ATTRIBUTE = "base_attribute";
    public static final String SOURCE_ATTRIBUTE = "source_attribute";
    public static final String KIND = "kind";
    public static final String SPLIT = "split";
    public static final String BASE_TEMPLATE = "base_template";
    public static final String BASE_ENTITY = "base_entity";
    public static final String SOURCE_TEMPLATE = "source_template";
    public static final String SOURCE_ENTITY = "source_entity";
    public static final String INSTRUCTION = "instruction";
    public static final String BASE_LABEL = "base_label";
    public static final String COUNTERFACTUAL_LABEL = "counterfactual_label";
    public static final String EXPECTED_LABEL = "expected_label";
    public static final String KNOWS_IT = "knows_it";

    /** The string columns, in schema order (knows_it, the only boolean, comes after them). */
    public static final List<String> STRING_COLUMNS = List.of(ENTITY_TYPE, ATTRIBUTE, BASE_ATTRIBUTE,
            SOURCE_ATTRIBUTE, KIND, SPLIT, BASE_TEMPLATE, BASE_ENTITY, SOURCE_TEMPLATE, SOURCE_ENTITY, INSTRUCTION,
            BASE_LABEL, COUNTERFACTUAL_LABEL, EXPECTED_LABEL);

    /** Columns a reader can't do without (source_attribute defaults to "", knows_it to true). */
    public static final List<String> REQUIRED_COLUMNS = List.of(ENTITY_TYPE, ATTRIBUTE, BASE_ATTRIBUTE, KIND, SPLIT,
            BASE_TEMPLATE, BASE_ENTITY, SOURCE_TEMPLATE, SOURCE_ENTITY, INSTRUCTION, BASE_LABEL, COUNTERFACTUAL_LABEL,
            EXPECTED_LABEL);

    public static final String META_VERSION = "hyperdas.pairs.version";
    public static final String META_ENTITY_TYPE = "hyperdas.pairs.entity_type";
    public static final String META_SPLIT = "hyperdas.pairs.split";
    public static final String META_SEED = "hyperdas.pairs.seed";
    public static final String META_SOURCE = "hyperdas.pairs.source";

    /** The fields, in order. */
    public static List<Field> fields() {
        List<Field> f = new ArrayList<>();
        for (String c : STRING_COLUMNS) {
            f.add(new Field(c, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
        }
        f.add(new Field(KNOWS_IT, FieldType.notNullable(ArrowType.Bool.INSTANCE), null));
        return f;
    }

    /** The schema without metadata. */
    public static Schema schema() {
        return new Schema(fields());
    }

    /** The schema with metadata (sorted by key, plus the version), so files are byte-stable. */
    public static Schema schema(Map<String, String> metadata) {
        TreeMap<String, String> m = new TreeMap<>();
        if (metadata != null) {
            m.putAll(metadata);
        }
        m.put(META_VERSION, VERSION);
        return new Schema(fields(), m);
    }
}
