package io.troupe.booster.worker;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A {@link Process} without pipes: one started by another process (a slot launcher's child, a controller
 * client's work command), whose stdin and output are files or the client's own; this JVM has no stream of it to
 * hand out.
 */
public abstract class StreamlessProcess extends Process {

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
