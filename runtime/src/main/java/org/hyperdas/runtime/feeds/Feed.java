package org.hyperdas.runtime.feeds;

import java.util.List;
import java.util.Objects;

/**
 * One named input of the exported and trained graphs (an ONNX graph input fed per batch): its
 * name, element type and symbolic dims, e.g. {@code base_ids int64 [batch, base_seq]}. The names
 * are the contract between the graph builders, the batcher, the trainer and the exported models;
 * {@link FeedSchema} holds them all.
 *
 * @param name the graph input's name
 * @param type the element type
 * @param dims the symbolic dim names, outermost first; empty for a scalar
 */
public record Feed(String name, ElementType type, List<String> dims) {
    /** Element types of feeds. */
    public enum ElementType {
        INT64,
        /** float32 in the exported and trained graphs; graphs built in float64 (oracles) widen it. */
        FLOAT32,
        BOOL
    }

    public Feed {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        dims = List.copyOf(dims);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a feed needs a name");
        }
    }

    /** An int64 feed. */
    public static Feed int64(String name, String... dims) {
        return new Feed(name, ElementType.INT64, List.of(dims));
    }

    /** A float32 feed. */
    public static Feed float32(String name, String... dims) {
        return new Feed(name, ElementType.FLOAT32, List.of(dims));
    }

    public int rank() {
        return dims.size();
    }

    /**
     * The same feed with other names for its symbolic dims (same rank): graphs that call an axis
     * differently (HyperDAS's {@code label_len} for the intervention graph's {@code labels}).
     */
    public Feed withDims(String... renamed) {
        if (renamed.length != dims.size()) {
            throw new IllegalArgumentException("feed " + name + ": " + renamed.length + " dims for rank " + rank());
        }
        return new Feed(name, type, List.of(renamed));
    }

    @Override
    public String toString() {
        return name + " " + type.name().toLowerCase(java.util.Locale.ROOT) + " " + dims;
    }
}
