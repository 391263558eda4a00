package io.troupe.proxy.server;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.troupe.api.proxy.Response;
import java.util.ArrayList;
import java.util.List;

/** {@link Response} over a backend's response head; changes go to the head sent to the client. */
public final class ResponseView implements Response {
    private static final byte[] NO_BODY = new byte[0];
    private final HttpResponse head;

    public ResponseView(HttpResponse head) {
        this.head = head;
    }

    @Override public int status() { return head.status().code(); }
    @Override public void setStatus(int status) { head.setStatus(HttpResponseStatus.valueOf(status)); }
    @Override public String header(String name) { return head.headers().get(name); }
    @Override public List<String> headers(String name) { return head.headers().getAll(name); }
    @Override public List<String> headers(CharSequence name) { return head.headers().getAll(RequestView.nettyName(name)); }
    @Override public List<String> headerNames() { return new ArrayList<>(head.headers().names()); }
    @Override public void setHeader(String name, String value) { head.headers().set(name, value); }
    @Override public void addHeader(String name, String value) { head.headers().add(name, value); }
    @Override public void removeHeader(String name) { head.headers().remove(name); }
    @Override public String header(CharSequence name) { return head.headers().get(RequestView.nettyName(name)); }
    @Override public void setHeader(CharSequence name, String value) {
        head.headers().set(RequestView.nettyName(name), value);
    }
    @Override public void addHeader(CharSequence name, String value) {
        head.headers().add(RequestView.nettyName(name), value);
    }
    @Override public void removeHeader(CharSequence name) { head.headers().remove(RequestView.nettyName(name)); }
    @Override public byte[] body() { return NO_BODY; }
}
