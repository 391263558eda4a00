package io.troupe.api.condition;

/**
 * Refuses the case-insensitive patterns RE2J 1.8 cannot compile: its case folding loops forever on
 * U+1C80–U+1C88 (Cyrillic Extended-C, whose folds its tables lack), so {@code (?i)\x{1C80}} or {@code (?i)[0-\x{FFFD}]}
 * would hang a load or reload. Found by ConditionFuzzTest; Unicode classes ({@code \pL}) are not affected.
 *
 * <p>The check does not parse RE2's syntax (a parser of our own read it differently from RE2J four times); it
 * leans to refusing. A pattern can only name those code points as a character (written as itself or as
 * {@code \x{...}}: RE2's other escapes stop at U+01FF) or inside a range {@code lo-hi}, which needs a {@code [} earlier
 * in the pattern and a {@code -} not escaped by a backslash. So it is refused when it holds one of them, or when such a
 * {@code -} is followed by a code point from U+1C80 up and not preceded by one above U+1C88.
 */
final class Re2FoldGuard {

    private static final int FIRST = 0x1C80;
    private static final int LAST = 0x1C88;
    private static final java.util.regex.Pattern CASE_FLAG = java.util.regex.Pattern.compile("\\(\\?[A-Za-z-]*i[A-Za-z-]*[:)]");
    /** RE2 reads any number of hex digits here (leading zeros too) as long as the value is a code point. */
    private static final java.util.regex.Pattern HEX_ESCAPE = java.util.regex.Pattern.compile("\\\\x\\{([0-9A-Fa-f]+)}");

    private Re2FoldGuard() {}

    /** @return why {@code pattern} is refused, or {@code null} when RE2J can compile it */
    static String check(String pattern) {
        if (!CASE_FLAG.matcher(pattern).find()) {
            return null;
        }
        if (pattern.codePoints().anyMatch(Re2FoldGuard::folds) || hexEscapes(pattern).anyMatch(Re2FoldGuard::folds)) {
            return "a case-insensitive pattern with U+1C80..U+1C88 is not supported (RE2J cannot fold them)";
        }
        if (rangeAcross(pattern)) {
            return "a case-insensitive range that may span U+1C80..U+1C88 is not supported (RE2J cannot fold them):"
                    + " split the range around them, or write a literal '-' as \\x2D";
        }
        return null;
    }

    private static boolean folds(int c) {
        return c >= FIRST && c <= LAST;
    }

    private static java.util.stream.IntStream hexEscapes(String p) {
        return HEX_ESCAPE.matcher(p).results().mapToInt(m -> hex(m.group(1)));
    }

    /** The value of hex {@code digits}; Integer.MAX_VALUE past any code point. */
    private static int hex(String digits) {
        String significant = digits.replaceFirst("^0+(?=.)", "");
        return significant.length() > 7 ? Integer.MAX_VALUE : Integer.parseInt(significant, 16);
    }

    /** Whether some unescaped {@code -} after an unescaped {@code [} may join a low end to a high one. */
    private static boolean rangeAcross(String p) {
        int bracket = -1;
        for (int k = 0; k < p.length(); k++) {
            if (p.charAt(k) == '[' && !escaped(p, k)) {
                bracket = k;
                break;
            }
        }
        if (bracket < 0) {
            return false;
        }
        for (int k = p.indexOf('-', bracket); k >= 0; k = p.indexOf('-', k + 1)) {
            if (!escaped(p, k) && highAfter(p, k + 1) && !highBefore(p, k)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the character at {@code k} follows an odd run of backslashes. */
    private static boolean escaped(String p, int k) {
        int run = 0;
        while (k - run - 1 >= 0 && p.charAt(k - run - 1) == '\\') {
            run++;
        }
        return run % 2 == 1;
    }

    /** Whether what starts at {@code k} may be a code point from U+1C80 up. */
    private static boolean highAfter(String p, int k) {
        if (k >= p.length()) {
            return false;
        }
        if (p.charAt(k) != '\\') {
            return p.codePointAt(k) >= FIRST;
        }
        java.util.regex.Matcher m = HEX_ESCAPE.matcher(p).region(k, p.length());
        return m.lookingAt() && hex(m.group(1)) >= FIRST;
    }

    /** Whether what ends just before {@code k} is surely one code point above U+1C88. */
    private static boolean highBefore(String p, int k) {
        if (k == 0) {
            return false;
        }
        int c = p.codePointBefore(k);
        if (c > LAST) {
            return true; // a literal: RE2 escapes no character above ASCII
        }
        if (c != '}') {
            return false;
        }
        int start = p.lastIndexOf("\\x{", k);
        if (start < 0 || escaped(p, start)) {
            return false;
        }
        java.util.regex.Matcher m = HEX_ESCAPE.matcher(p).region(start, k);
        return m.matches() && hex(m.group(1)) > LAST;
    }
}
