package org.hyperdas.trainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** ONNX Runtime's JSON profile of a benchmark run: where it is written and what it says per op type. */
final class OrtProfile {
    private OrtProfile() {
    }

    /**
     * ONNX Runtime writes the profile to the prefix + "_<date>.json"; the prefix is in the target's
     * folder (created here), and the file is moved to the target after the run.
     */
    static String prefix(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return parent.resolve(".train-step-profile").toString();
    }

    static Path move(Path written, Path target) throws IOException {
        return Files.move(written.toAbsolutePath(), target.toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Sums the kernel time of every node event by op type, per session run, slowest first. */
    static List<TrainStepBenchmark.OpTime> summarize(Path profile, long runs) throws IOException {
        JsonNode events = new ObjectMapper().readTree(profile.toFile());
        Map<String, Double> micros = new HashMap<>();
        double total = 0;
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")) {
                continue;
            }
            String op = e.path("args").path("op_name").asText("?");
            double dur = e.path("dur").asDouble();
            micros.merge(op, dur, Double::sum);
            total += dur;
        }
        double perRun = Math.max(1, runs);
        double all = total;
        return micros.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> new TrainStepBenchmark.OpTime(e.getKey(), e.getValue() / 1000.0 / perRun,
                        all == 0 ? 0 : e.getValue() / all))
                .toList();
    }
}
