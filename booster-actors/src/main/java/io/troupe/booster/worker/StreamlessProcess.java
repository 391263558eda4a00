package io.troupe.booster.worker;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A {@link Process} without pipes: one started by another process (a slot launcher's child), whose stdin and
 * output are files; this JVM has no stream of it to hand out.
 */
abstract class StreamlessProcess extends Process {

    @Override
    public OutputStream getOutputStream() {
        return OutputStream.nullOutputStream();
    }

    @Override
    public InputStream getInputStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public InputStream getErrorStream() {
        return InputStream.nullInputStream();
    }
}
