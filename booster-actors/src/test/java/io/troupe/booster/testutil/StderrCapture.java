package io.troupe.booster.testutil;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Captures {@code System.err} during a test, for what the booster prints; {@link #stop} echoes it to the real one. */
public final class StderrCapture {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private PrintStream real;

    public void start() {
        real = System.err;
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    /** Restores the real stream (if {@link #start} ran) and prints what was captured there. */
    public void stop() {
        if (real != null) {
            System.setErr(real);
            real.print(text());
        }
    }

    public String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
