package io.troupe.module.staticfile;

import io.troupe.api.proxy.FileBody;
import io.troupe.api.proxy.Response;
import java.nio.file.Path;
import java.util.List;

/** A response whose body is a region of a file, sent by the data plane (sendfile where it can). */
final class FileResponse implements Response, FileBody {
    private final Response.Simple head;
    private final Path file;
    private final long offset;
    private final long length;

    FileResponse(int status, Path file, long offset, long length) {
        this.head = new Response.Simple(status, new byte[0]);
        this.file = file;
        this.offset = offset;
        this.length = length;
    }

    @Override public Path file() { return file; }
    @Override public long offset() { return offset; }
    @Override public long length() { return length; }
    @Override public int status() { return head.status(); }
    @Override public void setStatus(int status) { head.setStatus(status); }
    @Override public String header(String name) { return head.header(name); }
    @Override public List<String> headers(String name) { return head.headers(name); }
    @Override public List<String> headerNames() { return head.headerNames(); }
    @Override public void setHeader(String name, String value) { head.setHeader(name, value); }
    @Override public void addHeader(String name, String value) { head.addHeader(name, value); }
    @Override public void removeHeader(String name) { head.removeHeader(name); }
    @Override public byte[] body() { return new byte[0]; }
}
