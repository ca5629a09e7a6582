package org.hyperdas.tests.architecture;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the methods of a Java source text and their lengths by matching braces, without a parser.
 *
 * <p>Comments, string and character literals and text blocks are blanked first (newlines kept), so
 * braces in them do not count. Each {@code {} is then classified by the text before it (back to the
 * previous {@code ;}, {@code {} or {@code }}) and by what encloses it: in a type body, a header
 * naming class, interface, enum or record opens a nested type body, {@code = new X(...)} an
 * anonymous class body, {@code = ...} an array initializer; anything else (a method, a
 * constructor, a compact constructor, an initializer block) is a method-like body, measured from
 * the line of its name (the identifier before the parameter list, else the brace) to the line of
 * its closing brace, both included. Whatever a method-like body contains is part of it.
 */
final class SourceSizeScanner {
    /** A method-like body: its name, first line (1-based) and length in lines. */
    record Method(String name, int line, int lines) {}

    private static final Pattern TYPE_HEADER =
            Pattern.compile("(^|[^\\w.@])(class|interface|enum|record)\\s+\\w+|@interface\\s+\\w+");
    private static final Pattern ANNOTATION = Pattern.compile("@[\\w.]+(\\s*\\([^()]*(\\([^()]*\\)[^()]*)*\\))?");

    private enum Block { TYPE, METHOD, OPAQUE }

    private SourceSizeScanner() {}

    /** Every method-like body declared in a type body (top-level, nested or anonymous in a field). */
    static List<Method> methods(String source) {
        String code = blankCommentsAndLiterals(source);
        List<Method> out = new ArrayList<>();
        Deque<Block> blocks = new ArrayDeque<>();
        Deque<int[]> starts = new ArrayDeque<>(); // per open METHOD block: {name line, name index}
        Deque<String> names = new ArrayDeque<>();
        int headerStart = 0;
        int line = 1;
        int[] lineAt = new int[code.length() + 1];
        for (int i = 0; i < code.length(); i++) {
            lineAt[i] = line;
            if (code.charAt(i) == '\n') {
                line++;
            }
        }
        lineAt[code.length()] = line;
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == ';') {
                headerStart = i + 1;
            } else if (c == '{') {
                Block outer = blocks.isEmpty() ? Block.TYPE : blocks.peek();
                Block kind = outer == Block.TYPE ? classify(code.substring(headerStart, i)) : Block.OPAQUE;
                if (outer == Block.TYPE && blocks.isEmpty() && kind == Block.METHOD) {
                    kind = Block.TYPE; // top level: only type declarations
                }
                blocks.push(kind);
                if (kind == Block.METHOD) {
                    String header = code.substring(headerStart, i);
                    int nameAt = nameIndex(header);
                    starts.push(new int[] {nameAt < 0 ? lineAt[i] : lineAt[headerStart + nameAt]});
                    names.push(nameAt < 0 ? "<block>" : identifierAt(header, nameAt));
                }
                headerStart = i + 1;
            } else if (c == '}') {
                if (blocks.isEmpty()) {
                    throw new IllegalArgumentException("unbalanced '}' at line " + lineAt[i]);
                }
                if (blocks.pop() == Block.METHOD) {
                    int first = starts.pop()[0];
                    out.add(new Method(names.pop(), first, lineAt[i] - first + 1));
                }
                headerStart = i + 1;
            }
        }
        if (!blocks.isEmpty()) {
            throw new IllegalArgumentException(blocks.size() + " unclosed '{' at the end");
        }
        return out;
    }

    /** Lines of a file as {@code wc -l} counts them, plus a last line without a newline. */
    static int lineCount(String source) {
        int n = 0;
        for (int i = 0; i < source.length(); i++) {
            if (source.charAt(i) == '\n') {
                n++;
            }
        }
        return source.isEmpty() || source.endsWith("\n") ? n : n + 1;
    }

    private static Block classify(String header) {
        String h = ANNOTATION.matcher(header).replaceAll(" ").strip();
        int eq = h.indexOf('=');
        String beforeEq = eq < 0 ? h : h.substring(0, eq);
        if (TYPE_HEADER.matcher(beforeEq).find()) {
            return Block.TYPE;
        }
        if (eq >= 0) {
            return h.matches("(?s).*=\\s*new\\s.*\\)\\s*") ? Block.TYPE : Block.OPAQUE;
        }
        return Block.METHOD;
    }

    /** Index in the header of the identifier before the first top-level '(' (the name), or -1. */
    private static int nameIndex(String header) {
        String h = blankAnnotations(header);
        int paren = h.indexOf('(');
        if (paren < 0) {
            return -1;
        }
        int end = paren;
        while (end > 0 && Character.isWhitespace(h.charAt(end - 1))) {
            end--;
        }
        int start = end;
        while (start > 0 && Character.isJavaIdentifierPart(h.charAt(start - 1))) {
            start--;
        }
        return start < end ? start : -1;
    }

    private static String identifierAt(String header, int at) {
        int end = at;
        while (end < header.length() && Character.isJavaIdentifierPart(header.charAt(end))) {
            end++;
        }
        return header.substring(at, end);
    }

    /** The header with its annotations (and their arguments) replaced by spaces, lengths kept. */
    private static String blankAnnotations(String header) {
        StringBuilder b = new StringBuilder(header);
        Matcher m = ANNOTATION.matcher(header);
        while (m.find()) {
            for (int k = m.start(); k < m.end(); k++) {
                if (b.charAt(k) != '\n') {
                    b.setCharAt(k, ' ');
                }
            }
        }
        return b.toString();
    }

    /** Comments, string and char literals and text blocks replaced by spaces; newlines kept. */
    static String blankCommentsAndLiterals(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            char next = i + 1 < s.length() ? s.charAt(i + 1) : 0;
            int end;
            if (c == '/' && next == '/') {
                end = s.indexOf('\n', i);
                end = end < 0 ? s.length() : end;
            } else if (c == '/' && next == '*') {
                end = s.indexOf("*/", i + 2);
                end = end < 0 ? s.length() : end + 2;
            } else if (s.startsWith("\"\"\"", i)) {
                end = closing(s, i + 3, "\"\"\"");
            } else if (c == '"' || c == '\'') {
                end = closing(s, i + 1, String.valueOf(c));
            } else {
                b.append(c);
                i++;
                continue;
            }
            for (int k = i; k < end; k++) {
                b.append(s.charAt(k) == '\n' ? '\n' : ' ');
            }
            i = end;
        }
        return b.toString();
    }

    /** Index just past the closing delimiter, skipping backslash escapes. */
    private static int closing(String s, int from, String delimiter) {
        int k = from;
        while (k < s.length()) {
            if (s.charAt(k) == '\\') {
                k += 2;
            } else if (s.startsWith(delimiter, k)) {
                return k + delimiter.length();
            } else {
                k++;
            }
        }
        return s.length();
    }
}
