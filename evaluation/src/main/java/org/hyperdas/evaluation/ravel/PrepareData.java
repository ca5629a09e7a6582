package org.hyperdas.evaluation.ravel;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.hyperdas.evaluation.arrow.PairSchema;
import org.hyperdas.evaluation.arrow.PairWriter;
import org.hyperdas.evaluation.pairs.Pair;
import org.hyperdas.evaluation.pairs.PairBuilder;
import org.hyperdas.evaluation.pairs.PairKind;
import org.hyperdas.evaluation.pairs.PairOptions;
import org.hyperdas.evaluation.pairs.PairSplit;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * {@code hyperdas-run data prepare}: loads RAVEL (a release folder, or the embedded dataset when
 * no folder is given), builds cause/isolate pairs for every target attribute and pair split, and
 * writes one Arrow IPC pair file per entity type and split ({@code {type}_{split}.arrow}, see
 * PAIRS_SCHEMA.md) plus {@code counts.tsv}. Streams: one (split, attribute, kind) chunk of pairs
 * and one record batch are in memory at a time. Same inputs and seed: byte-identical files.
 */
public final class PrepareData {
    private PrepareData() {}

    /** Pairs built for one (entity type, target attribute, pair split, kind). */
    public record Row(String entityType, String attribute, String split, PairKind kind, long pairs, long dropped,
            long candidates) {}

    /** The counts of a run. */
    public record Counts(List<Row> rows) {
        public Counts {
            rows = List.copyOf(rows);
        }

        public long total() {
            return rows.stream().mapToLong(Row::pairs).sum();
        }

        /** Pairs of one (type, attribute, split, kind); 0 when absent. */
        public long count(String entityType, String attribute, String split, PairKind kind) {
            return rows.stream().filter(r -> r.entityType.equals(entityType) && r.attribute.equals(attribute)
                    && r.split.equals(split) && r.kind == kind).mapToLong(Row::pairs).sum();
        }

        /** Pairs of one (type, split, kind) over all attributes. */
        public long count(String entityType, String split, PairKind kind) {
            return rows.stream().filter(r -> r.entityType.equals(entityType) && r.split.equals(split)
                    && r.kind == kind).mapToLong(Row::pairs).sum();
        }

        /**
         * A fixed-width table: one line per (type, attribute, split) with cause, isolate and total
         * pairs, a subtotal per (type, split), and a grand total.
         */
        public String table() {
            Map<List<String>, long[]> lines = new LinkedHashMap<>();
            Map<List<String>, long[]> subtotals = new LinkedHashMap<>();
            for (Row r : rows) {
                long[] c = lines.computeIfAbsent(List.of(r.entityType, r.attribute, r.split), k -> new long[3]);
                long[] s = subtotals.computeIfAbsent(List.of(r.entityType, r.split), k -> new long[3]);
                int i = r.kind == PairKind.CAUSE ? 0 : 1;
                c[i] += r.pairs;
                c[2] += r.dropped;
                s[i] += r.pairs;
                s[2] += r.dropped;
            }
            int wt = "entity type".length();
            int wa = "attribute".length();
            for (Row r : rows) {
                wt = Math.max(wt, r.entityType.length());
                wa = Math.max(wa, r.attribute.length());
            }
            String fmt = "%-" + wt + "s  %-" + wa + "s  %-12s  %8s  %8s  %8s  %7s  %7s%n";
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(fmt, "entity type", "attribute", "split", "cause", "isolate", "total", "cause %",
                    "dropped"));
            String lastType = null;
            for (Map.Entry<List<String>, long[]> e : lines.entrySet()) {
                List<String> k = e.getKey();
                if (lastType != null && !lastType.equals(k.get(0))) {
                    appendSubtotals(sb, fmt, subtotals, lastType);
                }
                lastType = k.get(0);
                long[] c = e.getValue();
                sb.append(String.format(fmt, k.get(0), k.get(1), k.get(2), c[0], c[1], c[0] + c[1], share(c[0], c[1]),
                        c[2]));
            }
            if (lastType != null) {
                appendSubtotals(sb, fmt, subtotals, lastType);
            }
            long cause = rows.stream().filter(r -> r.kind == PairKind.CAUSE).mapToLong(Row::pairs).sum();
            long dropped = rows.stream().mapToLong(Row::dropped).sum();
            sb.append(String.format(fmt, "total", "", "", cause, total() - cause, total(), share(cause, total() - cause),
                    dropped));
            return sb.toString();
        }

        private static void appendSubtotals(StringBuilder sb, String fmt, Map<List<String>, long[]> subtotals,
                String type) {
            for (Map.Entry<List<String>, long[]> e : subtotals.entrySet()) {
                if (e.getKey().get(0).equals(type)) {
                    long[] s = e.getValue();
                    sb.append(String.format(fmt, type, "(all)", e.getKey().get(1), s[0], s[1], s[0] + s[1],
                            share(s[0], s[1]), s[2]));
                }
            }
        }

