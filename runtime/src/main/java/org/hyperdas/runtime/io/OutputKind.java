package org.hyperdas.runtime.io;

import java.util.List;

/**
 * What a writing command leaves at its output path, so that {@link OutputFolder} can tell its own
 * earlier output (which it may replace or resume) from a folder of someone else's files (which it
 * must not touch without {@code --overwrite}). Folders written in place carry the {@link
 * OutputFolder#MARKER}; folders built beside and renamed into place are known by their files.
 *
 * @param name the kind's name, written into the marker file and shown in messages
 * @param signatures sets of files that identify an output of this kind without a marker (one
 *     written before the marker existed, or renamed into place): all files of one set must be
 *     present; the first set is what an output always holds
 * @param replacesOwn whether an earlier output of this kind is replaced without {@code --overwrite}
 *     (an export, for one, is never written over another unless asked)
 * @param addsFilesOnly whether the command only adds its signature files to a folder that
 *     may hold anything else (the leaderboard, whose default folder is the working folder): such a
 *     folder is accepted as long as none of its first signature's files is already there, and gets no
 *     marker
 */
public record OutputKind(String name, List<List<String>> signatures, boolean replacesOwn, boolean addsFilesOnly) {
    public OutputKind {
        signatures = signatures.stream().map(List::copyOf).toList();
    }

    /** {@code pretrain}: a Hugging Face Llama folder with its tokenizer and training record. */
    public static final OutputKind PRETRAIN = new OutputKind("pretrain",
            List.of(List.of("config.json", "model.safetensors", "training.json")), true, false);
    /** {@code init-model}: a Hugging Face Llama folder of random weights (single file or sharded). */
    public static final OutputKind INIT_MODEL = new OutputKind("init-model",
            List.of(List.of("config.json", "tokenizer.json"), List.of("config.json", "model.safetensors"),
                    List.of("config.json", "model.safetensors.index.json")), true, false);
    /** {@code data prepare}: Arrow pair files and their counts. */
    public static final OutputKind DATA = new OutputKind("data", List.of(List.of("counts.tsv")), true, false);
    /** {@code train}: a run folder, or a folder of run folders (modes, baselines) and their leaderboard. */
    public static final OutputKind TRAIN = new OutputKind("train", List.of(List.of("config.json", "scores.json"),
            List.of("checkpoint.safetensors"), List.of("leaderboard.md", "leaderboard.csv")), true, false);
    /** {@code sweep}: one run folder per layer and the sweep tables, or a grid sweep's cells and sweep.arrow. */
    public static final OutputKind SWEEP = new OutputKind("sweep",
            List.of(List.of("sweep.md", "sweep.csv"), List.of("sweep.arrow")), true, false);
    /** {@code export}: the portable ONNX folder. */
    public static final OutputKind EXPORT = new OutputKind("export", List.of(List.of("manifest.json")), false, false);
    /** {@code leaderboard}: three files added to a folder. */
    public static final OutputKind LEADERBOARD = new OutputKind("leaderboard",
            List.of(List.of("leaderboard.md", "leaderboard.csv", "leaderboard.html")), true, true);
}
