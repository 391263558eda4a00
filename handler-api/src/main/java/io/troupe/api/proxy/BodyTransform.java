package io.troupe.api.proxy;

import java.io.IOException;

/**
 * A streaming change to a backend response body (mod_compress). A {@link ResponseFilter} at
 * {@link CallbackPoint#READ_RESPONSE} stores one on the request under {@link #CONTEXT_KEY}; the data plane
 * then passes every body chunk through it, in order, on the connection's event loop. The filter fixes the
 * head itself (for example sets {@code Content-Encoding} and removes {@code Content-Length}).
 */
public interface BodyTransform {

    /** The request context key the data plane looks for after the READ_RESPONSE filters ran. */
    String CONTEXT_KEY = "troupe.response_body_transform";

    /**
     * Transforms one chunk.
     *
     * @param chunk the next bytes of the body as the backend sent them (possibly empty)
     * @param last whether this is the end of the body
     * @return the bytes to send now (possibly empty)
     * @throws IOException when the body cannot be transformed; the connection is closed
     */
    byte[] transform(byte[] chunk, boolean last) throws IOException;
}
