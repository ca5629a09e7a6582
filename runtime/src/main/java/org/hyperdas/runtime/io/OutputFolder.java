package org.hyperdas.runtime.io;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hyperdas.runtime.BadInputException;

/**
 * The one rule every writing command applies to its output path, before it does any work: the
 * path may be absent (it is created), an empty folder, or a folder holding this command's own kind
 * of output (recognised by the {@link #MARKER} file the tool writes, or by the kind's known files);
 * anything else (a folder of other files, a regular file) is refused with a {@link
 * BadInputException} naming the option, unless {@code --overwrite} is given, and even then a
 * regular file is never turned into a folder and no file the tool did not write is deleted.
 *
 * <p>Commands that build their output beside it and rename it into place (pretrain, export) build
 * it in a hidden sibling named {@code .NAME.hyperdas-tmp-HEX} holding the marker; a process killed
 * before the rename leaves that folder behind, and the next check of the same path removes it.
 */
public final class OutputFolder {
    /** The marker file naming the kind of output a folder holds and the process that wrote it. */
    public static final String MARKER = ".hyperdas-output.json";
    /** Infix of the hidden temporary siblings: {@code "." + name + TEMP_INFIX + hex}. */
    public static final String TEMP_INFIX = ".hyperdas-tmp-";

    private static final Pattern KIND = Pattern.compile("\"kind\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");

    private OutputFolder() {
    }

