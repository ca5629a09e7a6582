package org.hyperdas.tests.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import org.hyperdas.tests.architecture.SourceSizeScanner.Method;
import org.junit.jupiter.api.Test;

/** The brace-matching scanner behind {@link SourceSizeLimitsTest}, on sources with known answers. */
class SourceSizeScannerTest {
    private static String body(int statements) {
        return "        int x = 0;\n".repeat(statements);
    }

    @Test
    void measuresMethodsFromTheirNameToTheirClosingBrace() {
        String src = "package p;\n"                                  // 1
                + "/** Doc { with a brace. */\n"                      // 2
                + "public final class A {\n"                          // 3
                + "    @Override\n"                                   // 4
                + "    public String toString() {\n"                  // 5
                + "        return \"}{\";\n"                          // 6
                + "    }\n"                                           // 7
                + "\n"                                                // 8
                + "    static <T> void longOne(\n"                    // 9
                + "            T value) throws Exception {\n"         // 10
                + body(78)                                            // 11..88
                + "    }\n"                                           // 89
                + "}\n";
        List<Method> methods = SourceSizeScanner.methods(src);
        assertEquals(List.of(new Method("toString", 5, 3), new Method("longOne", 9, 81)), methods);
        assertEquals(90, SourceSizeScanner.lineCount(src));
    }

    @Test
    void bracesInLiteralsCommentsLambdasAndAnonymousClassesDoNotSplitAMethod() {
        String src = "class B {\n"
                + "    private static final int[] TABLE = {1, 2, 3};\n"
                + "    private static final Runnable R = new Runnable() {\n"
                + "        @Override public void run() {\n"
                + "            char c = '{';\n"
                + "        }\n"
                + "    };\n"
                + "    void work() {\n"
                + "        // } not a brace\n"
                + "        String t = \"\"\"\n"
                + "            { \"json\": } \n"
                + "            \"\"\";\n"
                + "        Runnable r = () -> { System.out.println(\"\\\"}\"); };\n"
                + "        Object o = new Object() { public String toString() { return \"x\"; } };\n"
                + "    }\n"
                + "    record P(int a) {\n"
                + "        P {\n"
                + "            if (a < 0) { throw new IllegalArgumentException(); }\n"
                + "        }\n"
                + "    }\n"
                + "}\n";
        String found = SourceSizeScanner.methods(src).stream()
                .map(m -> m.name() + "@" + m.line() + "+" + m.lines()).collect(Collectors.joining(" "));
        assertEquals("run@4+3 work@8+8 <block>@17+3", found);
    }

    @Test
    void unbalancedBracesAreReported() {
        assertThrows(IllegalArgumentException.class, () -> SourceSizeScanner.methods("class C { void f() { }\n"));
        assertThrows(IllegalArgumentException.class, () -> SourceSizeScanner.methods("class C { } }\n"));
    }
}
