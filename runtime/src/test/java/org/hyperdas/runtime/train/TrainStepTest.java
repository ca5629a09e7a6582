package org.hyperdas.runtime.train;

import static org.hyperdas.runtime.train.LinRegModel.D;
import static org.hyperdas.runtime.train.LinRegModel.N;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.BadInputException;
import org.hyperdas.runtime.ort.OrtEngine;
import org.hyperdas.runtime.ort.Tensors;
import org.hyperdas.runtime.safetensors.DType;
import org.hyperdas.runtime.safetensors.SafetensorsFile;
import org.hyperdas.runtime.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainStepTest {
    static final OrtEngine ENGINE = OrtEngine.cpu();
    static final byte[] MODEL = LinRegModel.model();
    static final LinRegModel DATA = new LinRegModel(42);

    /** The caller's side of the loop: batch tensors over reused direct buffers. */
    static final class Batch implements AutoCloseable {
        final FloatBuffer x = Tensors.floats(N * D);
        final FloatBuffer y = Tensors.floats(N);
        final OnnxTensor xt;
        final OnnxTensor yt;
        final Map<String, OnnxTensor> map;

        Batch() throws OrtException {
            xt = Tensors.tensor(x, N, D);
            yt = Tensors.tensor(y, N);
            map = Map.of("x", xt, "y", yt);
        }

        /** Runs {@code steps} steps; batch k = ts.steps() at the time of the step. */
        List<StepResult> run(TrainStep ts, int steps) throws OrtException {
            List<StepResult> out = new ArrayList<>();
            for (int i = 0; i < steps; i++) {
                DATA.fill((int) ts.steps(), x, y);
                out.add(ts.step(map));
            }
            return out;
        }

        @Override
        public void close() {
            xt.close();
            yt.close();
        }
    }

    static Batch batch;

    @BeforeAll
    static void setUp() throws OrtException {
        batch = new Batch();
    }

    @AfterAll
    static void tearDown() {
        batch.close();
    }

    static TrainStep newStep() throws OrtException {
        return TrainStep.create(ENGINE, MODEL, LinRegModel.spec());
    }

    @Test
    void matchesPlainJavaSgdAndLossDecreases() throws Exception {
        try (TrainStep ts = newStep()) {
            assertArrayEquals(LinRegModel.W0, ts.floats("w"));
            List<StepResult> results = batch.run(ts, 200);
            double[] ref = DATA.reference(LinRegModel.W0, 0, 200);
            float[] w = ts.floats("w");
            for (int j = 0; j < D; j++) {
                assertEquals(ref[j], w[j], 1e-5 * Math.abs(ref[j]), "w[" + j + "]");
                assertEquals(LinRegModel.W_TRUE[j], w[j], 0.05, "converged w[" + j + "]");
            }
            // Loss: per-batch losses fall; compare each batch's loss one epoch apart, and overall.
            for (int k = LinRegModel.BATCHES; k < 40; k++) {
                assertTrue(results.get(k).get("loss") < results.get(k - LinRegModel.BATCHES).get("loss"),
                        "loss at step " + k);
            }
            assertTrue(results.get(199).get("loss") < 1e-2 * results.get(0).get("loss"));
            // Other slot dtypes and the step input.
            assertEquals(200, ts.steps());
            assertArrayEquals(new long[] {200}, ts.longs("count"));
            double sum = 0;
            for (int k = 0; k < 200; k++) {
                StepResult r = results.get(k);
                assertEquals(k + 1, r.step());
                assertEquals(k + 1, r.get("t_seen"), "step input is 1-based");
                assertEquals(List.of("loss", "t_seen"), List.copyOf(r.scalars().keySet()));
                sum += (double) (float) r.get("loss");
            }
            assertEquals(sum, ts.doubles("loss_sum")[0], 1e-9 * sum);
        }
    }

    @Test
    void twoRunsAreBitIdentical() throws Exception {
        float[] a;
        float[] b;
        try (TrainStep ts = newStep()) {
            batch.run(ts, 120);
            a = ts.floats("w");
        }
        try (TrainStep ts = newStep()) {
            batch.run(ts, 120);
            b = ts.floats("w");
        }
        assertArrayEquals(a, b);
    }

    @Test
    void saveLoadResumeEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
        float[] uninterrupted;
        List<StepResult> tail;
        try (TrainStep ts = newStep()) {
            batch.run(ts, 50);
            uninterrupted = ts.floats("w");
        }
        Path ckpt = dir.resolve("sub/ckpt.safetensors");
        try (TrainStep ts = newStep()) {
            batch.run(ts, 23);
            ts.save(ckpt, Map.of("run", "test"));
        }
        try (SafetensorsFile f = SafetensorsFile.open(ckpt)) {
            assertEquals("23", f.metadata().get(TrainStep.STEP_KEY));
            assertEquals("test", f.metadata().get("run"));
            assertEquals(DType.F32, f.tensor("w").dtype());
            assertEquals(DType.I64, f.tensor("count").dtype());
            assertEquals(DType.F64, f.tensor("loss_sum").dtype());
            assertTrue(f.tensor("count").hasShape());
            assertTrue(f.tensor("loss_sum").hasShape(1));
        }
        try (TrainStep ts = newStep()) {
            Map<String, String> meta = ts.load(ckpt);
            assertEquals("test", meta.get("run"));
            assertEquals(23, ts.steps());
            assertArrayEquals(new long[] {23}, ts.longs("count"));
            tail = batch.run(ts, 27);
            assertArrayEquals(uninterrupted, ts.floats("w"));
            assertEquals(50, ts.steps());
            assertEquals(24, tail.get(0).get("t_seen"));
            assertArrayEquals(new long[] {50}, ts.longs("count"));
            // Loading also works on the other buffer set (after an odd number of steps).
            ts.load(ckpt);
            assertEquals(23, ts.steps());
            batch.run(ts, 27);
            assertArrayEquals(uninterrupted, ts.floats("w"));
        }
        assertThrows(IllegalArgumentException.class, () -> {
            try (TrainStep ts = newStep()) {
                ts.save(dir.resolve("x.safetensors"), Map.of("step", "7"));
            }
        });
    }

    @Test
    void exportsASubsetOfSlots(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("weights.safetensors");
        try (TrainStep ts = newStep()) {
            batch.run(ts, 3);
            ts.save(out, Map.of(), List.of("w"));
            try (SafetensorsFile f = SafetensorsFile.open(out)) {
                assertEquals(List.of("w"), List.copyOf(f.tensors().keySet()));
                assertArrayEquals(ts.floats("w"), f.floatArray("w"));
            }
        }
    }

    @Test
    void inPlaceKeepsOneBufferPerSlotAndMatchesTwoSets() throws Exception {
        try (TrainStep two = newStep(); OrtSession session = ENGINE.session(MODEL);
                TrainStep one = TrainStep.inPlace(session, LinRegModel.spec())) {
            Buffer w = one.currentBuffer("w");
            for (int k = 0; k < 60; k++) {
                assertEquals(batch.run(two, 1).get(0).scalars(), batch.run(one, 1).get(0).scalars(), "step " + k);
                assertSame(w, one.currentBuffer("w"));
            }
            assertArrayEquals(two.floats("w"), one.floats("w"));
            assertArrayEquals(two.longs("count"), one.longs("count"));
            assertArrayEquals(two.doubles("loss_sum"), one.doubles("loss_sum"));
            assertEquals(60, one.steps());
        }
    }

    @Test
    void buffersAlternateBetweenExactlyTwoPerSlot() throws Exception {
        try (TrainStep ts = newStep()) {
            for (String slot : ts.slotNames()) {
                List<Buffer> buffers = new ArrayList<>();
                List<OnnxTensor> tensors = new ArrayList<>();
                buffers.add(ts.currentBuffer(slot));
                tensors.add(ts.currentTensor(slot));
                for (int k = 0; k < 6; k++) {
                    batch.run(ts, 1);
                    buffers.add(ts.currentBuffer(slot));
                    tensors.add(ts.currentTensor(slot));
                }
                assertNotSame(buffers.get(0), buffers.get(1), slot);
                assertNotSame(tensors.get(0), tensors.get(1), slot);
                for (int k = 2; k < buffers.size(); k++) {
                    assertSame(buffers.get(k - 2), buffers.get(k), slot + " buffer at step " + k);
                    assertSame(tensors.get(k - 2), tensors.get(k), slot + " tensor at step " + k);
                }
                assertTrue(buffers.get(0).isDirect());
            }
            // The view is the current state without a copy, read-only, and the tensor's buffer is the same memory.
            FloatBuffer view = ts.floatView("w");
            assertArrayEquals(ts.floats("w"), Tensors.toArray(view));
            assertThrows(ReadOnlyBufferException.class, () -> view.put(0, 1f));
            assertArrayEquals(ts.floats("w"), Tensors.toFloatArray(ts.currentTensor("w")));
        }
    }

    @Test
    void setReplacesCurrentValues() throws Exception {
        try (TrainStep ts = newStep()) {
            batch.run(ts, 1);
            float[] w = {1, 2, 3, 4};
            ts.set("w", w);
            assertArrayEquals(w, ts.floats("w"));
            ts.set("count", new long[] {0});
            batch.run(ts, 1);
            assertArrayEquals(new long[] {1}, ts.longs("count"));
            float[] ref = new float[D];
            double[] r = DATA.reference(w, 1, 1);
            for (int j = 0; j < D; j++) {
                ref[j] = (float) r[j];
            }
            assertArrayEquals(ref, ts.floats("w"), 1e-5f);
            assertThrows(IllegalArgumentException.class, () -> ts.set("w", new float[] {1, 2}));
            assertThrows(IllegalArgumentException.class, () -> ts.set("w", new double[] {1, 2, 3, 4}));
            assertThrows(IllegalArgumentException.class, () -> ts.floats("nope"));
        }
    }

    @Test
    void badBatchLeavesStateUntouched() throws Exception {
        try (TrainStep ts = newStep()) {
            batch.run(ts, 2);
            float[] before = ts.floats("w");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ts.step(Map.of("x", batch.xt)));
            assertTrue(e.getMessage().contains("missing [y]"), e.getMessage());
            try (OnnxTensor wrongShape = Tensors.zerosFloat(N + 1, D)) {
                assertThrows(OrtException.class, () -> ts.step(Map.of("x", wrongShape, "y", batch.yt)));
            }
            assertEquals(2, ts.steps());
            assertArrayEquals(before, ts.floats("w"));
            batch.run(ts, 1);
            assertEquals(3, ts.steps());
        }
    }

    static String specError(StepSpec spec) throws OrtException {
        try (OrtSession session = ENGINE.session(MODEL)) {
            BadInputException e = assertThrows(BadInputException.class, () -> new TrainStep(session, spec).close());
            return e.getMessage();
        }
    }

    static StepSpec withW(StepSpec.Slot w) {
        StepSpec base = LinRegModel.spec();
        List<StepSpec.Slot> slots = new ArrayList<>(base.slots());
        slots.set(0, w);
        return new StepSpec(slots, base.batchInputs(), base.scalarOutputs(), base.stepInput());
    }

    @Test
    void mismatchedSpecIsAClearError() throws Exception {
        String m = specError(withW(StepSpec.Slot.f32("w", "weights", "w_new", new long[] {D}, null)));
        assertTrue(m.contains("input 'weights'") && m.contains("slot 'w'") && m.contains("does not exist")
                && m.contains("loss_sum"), m);

        m = specError(withW(StepSpec.Slot.f32("w", "w", "w_next", new long[] {D}, null)));
        assertTrue(m.contains("output 'w_next'") && m.contains("does not exist"), m);

        m = specError(withW(StepSpec.Slot.f32("w", "w", "w_new", new long[] {D + 1}, null)));
        assertTrue(m.contains("input 'w'") && m.contains("shape [5] in the step spec")
                && m.contains("model declares [4]"), m);

        m = specError(withW(StepSpec.Slot.zeros("w", "w", "w_new", DType.F64, D)));
        assertTrue(m.contains("dtype F64 in the step spec") && m.contains("declares F32"), m);

        m = specError(LinRegModel.specBuilder().build()); // no step input
        assertTrue(m.contains("[t]") && m.contains("fed by nothing"), m);

        m = specError(LinRegModel.specBuilder().stepInput("t").scalarOutput("debug_pred").build());
        assertTrue(m.contains("output 'debug_pred'") && m.contains("one static element"), m);

        m = specError(LinRegModel.specBuilder().stepInput("t").scalarOutput("accuracy").build());
        assertTrue(m.contains("output 'accuracy'") && m.contains("scalar output"), m);

        assertThrows(IllegalArgumentException.class, () -> LinRegModel.specBuilder()
                .slot(StepSpec.Slot.f32("w", "w2", "w2_new", new long[] {D}, null)).build());
        assertThrows(IllegalArgumentException.class,
                () -> StepSpec.Slot.f32("w", "w", "w_new", new long[] {D}, new float[D + 1]));
    }

    @Test
    void checkpointWithMissingOrWrongSlotIsBadInput(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.safetensors");
        new SafetensorsWriter().metadata("step", "5")
                .addF32("w", new long[] {D}, new float[D])
                .addI64("count", new long[0], new long[] {5})
                .write(missing);
        Path wrongShape = dir.resolve("shape.safetensors");
        new SafetensorsWriter().metadata("step", "5")
                .addF32("w", new long[] {D, 1}, new float[D])
                .addI64("count", new long[0], new long[] {5})
                .add("loss_sum", DType.F64, new long[] {1}, new byte[8])
                .write(wrongShape);
        Path noStep = dir.resolve("nostep.safetensors");
        new SafetensorsWriter()
                .addF32("w", new long[] {D}, new float[D])
                .addI64("count", new long[0], new long[] {5})
                .add("loss_sum", DType.F64, new long[] {1}, new byte[8])
                .write(noStep);
        try (TrainStep ts = newStep()) {
            batch.run(ts, 1);
            float[] before = ts.floats("w");
            BadInputException e = assertThrows(BadInputException.class, () -> ts.load(missing));
            assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("slot 'loss_sum'")
                    && e.getMessage().contains("missing"), e.getMessage());
            e = assertThrows(BadInputException.class, () -> ts.load(wrongShape));
            assertTrue(e.getMessage().contains(wrongShape.toString()) && e.getMessage().contains("slot 'w'")
                    && e.getMessage().contains("expected F32[4], found F32[4, 1]"), e.getMessage());
            e = assertThrows(BadInputException.class, () -> ts.load(noStep));
            assertTrue(e.getMessage().contains(noStep.toString()) && e.getMessage().contains("step"), e.getMessage());
            e = assertThrows(BadInputException.class, () -> ts.load(dir.resolve("absent.safetensors")));
            assertTrue(e.getMessage().contains("absent.safetensors"), e.getMessage());
            // Nothing was changed by the failed loads.
            assertArrayEquals(before, ts.floats("w"));
            assertEquals(1, ts.steps());
        }
    }

    @Test
    void borrowedSessionStaysOpenAndClosedRunnerRefuses() throws Exception {
        try (OrtSession session = ENGINE.session(MODEL)) {
            TrainStep ts = new TrainStep(session, LinRegModel.spec());
            batch.run(ts, 1);
            ts.close();
            ts.close();
            assertThrows(IllegalStateException.class, () -> ts.step(batch.map));
            assertThrows(IllegalStateException.class, () -> ts.floats("w"));
            // The session is still usable by its owner.
            try (TrainStep again = new TrainStep(session, LinRegModel.spec())) {
                assertEquals(1, batch.run(again, 1).get(0).step());
            }
        }
    }
}
