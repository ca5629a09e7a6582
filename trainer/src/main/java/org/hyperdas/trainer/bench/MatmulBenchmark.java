package org.hyperdas.trainer.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Graph;
import org.hyperdas.graphs.Shape;
import org.hyperdas.graphs.Value;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;

/**
 * The machine's float32 GEMM rate through ONNX Runtime: one MatMul of two N x N matrices, built
 * with the graphs module, run {@code repeats} times on one session; 2 N^3 FLOPs per run, the best
 * run counts (the peak the other benchmarks are measured against).
 */
public final class MatmulBenchmark {
    /** What was measured. */
    public record Result(int size, int threads, int repeats, double bestSeconds, double medianSeconds) {
        public double flops() {
            return 2.0 * size * size * (double) size;
        }

        public double bestGflops() {
            return flops() / bestSeconds / 1e9;
        }

        public double medianGflops() {
            return flops() / medianSeconds / 1e9;
        }
    }

    private MatmulBenchmark() {
    }

    /** The graph: a, b float32 [N, N] -> c = a b. */
    static Graph graph(int n) {
        Graph g = new Graph("matmul_" + n);
        Value a = g.input("a", DType.FLOAT32, Shape.ofStatic(n, n));
        Value b = g.input("b", DType.FLOAT32, Shape.ofStatic(n, n));
        g.output("c", a.matmul(b));
        return g;
    }

    public static Result run(int size, int threads, int repeats) throws OrtException {
        if (size < 1 || size > 16384 || threads < 1 || repeats < 1) {
            throw new BadInputException("bench matmul: expected --size 1..16384, --threads >= 1, --repeat >= 1; found "
                    + size + ", " + threads + ", " + repeats);
        }
        FloatBuffer a = random(size, 1);
        FloatBuffer b = random(size, 2);
        double[] seconds = new double[repeats];
        try (OrtSession session = OrtEngine.cpu().withIntraOpThreads(threads).session(graph(size).toBytes());
                OnnxTensor ta = Tensors.tensor(a, size, size);
                OnnxTensor tb = Tensors.tensor(b, size, size)) {
            Map<String, OnnxTensor> feeds = Map.of("a", ta, "b", tb);
            session.run(feeds).close(); // warm-up: allocations, thread pool
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                session.run(feeds).close();
                seconds[r] = (System.nanoTime() - t0) / 1e9;
            }
        }
        double[] sorted = seconds.clone();
        java.util.Arrays.sort(sorted);
        return new Result(size, threads, repeats, sorted[0], sorted[repeats / 2]);
    }

    private static FloatBuffer random(int n, long seed) {
        FloatBuffer f = Tensors.floats((long) n * n);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n * n; i++) {
            f.put(i, (float) r.nextGaussian());
        }
        return f;
    }
}