    /**
     * Checks that {@code path} may receive output of {@code kind}, removes what earlier killed runs
     * of this kind left beside it, and returns the absolute path. Creates nothing.
     *
     * @param option the command-line option that named the path, for messages (e.g. {@code --out})
     * @throws BadInputException when the path is a file, is a folder of other files (without
     *     {@code overwrite}), an own output that this kind never replaces (without {@code overwrite}),
     *     or cannot be written
     */
    public static Path check(String option, Path path, OutputKind kind, boolean overwrite, PrintStream log) {
        Path abs = path.toAbsolutePath().normalize();
        String where = option + " " + path;
        String expected = "expected an absent or empty folder, or the output of an earlier " + kind.name() + " run";
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new BadInputException(where + ": is a file, not a folder (" + expected
                    + "); a file is never replaced by a folder, not even with --overwrite");
        }
        if (Files.isDirectory(abs)) {
            checkFolder(where, abs, kind, overwrite, expected);
        }
        probeWritable(where, abs);
        removeLeftovers(abs, kind, log);
        removeMarkerTemps(abs, log);
        if (Files.isDirectory(abs) && isOwn(abs, kind, names(abs))) {
            removeStaleTempFiles(abs, log);
        }
        return abs;
    }

    /**
     * Removes the temporary files of atomic writes ({@link AtomicFiles#isTempFile}) that a killed
     * run left inside its own output folder; the files they were to replace are whole (old or new).
     */
    private static void removeStaleTempFiles(Path folder, PrintStream log) {
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).filter(AtomicFiles::isTempFile).toList()) {
                Files.deleteIfExists(p);
                log.println("note: removed " + p + ", an unfinished write of an interrupted run");
            }
        } catch (IOException e) {
            log.println("note: could not remove unfinished writes under " + folder + ": " + describe(e));
        }
    }

    /** {@link #check}, then creates the folder and marks it as this kind's output (written in place). */
    public static Path claim(String option, Path path, OutputKind kind, boolean overwrite, PrintStream log) {
        Path abs = check(option, path, kind, overwrite, log);
        try {
            Files.createDirectories(abs);
            if (!kind.addsFilesOnly() && !Files.exists(abs.resolve(MARKER))) {
                writeMarker(abs, kind);
            }
        } catch (IOException e) {
            throw new BadInputException(option + " " + path + ": cannot create the output folder: " + describe(e), e);
        }
        return abs;
    }

    private static void checkFolder(String where, Path abs, OutputKind kind, boolean overwrite, String expected) {
        List<String> names = names(abs);
        if (names.isEmpty()) {
            return;
        }
        if (kind.addsFilesOnly()) {
            boolean occupied = kind.signatures().get(0).stream().anyMatch(names::contains);
            if (occupied && !isOwn(abs, kind, names) && !overwrite) {
                throw new BadInputException(where + ": already holds " + kind.signatures().get(0).stream()
                        .filter(names::contains).toList() + " that hyperdas-run did not write all together; "
                        + "pass --overwrite to replace them");
            }
            return;
        }
        if (isOwn(abs, kind, names)) {
            if (!kind.replacesOwn() && !overwrite) {
                throw new BadInputException(where + ": already exists and is not empty: it holds an earlier "
                        + kind.name() + " output, which is never written over unless --overwrite is given");
            }
            return;
        }
        if (!overwrite) {
            String otherKind = markedKind(abs);
            throw new BadInputException(where + ": is not empty and holds "
                    + (otherKind != null ? "the output of a " + otherKind + " run" : "files hyperdas-run did not write ("
                    + String.join(", ", names.stream().limit(3).toList()) + (names.size() > 3 ? ", ..." : "") + ")")
                    + "; " + expected + ", or pass --overwrite to write into it (its other files are kept)");
        }
    }

    /** Whether the folder holds output of {@code kind}: its marker, or one of its signatures complete. */
    static boolean isOwn(Path folder, OutputKind kind, List<String> names) {
        String marked = markedKind(folder);
        if (marked != null) {
            return marked.equals(kind.name());
        }
        return kind.signatures().stream().anyMatch(names::containsAll);
    }

    /** The kind named by the folder's marker, or null when it has none (or an unreadable one). */
    static String markedKind(Path folder) {
        Matcher m = KIND.matcher(readMarker(folder));
        return m.find() ? m.group(1) : null;
    }

    private static String readMarker(Path folder) {
        try {
            Path marker = folder.resolve(MARKER);
            return Files.isRegularFile(marker) && Files.size(marker) < 4096 ? Files.readString(marker) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static void writeMarker(Path folder, OutputKind kind) throws IOException {
        AtomicFiles.writeString(folder.resolve(MARKER), String.format(Locale.ROOT,
                "{\"tool\": \"hyperdas-run\", \"kind\": \"%s\", \"pid\": %d}%n", kind.name(),
                ProcessHandle.current().pid()));
    }

    /** Fails now, not after the work, when nothing can be created at {@code abs}. */
    private static void probeWritable(String where, Path abs) {
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new BadInputException(where + ": cannot be created: " + existing + " is a file, not a folder");
        }
        Path probe = existing.resolve(".hyperdas-probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createFile(probe);
            Files.delete(probe);
        } catch (IOException e) {
            throw new BadInputException(where + ": cannot write in " + existing + ": " + describe(e), e);
        }
    }

    // ------------------------------------------------------------------ build beside, then rename

    /** Creates a hidden, marked sibling of {@code out} to build the output in before {@link #install}. */
    public static Path newTempSibling(Path out, OutputKind kind) throws IOException {
        Path abs = out.toAbsolutePath().normalize();
        Path tmp = abs.resolveSibling(tempPrefix(abs) + Long.toHexString(ThreadLocalRandom.current().nextLong()
                & Long.MAX_VALUE));
        Files.createDirectories(tmp);
        writeMarker(tmp, kind);
        return tmp;
    }

    /**
     * Moves the complete folder {@code staging} to {@code out}. An absent or empty {@code out} is
     * replaced by a rename; an earlier output whose every file the new one also holds is renamed
     * aside first and deleted after (so {@code out} is never half-written); a folder with other files
     * (written into with --overwrite) gets the new files one by one and keeps its others. The
     * installed folder (a model, a portable export) keeps no marker: its known files identify it.
     */
    public static void install(Path staging, Path out, OutputKind kind) throws IOException {
        Path abs = out.toAbsolutePath().normalize();
        if (Files.isDirectory(abs) && names(abs).isEmpty()) {
            Files.delete(abs);
        }
        if (!Files.exists(abs)) {
            Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(abs.resolve(MARKER));
            return;
        }
        List<String> newNames = names(staging);
        if (newNames.containsAll(names(abs))) {
            Path aside = abs.resolveSibling(tempPrefix(abs) + "old-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
            Files.move(abs, aside, StandardCopyOption.ATOMIC_MOVE);
            writeMarker(aside, kind); // so that a kill before the delete leaves a leftover the next run removes
            Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(abs.resolve(MARKER));
            deleteTree(aside);
            return;
        }
        for (String name : newNames) {
            try {
                Files.move(staging.resolve(name), abs.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (DirectoryNotEmptyException e) {
                throw new BadInputException(abs.resolve(name) + ": is a folder of other files where the "
                        + kind.name() + " output has its file " + name + "; move it away", e);
            }
        }
        deleteTree(staging);
    }

    // ------------------------------------------------------------------ leftovers

    /**
     * Removes the hidden temporary siblings of {@code out} that a killed run of {@code kind} left:
     * only folders with the fixed name prefix and a marker of this kind whose process is gone.
     *
     * @return the folders removed
     */
    public static List<Path> removeLeftovers(Path out, OutputKind kind, PrintStream log) {
        Path abs = out.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        List<Path> removed = new ArrayList<>();
        if (parent == null || !Files.isDirectory(parent)) {
            return removed;
        }
        String prefix = tempPrefix(abs);
        try (Stream<Path> siblings = Files.list(parent)) {
            for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList()) {
                if (Files.isDirectory(p) && kind.name().equals(markedKind(p)) && !writerAlive(p)) {
                    long bytes = size(p);
                    deleteTree(p);
                    removed.add(p);
                    log.printf(Locale.ROOT, "note: removed %s (%.1f MB), left by an interrupted %s run%n", p,
                            bytes / 1e6, kind.name());
                }
            }
        } catch (IOException e) {
            log.println("note: could not remove what an interrupted run left beside " + abs + ": " + describe(e));
        }
        return removed;
    }

    private static boolean writerAlive(Path folder) {
        Matcher m = PID.matcher(readMarker(folder));
        if (!m.find()) {
            return false;
        }
        long pid = Long.parseLong(m.group(1));
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String tempPrefix(Path abs) {
        return "." + abs.getFileName() + TEMP_INFIX;
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(MARKER) && !isMarkerTemp(n))
                    .sorted().toList();
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot list the folder: " + describe(e), e);
        }
    }

    /**
     * An unfinished write of the marker itself ({@code ..hyperdas-output.json.HEX.tmp}): what a run
     * killed inside {@link #writeMarker} leaves. Ours by its name, so it never makes a folder foreign.
     */
    private static boolean isMarkerTemp(String name) {
        return name.startsWith("." + MARKER + ".") && AtomicFiles.isTempFile(Path.of(name));
    }

    /** Deletes the marker's unfinished writes directly inside {@code folder} (see {@link #isMarkerTemp}). */
    private static void removeMarkerTemps(Path folder, PrintStream log) {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.filter(f -> isMarkerTemp(f.getFileName().toString())).toList()) {
                Files.deleteIfExists(p);
                log.println("note: removed " + p + ", an unfinished write of an interrupted run");
            }
        } catch (IOException e) {
            log.println("note: could not remove unfinished writes under " + folder + ": " + describe(e));
        }
    }

    private static long size(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** Deletes a folder the tool wrote, and everything in it. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                .toLowerCase(Locale.ROOT) + (m != null ? " (" + m + ")" : "");
    }
}
