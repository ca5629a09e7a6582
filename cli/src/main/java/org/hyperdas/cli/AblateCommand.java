package org.hyperdas.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hyperdas.evaluation.scoring.RunFolder;
import org.hyperdas.evaluation.scoring.Scores;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.io.OutputFolder;
import org.hyperdas.runtime.io.OutputKind;
import org.hyperdas.trainer.hyperdas.HyperDasMethod;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Unmatched;

/**
 * {@code hyperdas-run ablate}: the paper's ablation table. Trains the full HyperDAS model and each
 * ablation ({@link #VARIANTS}), each one {@code train --baselines none} run into DIR/VARIANT with
 * the given train options, then writes the soft-mode Cause / Isolate / Disentangle of every split
 * as DIR/ablation.md and .csv and prints it. A variant whose soft run folder already has its
 * scores is not trained again, so an interrupted ablation continues where it stopped.
 */
@Command(name = "ablate", mixinStandardHelpOptions = true,
        description = {"Train the full HyperDAS model and each ablation (no source or base cross-attention, hypernetwork"
                + " from scratch, random pair order, plain and mask subspaces) with the given train options, each as"
                + " `train --baselines none` into DIR/VARIANT, and write the table (rows: variants; columns: Cause /"
                + " Isolate / Disentangle per split, soft selection) as DIR/ablation.md and DIR/ablation.csv.",
            "Finished variants (DIR/VARIANT/hyperdas-soft/scores.json) are skipped: run the same command again to"
                + " continue. Any other option is passed to train (e.g. --entity-types, --attributes, --epochs,"
                + " --seed, --model)."})
final class AblateCommand implements Callable<Integer> {
    /** One row of the table: its folder name, its label, and the train options that make it. */
    record Variant(String name, String label, List<String> trainArgs) {
    }

    /** The rows, full model first. */
    static final List<Variant> VARIANTS = List.of(
            new Variant("full", "HyperDAS (full model)", List.of()),
            new Variant("no-source-cross", "- source cross-attention", List.of("--ablate", "no-source-cross")),
            new Variant("no-base-cross", "- base cross-attention", List.of("--ablate", "no-base-cross")),
            new Variant("scratch-init", "- init from the target (scratch)", List.of("--ablate", "scratch-init")),
            new Variant("random-order", "- asymmetric pair order (random)", List.of("--ablate", "random-order")),
            new Variant("subspace-plain", "- Householder step (plain R)", List.of("--subspace", "plain")),
            new Variant("subspace-mask", "mask subspace instead of Householder", List.of("--subspace", "mask")));

