package io.troupe.module.support;

import java.util.Locale;
import java.util.regex.Pattern;

/** Reading an {@code Accept-Encoding} header as BFE's {@code HasToken} does, with {@code ;q=0} as a refusal. */
public final class AcceptEncoding {
    private static final Pattern Q_ZERO = Pattern.compile(";q=0(\\.0*)?");

    private AcceptEncoding() {}

    /** Whether the comma-separated {@code header} has {@code token} (case-insensitive, parameters ignored). */
    public static boolean has(String header, String token) {
        for (String part : header.split(",")) {
            String t = part.strip();
            int semi = t.indexOf(';');
            String name = (semi < 0 ? t : t.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
            if (name.equals(token)) {
                return semi < 0 || !Q_ZERO.matcher(t.substring(semi).replace(" ", "").toLowerCase(Locale.ROOT)).matches();
            }
        }
        return false;
    }
}
