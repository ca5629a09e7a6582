package org.hyperdas.trainer.das;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The probe's candidate layers: every block's input, not the output of the last block (its floor). */
class LayerProbeTest {
    @Test
    void candidatesAreTheInputsOfEveryBlock() {
        assertEquals(List.of(0, 1, 2, 3), LayerProbe.candidates(4));
        assertEquals(List.of(0), LayerProbe.candidates(1));
        assertEquals(15, LayerProbe.candidates(32).get(15));
        assertEquals(32, LayerProbe.candidates(32).size());
    }
}
