package io.troupe.api.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One request, as filters and conditions see it (BFE's {@code bfe_basic.Request}). Header names are
 * case-insensitive. A request lives on its connection's event loop; do not keep it past the filter call.
 */
public interface Request {

    /** The connection this request came on. */
    Session session();

    /** The method ({@code GET}). */
    String method();

    /** The request target as sent ({@code /a/b?x=1}). */
    String uri();

    /** The path, percent-decoded, without the query. */
    String path();

    /** The query without the {@code ?}, undecoded, or the empty string. */
    String rawQuery();

    /**
     * Decoded query parameters in order of appearance, read-only; change the query with {@link #setRawQuery}
     * or {@link #setUri}.
     */
    Map<String, List<String>> queryParams();

    /** The Host header (or HTTP/2 {@code :authority}) as sent, port included, or the empty string. */
    String host();

    /** The protocol version ({@code HTTP/1.1}, {@code HTTP/2.0}). */
    String protocol();

    /** The first value of a header, or {@code null}. */
    String header(String name);

    /**
     * The first value of a header, or {@code null}; {@code name} may be a {@link HeaderName}, made once, which
     * the proxy looks up without hashing the name again. Default: {@link #header(String)} of its text.
     */
    default String header(CharSequence name) {
        return header(name.toString());
    }

    /** All values of a header, in order; empty when absent. */
    List<String> headers(String name);

    /**
     * All values of a header, in order; empty when absent; {@code name} may be a {@link HeaderName}. Default:
     * {@link #headers(String)} of its text.
     */
    default List<String> headers(CharSequence name) {
        return headers(name.toString());
    }

    /** The names of all headers, as sent. */
    List<String> headerNames();

    /** The value of a cookie, or {@code null}. */
    String cookie(String name);

    /** Replaces a header's values with one value. */
    void setHeader(String name, String value);

    /**
     * Replaces a header's values with one value; {@code name} may be a {@link HeaderName}. Default:
     * {@link #setHeader(String, String)} with its text.
     */
    default void setHeader(CharSequence name, String value) {
        setHeader(name.toString(), value);
    }

    /** Adds a value to a header. */
    void addHeader(String name, String value);

    /**
     * Adds a value to a header; {@code name} may be a {@link HeaderName}. Default:
     * {@link #addHeader(String, String)} with its text.
     */
    default void addHeader(CharSequence name, String value) {
        addHeader(name.toString(), value);
    }

    /** Removes a header. */
    void removeHeader(String name);

    /** Removes a header; {@code name} may be a {@link HeaderName}. Default: {@link #removeHeader(String)} of its text. */
    default void removeHeader(CharSequence name) {
        removeHeader(name.toString());
    }

    /** The product the request was routed to, or {@code null} before {@link CallbackPoint#FOUND_PRODUCT}. */
    String product();

    /** The cluster the request was routed to, or {@code null} before {@link CallbackPoint#AFTER_LOCATION}. */
    String cluster();

    /** The backend chosen, as {@code host:port}, or {@code null} before {@link CallbackPoint#FORWARD}. */
    String backend();

    /** The backend's response, or {@code null} before {@link CallbackPoint#READ_RESPONSE}. */
    Response response();

    /** Tags set by modules ({@code req_tag_match}); key → values, read-only: add one with {@link #addTag}. */
    Map<String, List<String>> tags();

    /** Adds a tag. */
    void addTag(String key, String value);

    /** A value a module stored on this request, or {@code null}. */
    Object getContext(String key);

    /** Stores a value on this request for later filters. */
    void setContext(String key, Object value);

    /**
     * The host tag of the matched host rule (BFE's {@code Route.HostTag}), or {@code null} when none;
     * used by {@code req_host_tag_in}. Default: {@code null}.
     */
    default String hostTag() {
        return null;
    }

    /**
     * Replaces the request target ({@code /a/b?x=1}) that is forwarded; {@link #uri()}, {@link #path()},
     * {@link #rawQuery()}, {@link #queryParams()} and conditions evaluated afterwards see the new value.
     *
     * @throws IllegalArgumentException when {@code uri} is empty or holds a space or control character
     */
    default void setUri(String uri) {
        throw new UnsupportedOperationException("setUri");
    }

    /**
     * Replaces the path, keeping the query (BFE's {@code URL.Path =}). {@code path} is decoded text, as
     * {@link #path()} returns it; it is percent-encoded where needed for the forwarded request line.
     *
     * @throws IllegalArgumentException when {@code path} does not start with {@code /}
     */
    default void setPath(String path) {
        throw new UnsupportedOperationException("setPath");
    }

    /** Replaces the query (without the {@code ?}, already encoded; empty removes it), keeping the path. */
    default void setRawQuery(String rawQuery) {
        throw new UnsupportedOperationException("setRawQuery");
    }

    /**
     * The client address conditions ({@code req_cip_*}), variables and logs see (BFE's
     * {@code Request.ClientAddr}): the TCP peer, or, on a connection marked
     * {@linkplain Session#setTrustedSource trusted}, the address from {@code X-Real-Ip} (else the first of
     * {@code X-Forwarded-For}). {@code null} when a trusted connection sent no valid address, as in BFE.
     */
    default InetSocketAddress clientAddress() {
        return session().clientAddress();
    }

    /** Replaces the client address that later filters, conditions and logs see; {@code null} clears it. */
    default void setClientAddress(InetSocketAddress address) {
        throw new UnsupportedOperationException("setClientAddress");
    }

    /**
     * The whole request body, when the proxy buffered it; {@code null} otherwise. The proxy buffers bodies
     * only while some module asked for it with {@link Callbacks#bufferRequestBody(int)}; a request without
     * a body gives an empty array then.
     */
    default byte[] body() {
        return null;
    }

    /**
     * Replaces the buffered body that is forwarded; {@code Content-Length} follows the new length.
     *
     * @throws IllegalStateException when the body was not buffered ({@link #body()} is {@code null})
     */
    default void setBody(byte[] body) {
        throw new IllegalStateException("the request body was not buffered");
    }
}
