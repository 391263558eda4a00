package io.troupe.api.condition;

/**
 * String helpers that behave like Go's {@code strings} package. Case mapping is per code point
 * ({@code unicode.ToUpper}), unlike {@link String#toUpperCase} which maps {@code ß} to {@code SS} and
 * treats a final sigma specially. The {@code *Upper} comparisons fold the value on the fly so the hot
 * path does not allocate; patterns are upper-cased once at build time.
 */
final class GoText {
    private GoText() {}

    static String upper(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int up = Character.toUpperCase(cp);
            if (up != cp && b == null) {
                b = new StringBuilder(s.length());
                b.append(s, 0, i);
            }
            if (b != null) {
                b.appendCodePoint(up);
            }
            i += Character.charCount(cp);
        }
        return b == null ? s : b.toString();
    }

    static String lower(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int low = Character.toLowerCase(cp);
            if (low != cp && b == null) {
                b = new StringBuilder(s.length());
                b.append(s, 0, i);
            }
            if (b != null) {
                b.appendCodePoint(low);
            }
            i += Character.charCount(cp);
        }
        return b == null ? s : b.toString();
    }

    /** Whether per-char folding would differ from per-code-point folding (surrogate pairs present). */
    static boolean hasSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code v} upper-cased equals {@code up}; {@code v} has no surrogates. */
    static boolean equalsUpper(String v, String up) {
        int n = v.length();
        if (n != up.length()) {
            return false;
        }
        return regionUpper(v, 0, up);
    }

    static boolean startsWithUpper(String v, String up) {
        return v.length() >= up.length() && regionUpper(v, 0, up);
    }

    static boolean endsWithUpper(String v, String up) {
        return v.length() >= up.length() && regionUpper(v, v.length() - up.length(), up);
    }

    static boolean containsUpper(String v, String up) {
        int last = v.length() - up.length();
        for (int i = 0; i <= last; i++) {
            if (regionUpper(v, i, up)) {
                return true;
            }
        }
        return false;
    }

    private static boolean regionUpper(String v, int offset, String up) {
        for (int i = 0, n = up.length(); i < n; i++) {
            char c = v.charAt(offset + i);
            if (c != up.charAt(i) && Character.toUpperCase(c) != up.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
