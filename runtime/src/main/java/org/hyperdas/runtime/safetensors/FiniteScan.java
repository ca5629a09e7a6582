package org.hyperdas.runtime.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.OptionalLong;

/**
 * Finds NaN or infinite values in a tensor's raw little-endian bytes by their exponent bits (all
 * ones), without converting to float: one pass over the mapping, so a checkpoint can be checked
 * once at load before its values reach a computation that would turn them into garbage text.
 */
public final class FiniteScan {
    private FiniteScan() {}

    /** The index of the first non-finite element, or empty; integer dtypes are always finite. */
    public static OptionalLong firstNonFinite(DType dtype, ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.clear();
        return switch (dtype) {
            case F32 -> first(b.asIntBuffer());
            case BF16 -> first(b.asShortBuffer(), (short) 0x7f80);
            case F16 -> first(b.asShortBuffer(), (short) 0x7c00);
            case F64 -> first(b.asLongBuffer());
            default -> OptionalLong.empty();
        };
    }

    private static OptionalLong first(IntBuffer v) {
        int exponent = 0x7f800000;
        for (int i = 0, n = v.limit(); i < n; i++) {
            if ((v.get(i) & exponent) == exponent) {
                return OptionalLong.of(i);
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong first(ShortBuffer v, short exponent) {
        for (int i = 0, n = v.limit(); i < n; i++) {
            if ((v.get(i) & exponent) == exponent) {
                return OptionalLong.of(i);
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong first(LongBuffer v) {
        long exponent = 0x7ff0000000000000L;
        for (int i = 0, n = v.limit(); i < n; i++) {
            if ((v.get(i) & exponent) == exponent) {
                return OptionalLong.of(i);
            }
        }
        return OptionalLong.empty();
    }
}
