package org.hyperdas.evaluation.leaderboard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.hyperdas.evaluation.scoring.Scores.Cid;
import org.hyperdas.runtime.io.AtomicFiles;

/**
 * Writes a {@link Leaderboard} as Markdown, CSV and one self-contained HTML file (inline style,
 * no scripts, no external resources). Scores are percentages with one decimal, as the RAVEL and
 * HyperDAS papers print them; an undefined score (nothing scored) is "–" (empty in the CSV).
 */
public final class LeaderboardWriter {
    public static final String MARKDOWN = "leaderboard.md";
    public static final String CSV = "leaderboard.csv";
    public static final String HTML = "leaderboard.html";

    /** The header line: what C, I and D measure, under the board's scoring rule. */
    static String legend(Leaderboard board) {
        return "C = Cause, I = Isolate, D = Disentangle = (C + I) / 2: % of examples answered right after the"
                + " intervention (teacher forced), counting " + board.scoringRule() + ". An entity type's"
                + " score is the mean over its attributes; Average is the mean over the entity types. The "
                + Leaderboard.PAPER_TEST_SPLIT + " table matches the HyperDAS paper's test set (unseen templates,"
                + " seen entities).";
    }

    private LeaderboardWriter() {
    }

    /** Writes the three files into {@code folder} (created if needed), each atomically. */
    public static List<Path> write(Leaderboard board, Path folder) throws IOException {
        Files.createDirectories(folder);
        List<Path> out = List.of(folder.resolve(MARKDOWN), folder.resolve(CSV), folder.resolve(HTML));
        AtomicFiles.writeString(out.get(0), markdown(board));
        AtomicFiles.writeString(out.get(1), csv(board));
        AtomicFiles.writeString(out.get(2), html(board, folder));
        return out;
    }

    /** A score as a percentage with one decimal, "–" when undefined. */
    public static String percent(double fraction) {
        return Double.isNaN(fraction) ? "–" : String.format(Locale.ROOT, "%.1f", fraction * 100);
    }

    private static List<String> cells(Cid c) {
        return c == null ? List.of("–", "–", "–")
                : List.of(percent(c.cause()), percent(c.isolate()), percent(c.disentangle()));
    }

    // ------------------------------------------------------------------ Markdown

