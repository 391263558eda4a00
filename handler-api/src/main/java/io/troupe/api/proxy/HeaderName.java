package io.troupe.api.proxy;

import java.util.Objects;
import java.util.function.Function;

/**
 * A header name made once (when a module or condition loads) and passed to {@link Request#header(CharSequence)},
 * {@link Request#setHeader(CharSequence, String)} and their siblings on every request. Matching stays
 * case-insensitive, exactly as with a {@code String} name; what a {@code HeaderName} saves is the work the
 * proxy would otherwise redo per call: the proxy keeps its own pre-hashed form of the name here (see
 * {@link #as}), so a lookup hashes nothing.
 *
 * <p>Immutable as far as modules can tell, and safe to share across threads. {@link #toString()} is the name
 * as given.
 */
public final class HeaderName implements CharSequence {
    private final String name;
    private final boolean ascii;
    // the proxy's own form of this name; a racy cache: two threads may both make it, and either result serves
    private Object form;

    private HeaderName(String name) {
        this.name = name;
        this.ascii = name.chars().allMatch(c -> c < 0x80);
    }

    /**
     * The name {@code name}, as given (not validated: a lookup by a name that cannot occur finds nothing, and
     * setting one fails as it would with a {@code String}).
     *
     * @throws NullPointerException when {@code name} is {@code null}
     */
    public static HeaderName of(String name) {
        return new HeaderName(Objects.requireNonNull(name, "header name"));
    }

    /** Whether every character is US-ASCII (below {@code 0x80}). */
    public boolean isAscii() {
        return ascii;
    }

    /**
     * This name in a form of {@code type} that a proxy implementation looks headers up with, made by
     * {@code make} from the name on first use and kept for later calls. For {@link Request} and
     * {@link Response} implementations; modules have no use for it.
     */
    public <T> T as(Class<T> type, Function<String, ? extends T> make) {
        Object f = form;
        if (type.isInstance(f)) {
            return type.cast(f);
        }
        T made = make.apply(name);
        form = made;
        return made;
    }

    @Override
    public int length() {
        return name.length();
    }

    @Override
    public char charAt(int index) {
        return name.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return name.subSequence(start, end);
    }

    @Override
    public String toString() {
        return name;
    }
}
