package org.hyperdas.runtime.safetensors;

import java.nio.file.Path;
import org.hyperdas.runtime.BadInputException;

/**
 * Element types of safetensors tensors, spelled as in the safetensors header ("F32", "BF16", ...).
 * Only the types Llama-family checkpoints and this project's own files use are listed; anything
 * else is rejected when a header is parsed rather than mis-read later.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I8(1), U8(1), BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The spelling used in safetensors headers (the enum name). */
    public String headerName() {
        return name();
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /**
     * Parses a header dtype string.
     *
     * @throws BadInputException naming the file and tensor when the dtype is not one we know
     */
    public static DType parse(String text, Path file, String tensor) {
        for (DType d : values()) {
            if (d.name().equals(text)) {
                return d;
            }
        }
        throw new BadInputException(file + ": tensor '" + tensor + "': unknown dtype \"" + text
                + "\", expected one of F64, F32, F16, BF16, I64, I32, I8, U8, BOOL");
    }

    /** bfloat16 is the top half of a float32, so widening is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds to nearest, ties to even (what torch's .to(torch.bfloat16) does); NaN stays NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE 754 binary16 to float32 (exact; Float.float16ToFloat only exists from Java 20). */
    public static float f16ToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            // Zero or subnormal: value = mant * 2^-24.
            float f = mant * 0x1p-24f;
            return sign != 0 ? -f : f;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