    public static String markdown(Leaderboard board) {
        StringBuilder sb = new StringBuilder("# RAVEL leaderboard\n\n").append(legend(board)).append("\n");
        for (Leaderboard.Section s : board.sections()) {
            sb.append("\n## ").append(s.title()).append("\n\n");
            if (!s.note().isEmpty()) {
                sb.append(s.note()).append("\n\n");
            }
            List<String> header = new ArrayList<>(List.of("Method"));
            for (String t : s.types()) {
                String name = Leaderboard.typeName(t);
                header.addAll(List.of(name + " C", name + " I", name + " D"));
            }
            header.addAll(List.of("Avg C", "Avg I", "Avg D"));
            sb.append("| ").append(String.join(" | ", header)).append(" |\n|");
            sb.append(":---|");
            sb.append("---:|".repeat(header.size() - 1)).append("\n");
            for (Leaderboard.Row r : s.rows()) {
                List<String> row = new ArrayList<>(List.of(r.label()));
                for (String t : s.types()) {
                    row.addAll(cells(r.byType().get(t)));
                }
                row.addAll(cells(r.average()));
                sb.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
        }
        if (!board.runs().isEmpty()) {
            sb.append("\n## Runs\n\n");
            for (Leaderboard.Entry e : board.runs()) {
                sb.append("- ").append(e.label()).append(": ").append(e.folder()).append(" (model ").append(e.model())
                        .append(", layer ").append(e.layer()).append(", k ").append(e.k()).append(", label tokens ")
                        .append(e.labelTokens()).append(")\n");
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ CSV

    /** Wide CSV: one line per (table, row); entity-type columns are the union over the tables. */
    public static String csv(Leaderboard board) {
        Set<String> typeSet = new LinkedHashSet<>();
        board.sections().forEach(s -> typeSet.addAll(s.types()));
        List<String> types = new ArrayList<>(typeSet);
        types.sort(java.util.Comparator.comparingInt(Leaderboard::typeRank));
        List<String> header = new ArrayList<>(List.of("table", "method"));
        for (String t : types) {
            header.addAll(List.of(t + "_cause", t + "_isolate", t + "_disentangle"));
        }
        header.addAll(List.of("average_cause", "average_isolate", "average_disentangle", "paper_test_set",
                "label_tokens"));
        java.util.Map<String, String> tokens = new java.util.HashMap<>();
        board.runs().forEach(e -> tokens.put(e.label(), e.labelTokens()));
        StringBuilder sb = new StringBuilder(String.join(",", header)).append("\n");
        for (Leaderboard.Section s : board.sections()) {
            for (Leaderboard.Row r : s.rows()) {
                List<String> row = new ArrayList<>(List.of(csvField(s.id()), csvField(r.label())));
                for (String t : types) {
                    row.addAll(csvCells(s.types().contains(t) ? r.byType().get(t) : null));
                }
                row.addAll(csvCells(r.average()));
                row.add(s.id().equals("published") ? "" : Boolean.toString(Leaderboard.isPaperTestSplit(s.id())));
                row.add(s.id().equals("published") ? "all" : tokens.getOrDefault(r.label(), ""));
                sb.append(String.join(",", row)).append("\n");
            }
        }
        return sb.toString();
    }

    private static List<String> csvCells(Cid c) {
        return cells(c).stream().map(v -> v.equals("–") ? "" : v).toList();
    }

    private static String csvField(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    // ------------------------------------------------------------------ HTML

    public static String html(Leaderboard board) {
        return html(board, null);
    }

    /**
     * The HTML page; figures in the run folders ({@code selection-*.png}, HyperDAS's token
     * selections) are linked relative to {@code folder}, where the page is written (null: file URIs).
     */
    public static String html(Leaderboard board, Path folder) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>RAVEL leaderboard</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;")
                .append("color:#222}\n")
                .append("table{border-collapse:collapse;margin:0.5em 0 1.5em}\n")
                .append("th,td{border:1px solid #bbb;padding:0.25em 0.6em}\n")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("th{background:#f0f0f0}\nthead tr:first-child th{text-align:center}\n")
                .append("tr:nth-child(even) td{background:#fafafa}\n")
                .append("section.published table{opacity:0.8}\np.note{color:#555}\n")
                .append("</style>\n</head>\n<body>\n<h1>RAVEL leaderboard</h1>\n<p>")
                .append(escape(legend(board))).append("</p>\n");
        for (Leaderboard.Section s : board.sections()) {
            sb.append("<section class=\"").append(s.id().equals("published") ? "published" : "ours").append("\">\n");
            sb.append("<h2>").append(escape(s.title())).append("</h2>\n");
            if (!s.note().isEmpty()) {
                sb.append("<p class=\"note\">").append(escape(s.note())).append("</p>\n");
            }
            sb.append("<table>\n<thead>\n<tr><th rowspan=\"2\">Method</th>");
            for (String t : s.types()) {
                sb.append("<th colspan=\"3\">").append(escape(Leaderboard.typeName(t))).append("</th>");
            }
            sb.append("<th colspan=\"3\">Average</th></tr>\n<tr>");
            for (int i = 0; i <= s.types().size(); i++) {
                sb.append("<th title=\"Cause\">C</th><th title=\"Isolate\">I</th><th title=\"Disentangle\">D</th>");
            }
            sb.append("</tr>\n</thead>\n<tbody>\n");
            for (Leaderboard.Row r : s.rows()) {
                sb.append("<tr><td>").append(escape(r.label())).append("</td>");
                for (String t : s.types()) {
                    appendCells(sb, r.byType().get(t));
                }
                appendCells(sb, r.average());
                sb.append("</tr>\n");
            }
            sb.append("</tbody>\n</table>\n</section>\n");
        }
        if (!board.runs().isEmpty()) {
            sb.append("<h2>Runs</h2>\n<ul>\n");
            for (Leaderboard.Entry e : board.runs()) {
                sb.append("<li>").append(escape(e.label())).append(": <code>").append(escape(e.folder().toString()))
                        .append("</code> (model ").append(escape(e.model())).append(", layer ")
                        .append(escape(e.layer())).append(", k ").append(escape(e.k())).append(", label tokens ")
                        .append(escape(e.labelTokens())).append(")");
                List<Path> figures = figures(e.folder());
                if (!figures.isEmpty()) {
                    sb.append("; token selections:");
                    for (Path f : figures) {
                        String href = folder == null ? f.toAbsolutePath().toUri().toString()
                                : folder.toAbsolutePath().normalize().relativize(f.toAbsolutePath().normalize())
                                        .toString().replace('\\', '/');
                        sb.append(" <a href=\"").append(escape(href)).append("\">")
                                .append(escape(f.getFileName().toString().replace(".png", ""))).append("</a>");
                    }
                }
                sb.append("</li>\n");
            }
            sb.append("</ul>\n");
        }
        sb.append("</body>\n</html>\n");
        return sb.toString();
    }

    /** The selection heatmaps of a run folder, by name. */
    static List<Path> figures(Path runFolder) {
        try (java.util.stream.Stream<Path> files = Files.list(runFolder)) {
            return files.filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith("selection-") && n.endsWith(".png");
            }).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static void appendCells(StringBuilder sb, Cid c) {
        for (String v : cells(c)) {
            sb.append("<td class=\"num\">").append(escape(v)).append("</td>");
        }
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }
}
