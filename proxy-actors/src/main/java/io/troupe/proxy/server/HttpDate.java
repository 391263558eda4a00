package io.troupe.proxy.server;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Date;

/**
 * The {@code Date} header a response must carry (RFC 9110 §6.6.1: the proxy's own answers, and a forwarded response
 * that lacks one, as Go's server and nginx add it), formatted once a second.
 */
final class HttpDate {
    private record Second(long epochSecond, AsciiString text) {}

    /** The name as nginx and Go write it (header names are case-insensitive; Netty's constants are lower case). */
    private static final AsciiString DATE = AsciiString.cached("Date");
    private static volatile Second current = new Second(-1, AsciiString.EMPTY_STRING);

    private HttpDate() {}

    /** Sets {@code Date} to now unless the response has one. */
    static void addIfAbsent(HttpHeaders headers) {
        if (!headers.contains(DATE)) {
            set(headers);
        }
    }

    /** Sets {@code Date} to now (a response the proxy makes itself). */
    static void set(HttpHeaders headers) {
        headers.set(DATE, now());
    }

    static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Second s = current;
        if (s.epochSecond() != second) {
            // threads racing here format the same text; whichever write lands is right
            s = new Second(second, AsciiString.cached(DateFormatter.format(new Date(second * 1000))));
            current = s;
        }
        return s.text();
    }
}
