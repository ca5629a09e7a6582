package org.hyperdas.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Writes files so that readers only ever see the old content or the complete new content: the
 * bytes go to a hidden temporary file in the same folder (same file system, so rename is atomic),
 * are forced to disk, and the temporary file is then renamed over the target with ATOMIC_MOVE.
 * On any failure the temporary file is deleted and the target is left untouched.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Receives the open channel of the temporary file and writes the whole content to it. */
    @FunctionalInterface
    public interface ChannelBody {
        void write(FileChannel channel) throws IOException;
    }

    /** The temporary files {@link #write} creates beside their target: {@code .NAME.HEX.tmp}. */
    private static final Pattern TEMP_NAME = Pattern.compile("\\..+\\.[0-9a-f]{1,16}\\.tmp");

    /** Whether {@code file} is named like a temporary file of {@link #write} (one a killed writer leaves). */
    public static boolean isTempFile(Path file) {
        return TEMP_NAME.matcher(file.getFileName().toString()).matches();
    }

    public static void write(Path target, ChannelBody body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: that creates mode 0600 files; CREATE_NEW with a random name
        // lets the umask apply, so the final file has ordinary permissions.
        Path tmp = dir.resolve("." + abs.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                body.write(ch);
                ch.force(true);
            } catch (IOException e) {
                if (e.getClass() != IOException.class) {
                    throw e; // already names the file (FileSystemException and its kind)
                }
                // A full disk or a file size limit: the bare "File too large" names no file.
                throw new IOException("cannot write " + abs + ": " + e.getMessage(), e);
            }
            // On POSIX, ATOMIC_MOVE is rename(2), which replaces an existing regular file.
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    public static void writeString(Path target, String text) throws IOException {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** FileChannel.write may write fewer bytes than asked; loop until the buffer is drained. */
    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
