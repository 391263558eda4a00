package io.troupe.api.condition;

import java.util.regex.Matcher;

/**
 * Refuses the case-insensitive patterns RE2J 1.8 cannot compile: its case folding loops forever on
 * U+1C80–U+1C88 (Cyrillic Extended-C, whose folds its tables lack), so {@code (?i)\x{1C80}} or {@code (?i)[ᲀ-ᲈ]}
 * would hang a load or reload. Found by ConditionFuzzTest; Unicode classes ({@code \pL}) are not affected.
 */
final class Re2FoldGuard {

    private static final int FIRST = 0x1C80;
    private static final int LAST = 0x1C88;
    private static final java.util.regex.Pattern CASE_FLAG = java.util.regex.Pattern.compile("\\(\\?[A-Za-z-]*i[A-Za-z-]*[:)]");

    private Re2FoldGuard() {}

    /** @return why {@code pattern} is refused, or {@code null} when RE2J compiles it */
    static String check(String pattern) {
        Matcher flags = CASE_FLAG.matcher(pattern);
        if (!flags.find()) {
            return null;
        }
        boolean inClass = false;
        int previous = -1; // the last literal code point in a class, for a range
        int i = 0;
        while (i < pattern.length()) {
            int c = pattern.codePointAt(i);
            int next = i + Character.charCount(c);
            int literal;
            if (c == '\\' && next < pattern.length()) {
                int[] escaped = escape(pattern, next);
                literal = escaped[0];
                next = escaped[1];
            } else if (c == '[' && !inClass) {
                inClass = true;
                previous = -1;
                i = next;
                continue;
            } else if (c == ']' && inClass) {
                inClass = false;
                i = next;
                continue;
            } else if (c == '-' && inClass && previous >= 0 && next < pattern.length() && pattern.charAt(next) != ']') {
                int end = pattern.codePointAt(next);
                int after = next + Character.charCount(end);
                if (end == '\\' && after < pattern.length()) {
                    int[] escaped = escape(pattern, after);
                    end = escaped[0];
                    after = escaped[1];
                }
                if (end >= 0 && previous <= LAST && end >= FIRST) {
                    return refusal();
                }
                previous = -1;
                i = after;
                continue;
            } else {
                literal = c;
            }
            if (literal >= FIRST && literal <= LAST) {
                return refusal();
            }
            previous = inClass ? literal : -1;
            i = next;
        }
        return null;
    }

    /** The code point an escape at {@code at} (just past the backslash) stands for (-1: not one), and where it ends. */
    private static int[] escape(String p, int at) {
        char e = p.charAt(at);
        if (e == 'x' && at + 1 < p.length()) {
            if (p.charAt(at + 1) == '{') {
                int close = p.indexOf('}', at + 2);
                if (close > 0) {
                    return new int[] {hex(p.substring(at + 2, close)), close + 1};
                }
            } else if (at + 3 <= p.length()) {
                return new int[] {hex(p.substring(at + 1, at + 3)), at + 3};
            }
        }
        boolean letterOrDigit = Character.isLetterOrDigit(e);
        return new int[] {letterOrDigit ? -1 : e, at + 1};
    }

    private static int hex(String digits) {
        try {
            return Integer.parseInt(digits, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String refusal() {
        return "a case-insensitive pattern with U+1C80..U+1C88 is not supported (RE2J cannot fold them)";
    }
}
