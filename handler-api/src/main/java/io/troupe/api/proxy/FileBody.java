package io.troupe.api.proxy;

import java.nio.file.Path;

/**
 * Implemented by a filter-made {@link Response} whose body is a region of a file (mod_static). The data plane
 * sends the region itself, with sendfile where the connection allows it (plain HTTP/1.x), so the file is
 * never copied through the heap; {@link Response#body()} of such a response is ignored.
 */
public interface FileBody {

    /** The file to send. */
    Path file();

    /** The first byte of the region. */
    long offset();

    /** The number of bytes to send; the data plane sets {@code Content-Length} to it. */
    long length();
}
