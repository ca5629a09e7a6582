package org.hyperdas.trainer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.util.List;
import java.util.Map;
import org.hyperdas.evaluation.batch.LongTensor;
import org.hyperdas.runtime.ort.Tensors;

/**
 * Batch tensors as ONNX Runtime feeds: each wraps its tensor's direct buffer (no copy) and is
 * recorded in {@code created}, which the caller closes after the run.
 */
public final class BatchFeeds {
    private BatchFeeds() {
    }

    /** Feeds {@code t} as input {@code name}. */
    public static void put(Map<String, OnnxTensor> feeds, List<OnnxTensor> created, String name, LongTensor t)
            throws OrtException {
        feeds.put(name, track(created, Tensors.tensor(t.data(), t.shape())));
    }

    /** Records {@code t} for closing and returns it. */
    public static OnnxTensor track(List<OnnxTensor> created, OnnxTensor t) {
        created.add(t);
        return t;
    }
}
