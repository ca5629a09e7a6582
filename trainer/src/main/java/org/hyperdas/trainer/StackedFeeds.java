package org.hyperdas.trainer;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hyperdas.runtime.ort.Tensors;

/**
 * The feeds of K consecutive steps stacked on a new leading axis for a K-step model. Each step's
 * feeds are copied when taken ({@link #snapshot}), since tasks reuse their buffers from step to
 * step. Steps whose tensors differ in length along an axis after the first (sequence, label axes)
 * are right-padded with zeros to the group's longest, as the batcher right-pads: the masks are 0
 * there, so the ids written there (0 here, the pad id in the batcher) are never attended to nor
 * scored, and the step is the same up to the order of float sums over the added zeros
 * (HyperDasMultiStepTest checks this for the HyperDAS graph). Steps whose batch axis
 * (axis 0) or dtypes differ cannot share a call ({@link #stackable}).
 */
final class StackedFeeds {
    private StackedFeeds() {
    }

    /** One feed's values, copied out of its tensor. */
    record Feed(OnnxJavaType type, long[] shape, long[] longs, double[] reals) {
        static Feed of(OnnxTensor t) {
            long[] shape = t.getInfo().getShape();
            OnnxJavaType type = t.getInfo().type;
            return switch (type) {
                case INT64 -> new Feed(type, shape, Tensors.toLongArray(t), null);
                case FLOAT -> new Feed(type, shape, null, widen(Tensors.toFloatArray(t)));
                case DOUBLE -> new Feed(type, shape, null, Tensors.toDoubleArray(t));
                default -> throw new IllegalArgumentException("feed of type " + type + " cannot be stacked");
            };
        }

        /** The element at {@code index} of {@code padded} (same rank, each dim at least this one's). */
        private int sourceIndex(long[] padded, long flat) {
            long source = 0;
            long rest = flat;
            long stride = 1;
            for (int a = padded.length - 1; a >= 0; a--) {
                long coordinate = rest % padded[a];
                rest /= padded[a];
                if (coordinate >= shape[a]) {
                    return -1;
                }
                source += coordinate * stride;
                stride *= shape[a];
            }
            return (int) source;
        }
    }

    /** A copy of every feed of one step. */
    static Map<String, Feed> snapshot(Map<String, OnnxTensor> feeds) {
        Map<String, Feed> out = new LinkedHashMap<>();
        feeds.forEach((name, t) -> out.put(name, Feed.of(t)));
        return out;
    }

    /** Whether the steps have the same feeds with the same dtypes, ranks and batch axis. */
    static boolean stackable(List<Map<String, Feed>> steps) {
        Map<String, Feed> first = steps.get(0);
        for (Map<String, Feed> s : steps) {
            if (!s.keySet().equals(first.keySet())) {
                return false;
            }
            for (Map.Entry<String, Feed> e : s.entrySet()) {
                Feed a = first.get(e.getKey());
                Feed b = e.getValue();
                if (a.type() != b.type() || a.shape().length != b.shape().length
                        || (a.shape().length > 0 && a.shape()[0] != b.shape()[0])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** One step's feeds as tensors again (recorded in {@code created}). */
    static Map<String, OnnxTensor> tensors(Map<String, Feed> step, List<OnnxTensor> created) throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Feed> e : step.entrySet()) {
            out.put(e.getKey(), BatchFeeds.track(created, tensor(List.of(e.getValue()), e.getValue().shape())));
        }
        return out;
    }

    /** The steps' feeds stacked [K, ...], zero-padded to the longest along each later axis. */
    static Map<String, OnnxTensor> stack(List<Map<String, Feed>> steps, List<OnnxTensor> created)
            throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        for (String name : steps.get(0).keySet()) {
            List<Feed> feeds = new ArrayList<>();
            steps.forEach(s -> feeds.add(s.get(name)));
            long[] padded = feeds.get(0).shape().clone();
            for (Feed f : feeds) {
                for (int a = 0; a < padded.length; a++) {
                    padded[a] = Math.max(padded[a], f.shape()[a]);
                }
            }
            long[] shape = new long[padded.length + 1];
            shape[0] = feeds.size();
            System.arraycopy(padded, 0, shape, 1, padded.length);
            out.put(name, BatchFeeds.track(created, tensor(feeds, shape)));
        }
        return out;
    }

    /** The feeds one after another, each laid out in the trailing dims of {@code shape}. */
    private static OnnxTensor tensor(List<Feed> feeds, long[] shape) throws OrtException {
        long[] each = Arrays.copyOfRange(shape, shape.length - feeds.get(0).shape().length, shape.length);
        long per = Tensors.elementCount(each);
        OnnxJavaType type = feeds.get(0).type();
        Buffer buffer = switch (type) {
            case INT64 -> Tensors.longs(per * feeds.size());
            case FLOAT -> Tensors.floats(per * feeds.size());
            default -> Tensors.doubles(per * feeds.size());
        };
        for (int k = 0; k < feeds.size(); k++) {
            Feed f = feeds.get(k);
            for (long i = 0; i < per; i++) {
                int from = f.sourceIndex(each, i);
                int at = (int) (k * per + i);
                switch (type) {
                    case INT64 -> ((LongBuffer) buffer).put(at, from < 0 ? 0 : f.longs()[from]);
                    case FLOAT -> ((FloatBuffer) buffer).put(at, from < 0 ? 0f : (float) f.reals()[from]);
                    default -> ((DoubleBuffer) buffer).put(at, from < 0 ? 0 : f.reals()[from]);
                }
            }
        }
        return switch (type) {
            case INT64 -> Tensors.tensor((LongBuffer) buffer, shape);
            case FLOAT -> Tensors.tensor((FloatBuffer) buffer, shape);
            default -> Tensors.tensor((DoubleBuffer) buffer, shape);
        };
    }

    private static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
