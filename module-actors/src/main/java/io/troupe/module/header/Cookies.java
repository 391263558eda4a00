package io.troupe.module.header;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cookie edits of mod_header's {@code REQ_COOKIE_SET|DEL} and {@code RSP_COOKIE_SET|DEL}, as BFE makes them with
 * Go's {@code net/http} cookies: a request's {@code Cookie} pairs rewritten in place, a response's {@code Set-Cookie}
 * lines replaced or dropped by cookie name.
 */
final class Cookies {
    /** Go's {@code time.RFC1123} without its zone: the zone is a name Go does not check ("GMT", "UTC", "CST"). */
    private static final DateTimeFormatter RFC1123_NO_ZONE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss", Locale.ROOT);
    /** Go's {@code http.TimeFormat}, which {@code Cookie.String} writes. */
    private static final DateTimeFormatter HTTP_TIME =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT);

    private Cookies() {}

    /** {@code Mon, 02 Jan 2006 15:04:05 MST}, or null when it is not that form. */
    static ZonedDateTime expires(String text) {
        int zone = text.lastIndexOf(' ');
        if (zone < 0) {
            return null;
        }
        String tz = text.substring(zone + 1);
        try {
            if (tz.chars().allMatch(Character::isLetter)) {
                return java.time.LocalDateTime.parse(text.substring(0, zone), RFC1123_NO_ZONE).atZone(ZoneOffset.UTC);
            }
            return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Go's {@code strconv.ParseBool}, or null. */
    static Boolean bool(String text) {
        return switch (text) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> null;
        };
    }

    /** The {@code Cookie} header with {@code name} set to {@code value}: replaced where it is, else appended. */
    static String requestSet(String header, String name, String value) {
        List<String> pairs = pairs(header);
        boolean found = false;
        for (int i = 0; i < pairs.size(); i++) {
            if (nameOf(pairs.get(i)).equals(name)) {
                pairs.set(i, name + "=" + value);
                found = true;
            }
        }
        if (!found) {
            pairs.add(name + "=" + value);
        }
        return String.join("; ", pairs);
    }

    /** The {@code Cookie} header without {@code name}; null when nothing is left. */
    static String requestDel(String header, String name) {
        List<String> pairs = pairs(header);
        pairs.removeIf(p -> nameOf(p).equals(name));
        return pairs.isEmpty() ? null : String.join("; ", pairs);
    }

    private static List<String> pairs(String header) {
        List<String> out = new ArrayList<>();
        if (header != null) {
            for (String p : header.split(";")) {
                if (!p.isBlank()) {
                    out.add(p.strip());
                }
            }
        }
        return out;
    }

    /** The cookie name of a {@code Cookie} pair or a {@code Set-Cookie} line. */
    static String nameOf(String cookie) {
        int eq = cookie.indexOf('=');
        int semi = cookie.indexOf(';');
        int end = eq >= 0 && (semi < 0 || eq < semi) ? eq : semi >= 0 ? semi : cookie.length();
        return cookie.substring(0, end).strip();
    }

    /**
     * The {@code Set-Cookie} value of RSP_COOKIE_SET's params (Name, Value, Domain, Path, Expires, MaxAge, HttpOnly,
     * Secure; checked at load) with {@code value}, laid out as Go's {@code Cookie.String} does.
     */
    static String setCookie(List<String> params, String value) {
        StringBuilder sb = new StringBuilder(params.get(0)).append('=');
        boolean quote = value.indexOf(' ') >= 0 || value.indexOf(',') >= 0;
        sb.append(quote ? "\"" + value + "\"" : value);
        String domain = params.get(2);
        String path = params.get(3);
        if (!path.isEmpty()) {
            sb.append("; Path=").append(path);
        }
        if (!domain.isEmpty()) {
            sb.append("; Domain=").append(domain.startsWith(".") ? domain.substring(1) : domain);
        }
        ZonedDateTime expires = expires(params.get(4));
        if (expires != null && expires.getYear() >= 1601) {
            sb.append("; Expires=").append(HTTP_TIME.format(expires.withZoneSameInstant(ZoneOffset.UTC)));
        }
        int maxAge = Integer.parseInt(params.get(5));
        if (maxAge > 0) {
            sb.append("; Max-Age=").append(maxAge);
        } else if (maxAge < 0) {
            sb.append("; Max-Age=0");
        }
        if (Boolean.TRUE.equals(bool(params.get(6)))) {
            sb.append("; HttpOnly");
        }
        if (Boolean.TRUE.equals(bool(params.get(7)))) {
            sb.append("; Secure");
        }
        return sb.toString();
    }
}
