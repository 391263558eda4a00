package io.troupe.api.proxy;

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

    /** Decoded query parameters in order of appearance. */
    Map<String, List<String>> queryParams();

    /** The Host header (or HTTP/2 {@code :authority}) as sent, port included, or the empty string. */
    String host();

    /** The protocol version ({@code HTTP/1.1}, {@code HTTP/2.0}). */
    String protocol();

    /** The first value of a header, or {@code null}. */
    String header(String name);

    /** All values of a header, in order; empty when absent. */
    List<String> headers(String name);

    /** The names of all headers, as sent. */
    List<String> headerNames();

    /** The value of a cookie, or {@code null}. */
    String cookie(String name);

    /** Replaces a header's values with one value. */
    void setHeader(String name, String value);

    /** Adds a value to a header. */
    void addHeader(String name, String value);

    /** Removes a header. */
    void removeHeader(String name);

    /** The product the request was routed to, or {@code null} before {@link CallbackPoint#FOUND_PRODUCT}. */
    String product();

    /** The cluster the request was routed to, or {@code null} before {@link CallbackPoint#AFTER_LOCATION}. */
    String cluster();

    /** The backend chosen, as {@code host:port}, or {@code null} before {@link CallbackPoint#FORWARD}. */
    String backend();

    /** The backend's response, or {@code null} before {@link CallbackPoint#READ_RESPONSE}. */
    Response response();

    /** Tags set by modules ({@code req_tag_match}); key → values. */
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
}
