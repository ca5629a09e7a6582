package org.hyperdas.tests.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Deterministic mutations of a valid file, driven by a seed that jqwik draws (and shrinks): byte
 * flips, truncation, insertion, deletion and overwrites with JSON punctuation; for JSON also tree
 * mutations (a field deleted or its value replaced by one of another type).
 */
final class Mutator {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Where a byte mutation landed: {@code position} is the first changed byte. */
    record Mutated(byte[] bytes, int position, String what) {}

    private Mutator() {}

    /**
     * One to three byte mutations; with {@code focus > 0} half of them land in the first
     * {@code focus} bytes (a header), where a reader has the most to check.
     */
    static Mutated bytes(byte[] original, long seed, int focus) {
        Random r = new Random(seed);
        byte[] b = original.clone();
        int first = Integer.MAX_VALUE;
        StringBuilder what = new StringBuilder();
        int count = 1 + r.nextInt(3);
        for (int i = 0; i < count && b.length > 0; i++) {
            int bound = focus > 0 && r.nextBoolean() ? Math.min(focus, b.length) : b.length;
            int pos = r.nextInt(bound);
            first = Math.min(first, pos);
            switch (r.nextInt(5)) {
                case 0 -> {
                    b[pos] ^= (byte) (1 + r.nextInt(255));
                    what.append("flip@").append(pos).append(' ');
                }
                case 1 -> {
                    b = java.util.Arrays.copyOf(b, pos);
                    what.append("truncate@").append(pos).append(' ');
                }
                case 2 -> {
                    byte[] ins = new byte[1 + r.nextInt(16)];
                    r.nextBytes(ins);
                    b = splice(b, pos, 0, ins);
                    what.append("insert").append(ins.length).append('@').append(pos).append(' ');
                }
                case 3 -> {
                    int len = Math.min(1 + r.nextInt(16), b.length - pos);
                    b = splice(b, pos, len, new byte[0]);
                    what.append("delete").append(len).append('@').append(pos).append(' ');
                }
                default -> {
                    byte[] punct = "{}[]\",:0-9e.ntf\\\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                    b[pos] = punct[r.nextInt(punct.length)];
                    what.append("punct@").append(pos).append(' ');
                }
            }
        }
        return new Mutated(b, first == Integer.MAX_VALUE ? 0 : first, what.toString().strip());
    }

    private static byte[] splice(byte[] b, int pos, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(insert, 0, out, pos, insert.length);
        System.arraycopy(b, pos + remove, out, pos + insert.length, b.length - pos - remove);
        return out;
    }

    /** The JSON text with one node deleted or replaced by a value of another type. */
    static String json(String original, long seed) {
        Random r = new Random(seed);
        JsonNode root = parse(original);
        List<Object[]> slots = new ArrayList<>();
        collect(root, slots);
        if (slots.isEmpty()) {
            return original;
        }
        Object[] slot = slots.get(r.nextInt(slots.size()));
        JsonNode replacement = replacement(r);
        if (slot[0] instanceof ObjectNode o) {
            String field = (String) slot[1];
            if (replacement == null) {
                o.remove(field);
            } else {
                o.set(field, replacement);
            }
        } else {
            ArrayNode a = (ArrayNode) slot[0];
            int index = (Integer) slot[1];
            if (replacement == null) {
                a.remove(index);
            } else {
                a.set(index, replacement);
            }
        }
        return root.toString();
    }

    private static void collect(JsonNode node, List<Object[]> slots) {
        if (node instanceof ObjectNode o) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
                String f = it.next();
                slots.add(new Object[] {o, f});
                collect(o.get(f), slots);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                slots.add(new Object[] {a, i});
                collect(a.get(i), slots);
            }
        }
    }

    /** null means: delete the node. */
    private static JsonNode replacement(Random r) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (r.nextInt(10)) {
            case 0 -> null;
            case 1 -> f.nullNode();
            case 2 -> f.textNode("x");
            case 3 -> f.numberNode(-1);
            case 4 -> f.numberNode(0);
            case 5 -> f.numberNode(1.5);
            case 6 -> f.numberNode(Long.MAX_VALUE);
            case 7 -> f.booleanNode(true);
            case 8 -> f.arrayNode();
            default -> f.objectNode();
        };
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
