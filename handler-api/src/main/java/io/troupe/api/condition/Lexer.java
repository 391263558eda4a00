package io.troupe.api.condition;

import java.util.Set;

/**
 * Splits a condition into tokens the way BFE's scanner does: Go-like identifiers (letters, digits,
 * {@code _} and {@code -}), {@code "..."} strings kept verbatim (backslashes included) but checked
 * for valid Go escapes, {@code `...`} raw strings, {@code true}/{@code false}, integers,
 * {@code && || ! ( ) ,} and {@code //} comments.
 */
final class Lexer {

    enum Kind { IDENT, VAR, STRING, BOOL, INT, FLOAT, LPAREN, RPAREN, NOT, AND, OR, COMMA, SEMICOLON, EOF }

    /** One token: its kind, its value (string contents without quotes), and where it starts and ends. */
    record Token(Kind kind, String value, int pos, int end) {
        String describe() {
            return switch (kind) {
                case EOF -> "end of condition";
                case STRING -> "string " + value;
                case IDENT -> "identifier '" + value + "'";
                case VAR -> "variable '$" + value + "'";
                default -> "'" + value + "'";
            };
        }
    }

    // Go keywords: BFE's scanner refuses them as identifiers.
    private static final Set<String> KEYWORDS = Set.of(
            "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for",
            "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return",
            "select", "struct", "switch", "type", "var");

    private final String src;
    private int pos;

    Lexer(String src) {
        this.src = src;
        // a byte order mark is only allowed as the very first character
        this.pos = !src.isEmpty() && src.charAt(0) == '\uFEFF' ? 1 : 0;
    }

    /**
     * The next token. Scanning is on demand, so an error is reported where BFE reports it: a syntax
     * error earlier in the text wins over a bad escape later on.
     */
    Token next() throws ConditionException {
        while (true) {
            skipWhitespace();
            if (pos >= src.length()) {
                return new Token(Kind.EOF, "", src.length(), src.length());
            }
            int start = pos;
            char ch = src.charAt(pos);
            if (isLetter(ch)) {
                return identifier(start, Kind.IDENT);
            }
            if (ch >= '0' && ch <= '9') {
                return number(start);
            }
            pos++;
            switch (ch) {
                case '"':
                    return new Token(Kind.STRING, quoted(start), start, pos);
                case '`':
                    return new Token(Kind.STRING, raw(start), start, pos);
                case '(':
                    return new Token(Kind.LPAREN, "(", start, pos);
                case ')':
                    return new Token(Kind.RPAREN, ")", start, pos);
                case '!':
                    return new Token(Kind.NOT, "!", start, pos);
                case ',':
                    return new Token(Kind.COMMA, ",", start, pos);
                case ';':
                    return new Token(Kind.SEMICOLON, ";", start, pos);
                case '&':
                    if (peek() == '&') {
                        pos++;
                        return new Token(Kind.AND, "&&", start, pos);
                    }
                    throw new ConditionException(start, "unrecognized token '&' (did you mean '&&'?)");
                case '|':
                    if (peek() == '|') {
                        pos++;
                        return new Token(Kind.OR, "||", start, pos);
                    }
                    throw new ConditionException(start, "unrecognized token '|' (did you mean '||'?)");
                case '/':
                    if (peek() == '/') {
                        skipComment();
                        continue;
                    }
                    throw new ConditionException(start, "unrecognized token '/' (comments start with '//')");
                case '$':
                    // Troupe extension: $name names a condition variable (BFE's docs write it this way)
                    if (pos < src.length() && isLetter(src.charAt(pos))) {
                        Token ident = identifier(pos, Kind.VAR);
                        return new Token(Kind.VAR, ident.value(), start, ident.end());
                    }
                    throw new ConditionException(start, "'$' must be followed by a variable name");
                case '\0':
                    throw new ConditionException(start, "illegal character NUL");
                default:
                    throw new ConditionException(start, "unrecognized character " + describeChar(ch));
            }
        }
    }

    private static String describeChar(char ch) {
        return Character.isISOControl(ch) ? String.format("U+%04X", (int) ch) : "'" + ch + "'";
    }

    private int peek() {
        return pos < src.length() ? src.charAt(pos) : -1;
    }

