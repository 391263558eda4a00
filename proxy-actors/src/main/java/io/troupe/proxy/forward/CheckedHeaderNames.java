package io.troupe.proxy.forward;

import io.netty.handler.codec.DefaultHeaders.NameValidator;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.util.AsciiString;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Header names checked once, when made, as Netty checks every name a header map is given (an RFC 9110 token),
 * so that the header maps of the proxy's connections need not check them again on every set and add: the
 * names the proxy adds to each request, the response header names backends commonly send ({@link BackendCodec}),
 * and the names modules make once ({@code HeaderName}).
 *
 * <p>A checked name is an {@link AsciiString} over a slice of one shared array that holds nothing but checked
 * names, which {@link #VALIDATOR} recognises by that array alone. Every byte of the array's used part is a token
 * character, so any non-empty slice of it is a valid name. Once the array is full, names are made as ordinary
 * {@code AsciiString}s, which the validator checks as Netty does: slower, never wrong.
 */
public final class CheckedHeaderNames {
    private static final NameValidator<CharSequence> NETTY = DefaultHttpHeadersFactory.headersFactory()
            .getNameValidator();
    private static final Arena SHARED = new Arena(64 * 1024);
    // a name made twice (a module's data reloaded) takes its slice once
    private static final ConcurrentHashMap<String, AsciiString> MADE = new ConcurrentHashMap<>();

    /** Netty's header-name check, skipped for names made by {@link #of}. */
    public static final NameValidator<CharSequence> VALIDATOR = name -> {
        if (!isChecked(name)) {
            NETTY.validateName(name);
        }
    };

    /** Netty's HTTP/1 header factory with {@link #VALIDATOR} for names, values still checked as Netty does. */
    public static final DefaultHttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
            .withNameValidator(VALIDATOR);

    private CheckedHeaderNames() {}

    /**
     * {@code name} as a checked name when it is a valid header name, else as an ordinary {@code AsciiString} (which a
     * header map then refuses as it would refuse the {@code String}). Only for all-ASCII names.
     */
    public static AsciiString of(String name) {
        AsciiString made = MADE.get(name);
        return made != null ? made : MADE.computeIfAbsent(name, SHARED::make);
    }

    /** Whether {@code name} was made by {@link #of} from a valid name. */
    public static boolean isChecked(CharSequence name) {
        return name instanceof AsciiString a && SHARED.holds(a);
    }

    /** The array checked names are slices of. */
    static final class Arena {
        private final byte[] bytes;
        private int used;

        Arena(int size) {
            bytes = new byte[size];
        }

        /** {@code name} over a slice of this arena when it is valid and fits, else as an ordinary AsciiString. */
        synchronized AsciiString make(String name) {
            int n = name.length();
            if (!valid(name) || used + n > bytes.length) {
                return AsciiString.cached(name);
            }
            for (int i = 0; i < n; i++) {
                bytes[used + i] = (byte) name.charAt(i);
            }
            AsciiString a = new AsciiString(bytes, used, n, false);
            used += n;
            a.toString(); // caches its String, as AsciiString.cached does
            return a;
        }

        boolean holds(AsciiString a) {
            return a.array() == bytes && a.length() > 0;
        }

        private static boolean valid(String name) {
            try {
                NETTY.validateName(name);
                return true;
            } catch (RuntimeException invalid) {
                return false;
            }
        }
    }
}
