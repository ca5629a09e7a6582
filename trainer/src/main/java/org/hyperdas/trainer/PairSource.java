package org.hyperdas.trainer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperdas.evaluation.arrow.PairReader;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairBuilder;
import org.hyperdas.evaluation.pairs.PairMix;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.evaluation.ravel.PrepareData;
import org.hyperdas.evaluation.ravel.RavelDataset;
import org.hyperdas.evaluation.ravel.RavelLoader;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.trainer.knowledge.KnowledgeReport;

/**
 * Where the pairs of a run come from: pair files prepared by {@code hyperdas-run data prepare}
 * ({@code dataDir}, files {type}_{split}.arrow), or pairs built in memory from a RAVEL release
 * folder ({@code ravelDir}) or, when neither is given, from the embedded RAVEL subset.
 *
 * @param dataDir prepared pair files, or null
 * @param ravelDir a RAVEL data folder, or null (embedded dataset)
 * @param entityTypes types to use; empty = every type of the source
 * @param attributes target attributes to keep; empty = all (each must exist in some chosen type)
 * @param pairOptions seed and per-kind limits when building in memory
 */
public record PairSource(Path dataDir, Path ravelDir, List<String> entityTypes, List<String> attributes,
        PairOptions pairOptions) {
    public PairSource {
        entityTypes = entityTypes == null ? List.of() : List.copyOf(entityTypes);
        attributes = attributes == null ? List.of() : List.copyOf(attributes);
    }

    /** The embedded RAVEL subset, all types and attributes, default limits. */
    public static PairSource embedded(long seed) {
        return new PairSource(null, null, List.of(), List.of(), PairOptions.defaults(seed));
    }

    /**
     * The pair mix a run gets when the user names none: {@link PairMix#REFERENCE} for a RAVEL
     * release folder and a user-given model without a knowledge report (knowledge.json, which every
     * knowledge model has), {@link PairMix#BALANCED} otherwise. Reference pairs put Wikipedia
     * passages in source prompts, which only a real model's tokenizer reads: the knowledge model's
     * word-level vocabulary holds the template words alone (the rest would be unknown tokens), and the
     * embedded subset is the knowledge model's data, so both keep the balanced mix.
     *
     * @param ravelDir the RAVEL release folder, or null (embedded subset or pair files)
     * @param userModel the model folder the user named, or null (the cached knowledge model)
     */
    public static PairMix defaultMix(Path ravelDir, Path userModel) {
        boolean knowledgeModel = userModel == null || Files.isRegularFile(userModel.resolve(KnowledgeReport.FILE));
        return ravelDir != null && !knowledgeModel ? PairMix.REFERENCE : PairMix.BALANCED;
    }

    /** One line for config files and logs; pairs built in memory name their mix. */
    public String describe() {
        String from = dataDir != null ? "pair files " + dataDir.toAbsolutePath().normalize()
                : ravelDir != null ? "RAVEL " + ravelDir.toAbsolutePath().normalize() : "embedded RAVEL subset";
        return dataDir != null ? from : from + ", " + pairOptions.mix().label() + " pairs";
    }

    /** Entity types available from the source. */
    public List<String> availableTypes() {
        if (dataDir != null) {
            if (!Files.isDirectory(dataDir)) {
                throw BadInputException.file(dataDir, "no such folder (expected pair files written by"
                        + " hyperdas-run data prepare: {type}_{split}.arrow)");
            }
            Set<String> types = new LinkedHashSet<>();
            for (String t : RavelLoader.RAVEL_TYPES) {
                for (PairSplit s : PairSplit.values()) {
                    if (Files.isRegularFile(dataDir.resolve(PrepareData.fileName(t, s)))) {
                        types.add(t);
                    }
                }
            }
            if (types.isEmpty()) {
                throw BadInputException.file(dataDir, "no pair files {type}_{split}.arrow for any RAVEL entity type "
                        + RavelLoader.RAVEL_TYPES);
            }
            return new ArrayList<>(types);
        }
        return ravelDir == null ? RavelLoader.EMBEDDED_TYPES : RavelLoader.entityTypes(ravelDir);
    }

    /** The chosen entity types, checked against the source. */
    public List<String> types() {
        List<String> available = availableTypes();
        if (entityTypes.isEmpty()) {
            return available;
        }
        for (String t : entityTypes) {
            if (!available.contains(t)) {
                throw new BadInputException(describe() + ": entity type '" + t + "': expected one of " + available);
            }
        }
        return entityTypes;
    }

    /** Loads the pairs of the given splits (in that order), filtered to the chosen attributes. */
    public PairSet load(List<PairSplit> splits, PrintStream log) {
        List<Pair> out = new ArrayList<>();
        Map<String, List<String>> attributesByType = new LinkedHashMap<>();
        for (String type : types()) {
            List<String> typeAttributes;
            if (dataDir != null) {
                List<Pair> all = new ArrayList<>();
                for (PairSplit split : splits) {
                    Path f = dataDir.resolve(PrepareData.fileName(type, split));
                    if (!Files.isRegularFile(f)) {
                        throw BadInputException.file(f, "missing: the run needs the " + split.label() + " pairs of "
                                + type + " (hyperdas-run data prepare writes them)");
                    }
                    all.addAll(PairReader.readAll(f));
                }
                typeAttributes = all.stream().map(Pair::attribute).distinct().toList();
                List<String> keep = keep(typeAttributes);
                all.stream().filter(p -> keep.contains(p.attribute())).forEach(out::add);
                attributesByType.put(type, keep);
            } else {
                RavelDataset ds = ravelDir == null ? RavelLoader.loadEmbedded(type, log)
                        : RavelLoader.load(ravelDir, type, log);
                typeAttributes = ds.attributesWithValues();
                List<String> keep = keep(typeAttributes);
                attributesByType.put(type, keep);
                if (keep.isEmpty()) {
                    continue;
                }
                PairBuilder builder = new PairBuilder(ds, pairOptions.withAttributes(keep));
                for (PairSplit split : splits) {
                    out.addAll(builder.buildAll(split));
                }
            }
        }
        for (String a : attributes) {
            if (attributesByType.values().stream().noneMatch(l -> l.contains(a))) {
                throw new BadInputException(describe() + ": attribute '" + a + "': expected an attribute of "
                        + attributesByType);
            }
        }
        if (out.isEmpty()) {
            throw new BadInputException(describe() + ": no pairs for entity types " + types() + " and attributes "
                    + (attributes.isEmpty() ? "(all)" : attributes));
        }
        return new PairSet(out);
    }

    private List<String> keep(List<String> typeAttributes) {
        return attributes.isEmpty() ? typeAttributes
                : typeAttributes.stream().filter(attributes::contains).toList();
    }
}
