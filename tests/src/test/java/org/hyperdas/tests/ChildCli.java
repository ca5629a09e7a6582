package org.hyperdas.tests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hyperdas.cli.HyperdasRun;

/**
 * Runs {@code hyperdas-run} in a child JVM, as the launcher does, optionally under a file size
 * limit ({@code ulimit -f}, with SIGXFSZ ignored so that an oversized write fails with EFBIG, the
 * way a full disk fails it). ONNX Runtime's native libraries are extracted once and loaded from
 * that folder, so that a child under a file size limit can still start.
 */
final class ChildCli {
    record Result(int code, String log) {}

    private static final String NATIVE = "ai/onnxruntime/native/linux-x64/";
    private static Path nativeLibs;

    private ChildCli() {}

    /** Whether this platform's ONNX Runtime libraries can be loaded from a folder (linux-x64). */
    static boolean supported() {
        return ChildCli.class.getClassLoader().getResource(NATIVE + "libonnxruntime.so") != null;
    }

    private static synchronized Path nativeLibs() throws IOException {
        if (nativeLibs == null) {
            Path dir = Files.createTempDirectory("hyperdas-ort-native");
            for (String lib : List.of("libonnxruntime.so", "libonnxruntime4j_jni.so")) {
                try (InputStream in = ChildCli.class.getClassLoader().getResourceAsStream(NATIVE + lib)) {
                    Files.copy(in, dir.resolve(lib), StandardCopyOption.REPLACE_EXISTING);
                }
                dir.resolve(lib).toFile().deleteOnExit();
            }
            dir.toFile().deleteOnExit();
            nativeLibs = dir;
        }
        return nativeLibs;
    }

    /** Starts the child; with {@code fileLimitKb > 0}, under {@code ulimit -f fileLimitKb}. */
    static Process start(List<String> args, Path log, long fileLimitKb) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (fileLimitKb > 0) {
            cmd.addAll(List.of("bash", "-c", "trap '' XFSZ; ulimit -f " + fileLimitKb + "; exec \"$0\" \"$@\""));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                "-Donnxruntime.native.path=" + nativeLibs(), "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), HyperdasRun.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        return pb.start();
    }

    /** Runs the child to its end (at most {@code timeoutSeconds}). */
    static Result run(List<String> args, Path log, long fileLimitKb, long timeoutSeconds) throws Exception {
        Process p = start(args, log, fileLimitKb);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            kill(p);
            throw new IllegalStateException("the child ran past " + timeoutSeconds + " s: " + args + "\n" + read(log));
        }
        return new Result(p.exitValue(), read(log));
    }

    /** SIGKILL: no shutdown hook, no finally block runs in the child. */
    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the killed child did not end");
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
