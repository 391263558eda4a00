package io.troupe.proxy.backend;

import io.troupe.proxy.route.Backend;
import io.troupe.proxy.route.ClusterConf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One active health check of one backend, per CheckConf: {@code tcp} connects, {@code tls} also completes a
 * TLS handshake, {@code http}/{@code https} send {@code GET Uri} (Host header = CheckConf.Host when set) and
 * judge the status code by StatusCode/StatusCodeRange. Blocking: run it on the blocking dispatcher.
 */
final class HealthProbe {
    record Result(boolean healthy, String detail) {}

    private HealthProbe() {}

    /** CheckTimeout, or, when unset (BFE: no timeout), the larger of CheckInterval and one second. */
    static int timeoutMs(ClusterConf.CheckConf c) {
        return c.checkTimeoutMs() > 0 ? c.checkTimeoutMs() : Math.max(1000, c.checkIntervalMs());
    }

    static Result probe(Backend b, ClusterConf conf) {
        ClusterConf.CheckConf c = conf.checkConf();
        int port = b.port();
        String hostHeader = c.host();
        // as BFE: a CheckConf.Host of "name:port" sends the probe to that port
        int colon = hostHeader.indexOf(':');
        if (colon >= 0 && hostHeader.indexOf(':', colon + 1) < 0) {
            try {
                port = Integer.parseInt(hostHeader.substring(colon + 1));
            } catch (NumberFormatException e) {
                return new Result(false, "CheckConf.Host " + hostHeader + " has a bad port");
            }
        }
        int timeout = timeoutMs(c);
        boolean tls = c.schem().equals("https") || c.schem().equals("tls");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(b.host(), port), timeout);
            socket.setSoTimeout(timeout);
            Socket s = socket;
            if (tls) {
                SSLSocket ssl = (SSLSocket) insecureTls().getSocketFactory().createSocket(socket, b.host(), port, true);
                ssl.startHandshake();
                s = ssl;
            }
            if (c.schem().equals("tcp") || c.schem().equals("tls")) {
                return new Result(true, c.schem() + " connect ok");
            }
            String host = hostHeader.isEmpty() ? b.address() : hostHeader;
            String request = "GET " + c.uri() + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: */*\r\n"
                    + "User-Agent: troupe-health-check\r\nConnection: close\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String status = readLine(s.getInputStream());
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                return new Result(false, "not an HTTP status line: " + status);
            }
            int code;
            try {
                code = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                return new Result(false, "bad status code in: " + status);
            }
            return conf.statusHealthy(code) ? new Result(true, "status " + code)
                    : new Result(false, "status " + code + " does not match StatusCode " + c.statusCode()
                    + (c.statusCodeRange().isEmpty() ? "" : " / StatusCodeRange " + c.statusCodeRange()));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return new Result(false, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') {
            if (line.size() > 8192) {
                throw new IOException("status line longer than 8 KiB");
            }
            if (ch != '\r') {
                line.write(ch);
            }
        }
        if (ch < 0 && line.size() == 0) {
            throw new IOException("connection closed before a status line");
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Health checks do not verify backend certificates (backends often use private CAs). */
    private static SSLContext insecureTls() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) { }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }
}