        /** Cause pairs as a percentage of all pairs ("41.2"), "-" when there are none. */
        static String share(long cause, long isolate) {
            return cause + isolate == 0 ? "-"
                    : String.format(java.util.Locale.ROOT, "%.1f", 100.0 * cause / (cause + isolate));
        }

        /** Tab-separated, one line per row, with a header. */
        public String tsv() {
            StringBuilder sb = new StringBuilder("entity_type\tattribute\tsplit\tkind\tpairs\tdropped\tcandidates\n");
            for (Row r : rows) {
                sb.append(r.entityType).append('\t').append(r.attribute).append('\t').append(r.split).append('\t')
                        .append(r.kind.label()).append('\t').append(r.pairs).append('\t').append(r.dropped)
                        .append('\t').append(r.candidates).append('\n');
            }
            return sb.toString();
        }
    }

    /** What a run wrote. */
    public record Result(Path outDir, List<Path> files, Counts counts, String table) {
        public Result {
            files = List.copyOf(files);
        }
    }

    /** File name of a pair file: {type}_{split}.arrow. */
    public static String fileName(String entityType, PairSplit split) {
        return entityType + "_" + split.label() + ".arrow";
    }

    /**
     * Prepares pair files with the default options and a seed.
     *
     * @param ravelDir    a RAVEL data folder, or null for the embedded dataset
     * @param outDir      where the .arrow files and counts.tsv go (created if needed)
     * @param entityTypes the types to prepare; null or empty: all of the folder (or embedded) ones
     * @param progress    progress lines (null: silent)
     * @throws BadInputException for bad folders, files, types (the CLI exits with 2)
     */
    public static Result run(Path ravelDir, Path outDir, List<String> entityTypes, long seed, PrintStream progress)
            throws IOException {
        return run(ravelDir, outDir, entityTypes, PairOptions.defaults(seed), progress);
    }

    public static Result run(Path ravelDir, Path outDir, List<String> entityTypes, PairOptions options,
            PrintStream progress) throws IOException {
        PrintStream log = progress != null ? progress : new PrintStream(PrintStream.nullOutputStream());
        List<String> available = ravelDir == null ? RavelLoader.EMBEDDED_TYPES : RavelLoader.entityTypes(ravelDir);
        List<String> types = entityTypes == null || entityTypes.isEmpty() ? available : entityTypes;
        for (String t : types) {
            if (!available.contains(t)) {
                throw new BadInputException((ravelDir == null ? "embedded RAVEL dataset" : ravelDir.toString())
                        + ": entity type '" + t + "': expected one of " + available);
            }
        }
        List<Path> files = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        for (String type : types) {
            RavelDataset ds = ravelDir == null ? RavelLoader.loadEmbedded(type, log) : RavelLoader.load(ravelDir, type,
                    log);
            PairBuilder builder = new PairBuilder(ds, options);
            for (PairSplit split : options.splits()) {
                Path target = outDir.resolve(fileName(type, split));
                List<Row> splitRows = new ArrayList<>();
                Iterator<Pair> pairs = counting(type, builder.chunks(split), splitRows);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put(PairSchema.META_ENTITY_TYPE, type);
                meta.put(PairSchema.META_SPLIT, split.label());
                meta.put(PairSchema.META_SEED, Long.toString(options.seed()));
                meta.put(PairSchema.META_SOURCE, ravelDir == null ? "embedded" : "ravel");
                long n = PairWriter.write(target, pairs, meta);
                rows.addAll(splitRows);
                files.add(target);
                log.println(type + " " + split.label() + ": " + n + " pairs (" + builder.targetAttributes().size()
                        + " attributes x cause/isolate) -> " + target);
            }
        }
        Counts counts = new Counts(rows);
        AtomicFiles.writeString(outDir.resolve("counts.tsv"), counts.tsv());
        String table = counts.table();
        return new Result(outDir, files, counts, table);
    }

    /** Flattens chunks into pairs, recording a Row per chunk as it is pulled. */
    private static Iterator<Pair> counting(String type, Iterator<PairBuilder.Chunk> chunks, List<Row> rows) {
        return new Iterator<>() {
            Iterator<Pair> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && chunks.hasNext()) {
                    PairBuilder.Chunk c = chunks.next();
                    rows.add(new Row(type, c.attribute(), c.split().label(), c.kind(),
                            c.pairs().size(), c.dropped(), c.candidates()));
                    current = c.pairs().iterator();
                }
                return current.hasNext();
            }

            @Override
            public Pair next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
