package io.troupe.api.condition;

/**
 * Refuses the case-insensitive patterns RE2J 1.8 cannot compile: its case folding loops forever on
 * U+1C80–U+1C88 (Cyrillic Extended-C, whose folds its tables lack), so {@code (?i)\x{1C80}} or {@code (?i)[0-\x{FFFD}]}
 * would hang a load or reload. Found by ConditionFuzzTest; Unicode classes ({@code \pL}) are not affected.
 * The scan follows RE2's syntax for literals, escapes and character classes ({@code []a]} holds a {@code ]}).
 */
final class Re2FoldGuard {

    private static final int FIRST = 0x1C80;
    private static final int LAST = 0x1C88;
    private static final java.util.regex.Pattern CASE_FLAG = java.util.regex.Pattern.compile("\\(\\?[A-Za-z-]*i[A-Za-z-]*[:)]");
    /** An atom that is not one code point (\d, \pL, [:alpha:]). */
    private static final int SET = -1;

    private final String p;
    private int i;

    private Re2FoldGuard(String pattern) {
        this.p = pattern;
    }

    /** @return why {@code pattern} is refused, or {@code null} when RE2J can compile it */
    static String check(String pattern) {
        if (!CASE_FLAG.matcher(pattern).find()) {
            return null;
        }
        return new Re2FoldGuard(pattern).scan() ? "a case-insensitive pattern with U+1C80..U+1C88 is not supported"
                + " (RE2J cannot fold them)" : null;
    }

    private static boolean folds(int c) {
        return c >= FIRST && c <= LAST;
    }

    /** @return whether the pattern names one of the code points, alone or in a class range */
    private boolean scan() {
        while (i < p.length()) {
            int c = p.codePointAt(i);
            if (c == '[') {
                i++;
                if (scanClass()) {
                    return true;
                }
            } else if (c == '\\' && p.startsWith("\\Q", i)) {
                int end = p.indexOf("\\E", i + 2);
                String quoted = p.substring(i + 2, end < 0 ? p.length() : end);
                if (quoted.codePoints().anyMatch(Re2FoldGuard::folds)) {
                    return true;
                }
                i = end < 0 ? p.length() : end + 2;
            } else if (folds(c == '\\' ? escape() : literal())) {
                return true;
            }
        }
        return false;
    }

    /** Just past a {@code [}: up to and past its {@code ]}. */
    private boolean scanClass() {
        if (i < p.length() && p.charAt(i) == '^') {
            i++;
        }
        boolean first = true;
        while (i < p.length()) {
            if (p.charAt(i) == ']' && !first) {
                i++;
                return false;
            }
            first = false;
            int lo = classAtom();
            if (i + 1 < p.length() && p.charAt(i) == '-' && p.charAt(i + 1) != ']') {
                i++;
                int hi = classChar(); // as RE2J: a range's end is one character, "[" in "0-[:]" included
                if (lo != SET && hi != SET && lo <= LAST && hi >= FIRST) {
                    return true;
                }
            } else if (folds(lo)) {
                return true;
            }
        }
        return false;
    }

    private int classAtom() {
        if (p.startsWith("[:", i)) {
            int end = p.indexOf(":]", i + 2);
            if (end > 0) {
                i = end + 2;
                return SET;
            }
        }
        return classChar();
    }

    private int classChar() {
        return p.charAt(i) == '\\' ? escape() : literal();
    }

    private int literal() {
        int c = p.codePointAt(i);
        i += Character.charCount(c);
        return c;
    }

    /** At a backslash: the code point it stands for, or SET. */
    private int escape() {
        i++;
        if (i >= p.length()) {
            return SET;
        }
        int e = p.codePointAt(i);
        i += Character.charCount(e);
        switch (e) {
            case 'a': return 0x07; // RE2's one-character escapes: \a in [\a-\x{FFFD}] is a range's end
            case 'f': return 0x0C;
            case 't': return 0x09;
            case 'n': return 0x0A;
            case 'r': return 0x0D;
            case 'v': return 0x0B;
            default: break;
        }
        if (e >= '0' && e <= '7') { // octal, up to three digits
            int c = e - '0';
            for (int digits = 1; digits < 3 && i < p.length() && p.charAt(i) >= '0' && p.charAt(i) <= '7'; digits++) {
                c = c * 8 + (p.charAt(i++) - '0');
            }
            return c;
        }
        if (e == 'x') {
            if (i < p.length() && p.charAt(i) == '{') {
                int close = p.indexOf('}', i);
                if (close < 0) {
                    return SET;
                }
                int c = hex(p.substring(i + 1, close));
                i = close + 1;
                return c;
            }
            int end = Math.min(p.length(), i + 2);
            int c = hex(p.substring(i, end));
            i = end;
            return c;
        }
        if ((e == 'p' || e == 'P') && i < p.length()) {
            if (p.charAt(i) == '{') {
                int close = p.indexOf('}', i);
                i = close < 0 ? p.length() : close + 1;
            } else {
                i += Character.charCount(p.codePointAt(i));
            }
            return SET;
        }
        return Character.isLetterOrDigit(e) ? SET : e;
    }

    private static int hex(String digits) {
        try {
            return Integer.parseInt(digits, 16);
        } catch (NumberFormatException e) {
            return SET;
        }
    }
}
