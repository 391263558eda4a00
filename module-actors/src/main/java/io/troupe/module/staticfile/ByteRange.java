package io.troupe.module.staticfile;

/**
 * One byte range of a {@code Range: bytes=...} header against a file of a known size (RFC 9110 §14).
 * Several ranges are answered with the whole file (allowed by the RFC), so only single ranges are parsed.
 */
record ByteRange(long start, long end) {

    /** A range no byte of the file satisfies: answer 416. */
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    long length() {
        return end - start + 1;
    }

    /** The range asked for, {@link #UNSATISFIABLE}, or {@code null} to send the whole file. */
    static ByteRange parse(String header, long size) {
        if (header == null || !header.startsWith("bytes=")) {
            return null;
        }
        String spec = header.substring(6).strip();
        if (spec.contains(",")) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).strip();
            String b = spec.substring(dash + 1).strip();
            if (a.isEmpty()) {
                // suffix range: the last N bytes
                long n = Long.parseLong(b);
                if (n <= 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new ByteRange(Math.max(0, size - n), size - 1);
            }
            long start = Long.parseLong(a);
            long end = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (start < 0 || (!b.isEmpty() && Long.parseLong(b) < start)) {
                return null;
            }
            if (start >= size) {
                return UNSATISFIABLE;
            }
            return new ByteRange(start, end);
        } catch (NumberFormatException e) {
            // a malformed Range header is ignored, as the RFC allows
            return null;
        }
    }
}
