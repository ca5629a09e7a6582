package org.hyperdas.graphs.nn;

import org.hyperdas.graphs.DType;
import org.hyperdas.graphs.Value;

/**
 * SiLU (swish): {@code x * sigmoid(x)}, Llama's hidden_act "silu".
 *
 * <p>In float32 it is Mul(x, Sigmoid(x)), which ONNX Runtime fuses into its QuickGelu kernel. ONNX
 * Runtime 1.28 applies that fusion to float64 graphs too, and then finds no float64 QuickGelu
 * kernel; so in float64 the same function is written {@code x * (0.5 + 0.5 tanh(x / 2))}, which the
 * fusion does not match (and which is as stable: no exp overflow).
 */
public final class Silu {
    private Silu() {
    }

    public static Value apply(Value x) {
        if (x.dtype() == DType.FLOAT64) {
            return x.mul(x.mul(0.5).tanh().mul(0.5).add(0.5));
        }
        return x.mul(x.sigmoid());
    }
}