    private void skipWhitespace() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return;
            }
            pos++;
        }
    }

    private void skipComment() {
        while (pos < src.length() && src.charAt(pos) != '\n') {
            pos++;
        }
    }

    static boolean isLetter(char ch) {
        return ('a' <= ch && ch <= 'z') || ('A' <= ch && ch <= 'Z') || ch == '_' || ch == '-'
                || (ch >= 0x80 && Character.isLetter(ch));
    }

    private static boolean isDigit(char ch) {
        return ('0' <= ch && ch <= '9') || (ch >= 0x80 && Character.isDigit(ch));
    }

    private Token identifier(int start, Kind kind) throws ConditionException {
        pos = start;
        while (pos < src.length() && (isLetter(src.charAt(pos)) || isDigit(src.charAt(pos)))) {
            pos++;
        }
        String lit = src.substring(start, pos);
        if (lit.length() > 1 && KEYWORDS.contains(lit)) {
            throw new ConditionException(start, "keyword '" + lit + "' can't be used");
        }
        if (kind == Kind.IDENT && (lit.equals("true") || lit.equals("false"))) {
            return new Token(Kind.BOOL, lit, start, pos);
        }
        return new Token(kind, lit, start, pos);
    }

    private Token number(int start) throws ConditionException {
        boolean isFloat = false;
        if (src.charAt(pos) == '0' && pos + 1 < src.length() && (src.charAt(pos + 1) == 'x' || src.charAt(pos + 1) == 'X')) {
            pos += 2;
            int digits = pos;
            while (pos < src.length() && Character.digit(src.charAt(pos), 16) >= 0) {
                pos++;
            }
            if (pos == digits) {
                throw new ConditionException(start, "illegal hexadecimal number");
            }
        } else {
            while (pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '9') {
                pos++;
            }
            if (pos < src.length() && src.charAt(pos) == '.') {
                isFloat = true;
                pos++;
                while (pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '9') {
                    pos++;
                }
            }
            if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
                isFloat = true;
                pos++;
                if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                    pos++;
                }
                while (pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '9') {
                    pos++;
                }
            }
            String lit = src.substring(start, pos);
            if (!isFloat && lit.length() > 1 && lit.charAt(0) == '0' && !lit.chars().allMatch(c -> c >= '0' && c <= '7')) {
                throw new ConditionException(start, "illegal octal number " + lit);
            }
        }
        if (pos < src.length() && src.charAt(pos) == 'i') {
            throw new ConditionException(start, "imaginary numbers are not allowed");
        }
        return new Token(isFloat ? Kind.FLOAT : Kind.INT, src.substring(start, pos), start, pos);
    }

    /** A double-quoted string: escapes are validated like Go's, but the text is kept as written. */
    private String quoted(int open) throws ConditionException {
        while (true) {
            if (pos >= src.length() || src.charAt(pos) == '\n') {
                throw new ConditionException(open, "string literal not terminated");
            }
            char ch = src.charAt(pos++);
            if (ch == '"') {
                return src.substring(open + 1, pos - 1);
            }
            if (ch == '\\') {
                escape();
            }
        }
    }

    private void escape() throws ConditionException {
        int at = pos;
        if (pos >= src.length()) {
            throw new ConditionException(at, "escape sequence not terminated");
        }
        char ch = src.charAt(pos);
        int digits;
        int base;
        long max;
        switch (ch) {
            case 'a', 'b', 'f', 'n', 'r', 't', 'v', '\\', '"' -> {
                pos++;
                return;
            }
            case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                digits = 3;
                base = 8;
                max = 255;
            }
            case 'x' -> {
                pos++;
                digits = 2;
                base = 16;
                max = 255;
            }
            case 'u' -> {
                pos++;
                digits = 4;
                base = 16;
                max = Character.MAX_CODE_POINT;
            }
            case 'U' -> {
                pos++;
                digits = 8;
                base = 16;
                max = Character.MAX_CODE_POINT;
            }
            default -> throw new ConditionException(at,
                    "unknown escape sequence '\\" + ch + "' (double-quoted strings keep backslashes but accept only Go escapes; use a `raw string` for regular expressions)");
        }
        long x = 0;
        for (; digits > 0; digits--) {
            if (pos >= src.length()) {
                throw new ConditionException(pos, "escape sequence not terminated");
            }
            int d = Character.digit(src.charAt(pos), base);
            if (d < 0 || src.charAt(pos) > 'f') {
                throw new ConditionException(pos, "illegal character " + describeChar(src.charAt(pos)) + " in escape sequence");
            }
            x = x * base + d;
            pos++;
        }
        if (x > max || (0xD800 <= x && x < 0xE000)) {
            throw new ConditionException(at, "escape sequence is invalid Unicode code point");
        }
    }

    /** A back-quoted string: everything up to the next back quote, carriage returns dropped (as Go does). */
    private String raw(int open) throws ConditionException {
        int close = src.indexOf('`', pos);
        if (close < 0) {
            throw new ConditionException(open, "raw string literal not terminated");
        }
        String lit = src.substring(pos, close);
        pos = close + 1;
        return lit.indexOf('\r') >= 0 ? lit.replace("\r", "") : lit;
    }
}
