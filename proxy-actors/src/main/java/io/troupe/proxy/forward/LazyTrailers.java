package io.troupe.proxy.forward;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The trailer map of a backend response's last content, made only when something is put into it: the decoder
 * gives every response with a Content-Length a trailer map, and almost none of them ever holds a trailer.
 */
final class LazyTrailers extends HttpHeaders {
    /** A trailers factory for {@code HttpDecoderConfig}: a small empty shell per response, no map until needed. */
    static final HttpHeadersFactory FACTORY = new HttpHeadersFactory() {
        @Override
        public HttpHeaders newHeaders() {
            return new LazyTrailers();
        }

        @Override
        public HttpHeaders newEmptyHeaders() {
            return new LazyTrailers();
        }
    };

    private HttpHeaders d;

    /** The real map, made on the first change; trailers validate names as Netty's own trailers do. */
    private HttpHeaders d() {
        if (d == null) {
            d = DefaultHttpHeadersFactory.trailersFactory().newHeaders();
        }
        return d;
    }

    @Override public String get(String name) { return d == null ? null : d.get(name); }
    @Override public String get(CharSequence name) { return d == null ? null : d.get(name); }
    @Override public Integer getInt(CharSequence name) { return d == null ? null : d.getInt(name); }
    @Override public int getInt(CharSequence name, int def) { return d == null ? def : d.getInt(name, def); }
    @Override public Short getShort(CharSequence name) { return d == null ? null : d.getShort(name); }
    @Override public short getShort(CharSequence name, short def) { return d == null ? def : d.getShort(name, def); }
    @Override public Long getTimeMillis(CharSequence name) { return d == null ? null : d.getTimeMillis(name); }
    @Override public long getTimeMillis(CharSequence name, long def) { return d == null ? def : d.getTimeMillis(name, def); }
    @Override public List<String> getAll(String name) { return d == null ? Collections.emptyList() : d.getAll(name); }
    @Override public List<String> getAll(CharSequence name) { return d == null ? Collections.emptyList() : d.getAll(name); }
    @Override public List<Map.Entry<String, String>> entries() { return d == null ? Collections.emptyList() : d.entries(); }
    @Override public boolean contains(String name) { return d != null && d.contains(name); }
    @Override public boolean contains(CharSequence name) { return d != null && d.contains(name); }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return d == null ? Collections.emptyIterator() : d.iterator();
    }

    @Override
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
        return d == null ? Collections.emptyIterator() : d.iteratorCharSequence();
    }

    @Override public boolean isEmpty() { return d == null || d.isEmpty(); }
    @Override public int size() { return d == null ? 0 : d.size(); }
    @Override public Set<String> names() { return d == null ? Collections.emptySet() : d.names(); }
    @Override public HttpHeaders add(String name, Object value) { d().add(name, value); return this; }
    @Override public HttpHeaders add(CharSequence name, Object value) { d().add(name, value); return this; }
    @Override public HttpHeaders add(String name, Iterable<?> values) { d().add(name, values); return this; }
    @Override public HttpHeaders add(CharSequence name, Iterable<?> values) { d().add(name, values); return this; }
    @Override public HttpHeaders addInt(CharSequence name, int value) { d().addInt(name, value); return this; }
    @Override public HttpHeaders addShort(CharSequence name, short value) { d().addShort(name, value); return this; }
    @Override public HttpHeaders set(String name, Object value) { d().set(name, value); return this; }
    @Override public HttpHeaders set(CharSequence name, Object value) { d().set(name, value); return this; }
    @Override public HttpHeaders set(String name, Iterable<?> values) { d().set(name, values); return this; }
    @Override public HttpHeaders set(CharSequence name, Iterable<?> values) { d().set(name, values); return this; }
    @Override public HttpHeaders setInt(CharSequence name, int value) { d().setInt(name, value); return this; }
    @Override public HttpHeaders setShort(CharSequence name, short value) { d().setShort(name, value); return this; }

    @Override
    public HttpHeaders remove(String name) {
        if (d != null) {
            d.remove(name);
        }
        return this;
    }

    @Override
    public HttpHeaders remove(CharSequence name) {
        if (d != null) {
            d.remove(name);
        }
        return this;
    }

    @Override
    public HttpHeaders clear() {
        if (d != null) {
            d.clear();
        }
        return this;
    }

    @Override
    public HttpHeaders copy() {
        return d == null ? new DefaultHttpHeaders() : d.copy();
    }
}
