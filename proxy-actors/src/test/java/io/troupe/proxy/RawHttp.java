package io.troupe.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A plain socket HTTP/1.1 client that sends exactly the bytes a test wants and parses responses. */
public final class RawHttp implements AutoCloseable {
    public final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttp send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** One parsed response. */
    public record Resp(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Reads one response (Content-Length or chunked), or null at end of stream. */
    public Resp read() throws IOException {
        return read(false);
    }

    /** Reads one response; {@code forHead} means the request was HEAD, so no body follows. */
    public Resp read(boolean forHead) throws IOException {
        String status = line();
        if (status == null) {
            return null;
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        Map<String, String> h = new LinkedHashMap<>();
        String l;
        while (!(l = line()).isEmpty()) {
            int c = l.indexOf(':');
            h.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (forHead) {
            return new Resp(code, h, "");
        } else if (h.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(h.get("content-length"))));
        } else if ("chunked".equalsIgnoreCase(h.get("transfer-encoding"))) {
            while (true) {
                int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) { /* trailers */ }
                    break;
                }
                body.write(in.readNBytes(size));
                line();
            }
        } else if (code >= 200 && code != 204 && code != 304) {
            body.write(in.readAllBytes());
        }
        return new Resp(code, h, body.toString(StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** True when the server closed the connection (end of stream) within the socket timeout. */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
