package org.hyperdas.runtime.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Objects;
import org.hyperdas.runtime.BadInputException;

/**
 * Creates ONNX Runtime sessions on one resolved device with this project's standard options.
 *
 * <p>There is one process-wide {@link OrtEnvironment} (ONNX Runtime allows only one; it lives
 * until the JVM exits, so the engine is not AutoCloseable). The device is resolved once, at
 * construction: {@code auto} probes the CUDA execution provider and falls back to CPU with one
 * line on stderr; an explicit {@code cuda[:N]} that cannot be enabled is an error.
 *
 * <p>Options: intra-op threads = available cores (measured: ORT's MatMul reaches near machine peak
 * with all cores), graph optimization ALL_OPT.
 */
public final class OrtEngine {
    private final Device requested;
    private final Device device;
    private final int intraOpThreads;

    private OrtEngine(Device requested, Device device, int intraOpThreads) {
        this.requested = requested;
        this.device = device;
        this.intraOpThreads = intraOpThreads;
    }

    /** The shared environment (created on first use). */
    public static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }

    /** A CPU engine (no probing). */
    public static OrtEngine cpu() {
        return new OrtEngine(Device.CPU, Device.CPU, defaultThreads());
    }

    /** Parses the device string (auto|cpu|cuda|cuda:N) and resolves it; see {@link #create(Device)}. */
    public static OrtEngine create(String device) {
        return create(Device.parse(device));
    }

    public static OrtEngine create(Device requested) {
        return create(requested, System.err);
    }

    /**
     * Resolves the device. AUTO: try CUDA (index given, default 0), else CPU with one notice line
     * to {@code notices}. CUDA: must work.
     *
     * @throws BadInputException when CUDA was asked for explicitly and cannot be enabled
     */
    public static OrtEngine create(Device requested, PrintStream notices) {
        Objects.requireNonNull(requested);
        int threads = defaultThreads();
        switch (requested.kind()) {
            case CPU:
                return new OrtEngine(requested, Device.CPU, threads);
            case CUDA: {
                String why = probeCuda(requested.index());
                if (why != null) {
                    throw new BadInputException("device '" + requested + "': CUDA cannot be enabled (" + why
                            + "); expected a CUDA-capable build (mvn -Pgpu) and GPU, or use --device cpu or auto");
                }
                return new OrtEngine(requested, requested, threads);
            }
            default: {
                String why = probeCuda(requested.index());
                if (why == null) {
                    return new OrtEngine(requested, Device.cuda(requested.index()), threads);
                }
                notices.println("note: CUDA unavailable (" + why + "); running on CPU");
                return new OrtEngine(requested, Device.CPU, threads);
            }
        }
    }

    /** Returns null when the CUDA provider could be added, else a one-line reason. */
    static String probeCuda(int index) {
        try {
            environment();
            try (SessionOptions o = new SessionOptions()) {
                o.addCUDA(index);
            }
            return null;
        } catch (OrtException | RuntimeException | LinkageError e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return msg.lines().map(String::trim).filter(l -> !l.isEmpty()).findFirst().orElse(msg);
        }
    }

    private static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** A copy using {@code n} intra-op threads instead of all cores. */
    public OrtEngine withIntraOpThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + n);
        }
        return new OrtEngine(requested, device, n);
    }

    /** What the user asked for. */
    public Device requested() {
        return requested;
    }

    /** What sessions actually run on: CPU or CUDA:N (never AUTO). */
    public Device device() {
        return device;
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    public OrtEnvironment env() {
        return environment();
    }

    /**
     * New session options with the standard settings and the resolved device's provider. The
     * caller owns (closes) them; options may be closed once the session exists.
     */
    public SessionOptions sessionOptions() throws OrtException {
        SessionOptions o = new SessionOptions();
        try {
            o.setIntraOpNumThreads(intraOpThreads);
            o.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            // Graph-cleanup notices (e.g. "Removing initializer ...") are warnings; keep the
            // terminal for the tool's own progress and real errors.
            o.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            if (device.isCuda()) {
                o.addCUDA(device.index());
            }
            return o;
        } catch (OrtException | RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** A session from a serialized ModelProto whose initializers are all inline. */
    public OrtSession session(byte[] model) throws OrtException {
        try (SessionOptions o = sessionOptions()) {
            return environment().createSession(model, o);
        }
    }

    /**
     * A session from a serialized ModelProto whose initializers may be external data: relative
     * external-data locations resolve against {@code externalDataFolder} (loaded from bytes, ORT
     * has no model path to resolve them against otherwise).
     */
    public OrtSession session(byte[] model, Path externalDataFolder) throws OrtException {
        try (SessionOptions o = sessionOptions()) {
            o.addConfigEntry("session.model_external_initializers_file_folder_path",
                    externalDataFolder.toAbsolutePath().toString());
            if (largeWeights(externalDataFolder)) {
                // ONNX Runtime's CPU arena keeps every region it ever grew (doubling) for the
                // session's life; with gigabyte-sized gradients that is gigabytes never reused.
                // Plain allocation hands freed memory back. Small targets keep the arena.
                o.setCPUArenaAllocator(false);
            }
            return environment().createSession(model, o);
        }
    }

    /** Weight files of at least 1 GiB under {@code folder} (three levels, as a Hugging Face cache nests them). */
    static boolean largeWeights(Path folder) {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.find(folder, 3,
                (p, a) -> a.isRegularFile() && p.getFileName().toString().endsWith(".safetensors"))) {
            return files.mapToLong(p -> p.toFile().length()).sum() >= 1L << 30;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** A session from a .onnx file (external data resolves against its folder). */
    public OrtSession session(Path modelFile) throws OrtException {
        try (SessionOptions o = sessionOptions()) {
            return environment().createSession(modelFile.toAbsolutePath().toString(), o);
        }
    }

    /** A session with caller-adjusted options (e.g. extra config entries); closes the options. */
    public OrtSession session(byte[] model, SessionOptions options) throws OrtException {
        try (options) {
            return environment().createSession(model, options);
        }
    }

    @Override
    public String toString() {
        return "OrtEngine[" + device + (requested.equals(device) ? "" : " (requested " + requested + ")")
                + ", " + intraOpThreads + " threads]";
    }
}
