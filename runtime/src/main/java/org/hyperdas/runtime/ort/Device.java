package org.hyperdas.runtime.ort;

import java.util.Locale;
import org.hyperdas.runtime.BadInputException;

/**
 * Where sessions run, as the user spells it: {@code auto} (CUDA if it can be enabled, else CPU),
 * {@code cpu}, {@code cuda} (= cuda:0) or {@code cuda:N}.
 *
 * @param kind AUTO, CPU or CUDA
 * @param index CUDA device index (0 for AUTO/CPU unless given as auto's CUDA choice)
 */
public record Device(Kind kind, int index) {
    public enum Kind { AUTO, CPU, CUDA }

    public static final Device AUTO = new Device(Kind.AUTO, 0);
    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0: " + index);
        }
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /**
     * Parses "auto", "cpu", "cuda" or "cuda:N" (case-insensitive).
     *
     * @throws BadInputException naming the text and the accepted forms
     */
    public static Device parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "auto":
                return AUTO;
            case "cpu":
                return CPU;
            case "cuda":
            case "gpu":
                return cuda(0);
            default:
                break;
        }
        if (s.startsWith("cuda:")) {
            try {
                int n = Integer.parseInt(s.substring(5));
                if (n >= 0) {
                    return cuda(n);
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
        }
        throw new BadInputException("device '" + text + "': expected auto, cpu, cuda or cuda:N (N >= 0)");
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case AUTO -> "auto";
            case CPU -> "cpu";
            case CUDA -> "cuda:" + index;
        };
    }
}