    static final String TABLE = "ablation";
    /** Options ablate sets for every variant itself. */
    private static final List<String> OWN = List.of("--out", "--ablate", "--subspace", "--baselines", "--method",
            "--seeds");

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "runs/ablation",
            description = "Folder of the variants' runs and the table (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--variants", split = ",", paramLabel = "NAME",
            description = "Only these rows (default: all): full, no-source-cross, no-base-cross, scratch-init,"
                    + " random-order, subspace-plain, subspace-mask.")
    List<String> variants;

    @Unmatched
    List<String> trainOptions = new ArrayList<>();

    /** The variants to run, in table order. */
    List<Variant> chosen() {
        if (variants == null) {
            return VARIANTS;
        }
        List<String> names = VARIANTS.stream().map(Variant::name).toList();
        for (String v : variants) {
            if (!names.contains(v)) {
                throw new BadInputException("--variants: '" + v + "': expected some of " + String.join(", ", names));
            }
        }
        return VARIANTS.stream().filter(v -> variants.contains(v.name())).toList();
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        for (String a : trainOptions) {
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (OWN.contains(name)) {
                throw new BadInputException(name + ": ablate sets it for every variant itself; give train's other"
                        + " options only");
            }
        }
        List<Variant> rows = chosen();
        Path root = OutputFolder.claim("--out", out, OutputKind.TRAIN, false, System.err);
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        for (int i = 0; i < rows.size(); i++) {
            Variant v = rows.get(i);
            Path folder = root.resolve(v.name());
            if (finished(folder)) {
                System.err.printf("ablate: %s finished earlier (%s), skipped%n", v.name(), softRun(folder));
                continue;
            }
            System.err.printf("ablate: %s (%d of %d)%n", v.name(), i + 1, rows.size());
            List<String> args = new ArrayList<>(List.of("train"));
            args.addAll(trainOptions);
            args.addAll(List.of("--out", folder.toString(), "--baselines", "none"));
            args.addAll(v.trainArgs());
            int code = HyperdasRun.execute(args.toArray(String[]::new), stdout, stderr);
            if (code != 0) {
                System.err.printf("ablate: %s failed (exit %d); run the same command again to retry it%n", v.name(),
                        code);
                return code;
            }
        }
        Table table = table(root, rows);
        Files.writeString(root.resolve(TABLE + ".md"), table.markdown());
        Files.writeString(root.resolve(TABLE + ".csv"), table.csv());
        stdout.print("\n" + table.markdown());
        stdout.flush();
        System.err.println("ablation table: " + root.resolve(TABLE + ".md") + ", " + root.resolve(TABLE + ".csv"));
        return 0;
    }

    private static Path softRun(Path variantFolder) {
        return variantFolder.resolve(HyperDasMethod.NAME + "-soft");
    }

    static boolean finished(Path variantFolder) {
        return Files.isRegularFile(softRun(variantFolder).resolve(RunFolder.SCORES));
    }

    /** The table: its splits (columns C, I, D each) and one row per variant. */
    record Table(List<String> splits, List<String> labels, List<List<Scores.Cid>> cells) {
        String markdown() {
            StringBuilder sb = new StringBuilder("| Variant |");
            StringBuilder rule = new StringBuilder("|---|");
            for (String s : splits) {
                sb.append(' ').append(s).append(" C | ").append(s).append(" I | ").append(s).append(" D |");
                rule.append("---:|---:|---:|");
            }
            sb.append('\n').append(rule).append('\n');
            for (int r = 0; r < labels.size(); r++) {
                sb.append("| ").append(labels.get(r)).append(" |");
                for (Scores.Cid c : cells.get(r)) {
                    sb.append(' ').append(pct(c == null ? Double.NaN : c.cause())).append(" | ")
                            .append(pct(c == null ? Double.NaN : c.isolate())).append(" | ")
                            .append(pct(c == null ? Double.NaN : c.disentangle())).append(" |");
                }
                sb.append('\n');
            }
            return sb.toString();
        }

        String csv() {
            StringBuilder sb = new StringBuilder("variant");
            for (String s : splits) {
                sb.append(',').append(s).append("_cause,").append(s).append("_isolate,").append(s)
                        .append("_disentangle");
            }
            sb.append('\n');
            for (int r = 0; r < labels.size(); r++) {
                sb.append('"').append(labels.get(r)).append('"');
                for (Scores.Cid c : cells.get(r)) {
                    sb.append(',').append(num(c == null ? Double.NaN : c.cause())).append(',')
                            .append(num(c == null ? Double.NaN : c.isolate())).append(',')
                            .append(num(c == null ? Double.NaN : c.disentangle()));
                }
                sb.append('\n');
            }
            return sb.toString();
        }

        private static String pct(double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", 100 * v) : "-";
        }

        private static String num(double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "";
        }
    }

    /** The soft-mode scores of {@code rows} under {@code root}, splits in the first run's order. */
    static Table table(Path root, List<Variant> rows) throws IOException {
        List<String> splits = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Scores> scores = new ArrayList<>();
        for (Variant v : rows) {
            Scores s = RunFolder.read(softRun(root.resolve(v.name()))).scores();
            s.splits().forEach(sp -> {
                if (!splits.contains(sp.split())) {
                    splits.add(sp.split());
                }
            });
            labels.add(v.label());
            scores.add(s);
        }
        List<List<Scores.Cid>> cells = new ArrayList<>();
        for (Scores s : scores) {
            cells.add(splits.stream().map(sp -> s.split(sp).map(Scores.SplitScores::overall).orElse(null)).toList());
        }
        return new Table(splits, labels, cells);
    }
}
