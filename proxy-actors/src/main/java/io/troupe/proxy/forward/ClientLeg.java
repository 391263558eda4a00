package io.troupe.proxy.forward;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/** The client side of an exchange: where the backend's response goes. All calls run on the event loop. */
public interface ClientLeg {

    /** The client's channel (an HTTP/2 stream channel for h2). */
    Channel channel();

    /**
     * An instance was chosen (first try or a retry): run the FORWARD chain. Returns false when the client
     * leg has answered or closed the connection itself and the exchange must stop.
     */
    boolean forwarding(Upstream upstream);

    /** The backend's response head arrived. */
    void responseHead(HttpResponse head);

    /** A piece of the response body; {@code last} ends the response. Ownership passes to the client leg. */
    void responseContent(HttpContent content, boolean last);

    /** Flush what was written (end of a backend read burst). */
    void flush();

    /** The exchange failed before a response head reached the client: answer {@code status}. */
    void failed(int status, String reason);

    /** The exchange failed after the response began: the client connection must be closed. */
    void aborted();

    /** Start or stop reading from the client (body backpressure). */
    void pauseReading(boolean pause);

    /** The backend agreed to switch protocols (101): pass raw bytes both ways from now on. */
    void upgraded(HttpResponse head, Channel backend);
}
