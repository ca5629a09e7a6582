package org.hyperdas.explorer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hyperdas.runtime.BadInputException;
import org.junit.jupiter.api.Test;

/** Try requests: the instruction given or composed from the entity fields; every bad field named. */
class TryRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode body() {
        ObjectNode b = JSON.createObjectNode();
        b.put("base", " Paris is in");
        b.put("source", " Tokyo is in");
        return b;
    }

    private static String error(ObjectNode b) {
        return assertThrows(BadInputException.class, () -> TryRequest.parse(b)).getMessage();
    }

    @Test
    void theInstructionIsGivenOrComposedFromTheEntitiesAndTheAttribute() {
        TryRequest given = TryRequest.parse(body().put("instruction", "Paris ; Tokyo - Country").put("mode", "soft"));
        assertEquals("Paris ; Tokyo - Country", given.instruction());
        assertEquals("soft", given.mode());
        assertNull(given.attribute());
        assertEquals(TryRequest.DEFAULT_NEW_TOKENS, given.maxNewTokens());

        TryRequest composed = TryRequest.parse(body().put("baseEntity", "Paris").put("sourceEntity", "Tokyo")
                .put("attribute", "city.Country").put("maxNewTokens", 5).put("mode", ""));
        assertEquals("Paris ; Tokyo - Country", composed.instruction());
        assertEquals("city.Country", composed.attribute());
        assertNull(composed.mode(), "an empty optional field is no value");
        assertEquals(5, composed.maxNewTokens());
    }

    @Test
    void badFieldsAreNamedWithWhatTheyExpect() {
        assertTrue(error(body().put("base", "x".repeat(TryRequest.MAX_TEXT + 1))).contains("'base': 2001 characters;"
                + " expected at most 2000"));
        assertTrue(TryRequest.parse(body().put("base", "x".repeat(TryRequest.MAX_TEXT)).put("instruction",
                "x ; T - C")).base().length() == TryRequest.MAX_TEXT);
        assertTrue(error(body().put("instruction", "no separators")).contains("<base entity> ; <source entity>"));
        assertTrue(error(body().put("baseEntity", "Paris").put("sourceEntity", "Tokyo")).contains("'attribute'"));
        assertTrue(error(body().put("instruction", "a ; b - c").put("maxNewTokens", 0)).contains("'maxNewTokens'"));
        assertTrue(error(body().put("instruction", "a ; b - c").put("maxNewTokens", "3")).contains("'maxNewTokens'"));
        assertTrue(error(body().put("instruction", "a ; b - c").put("file", "/etc/passwd")).contains("'file': unknown"));
        assertTrue(error(body().put("instruction", "a ; b - c").put("source", "")).contains("'source'"));
        ObjectNode arrayMode = body().put("instruction", "a ; b - c");
        arrayMode.putArray("mode").add(1);
        assertTrue(error(arrayMode).contains("'mode': expected a string"));
        assertTrue(assertThrows(BadInputException.class, () -> TryRequest.parse(JSON.createArrayNode())).getMessage()
                .contains("JSON object"));
    }
}
