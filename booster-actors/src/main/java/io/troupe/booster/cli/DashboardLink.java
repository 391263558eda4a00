package io.troupe.booster.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** The link to a work's page on the dashboard ({@code http://<admin>/ui/?work=<id>}), when an admin API answers. */
final class DashboardLink {

    /** The admin port of a node unless configured otherwise (troupe.admin.port). */
    static final int DEFAULT_ADMIN_PORT = 8421;

    /** What every node's admin API answers 200 while it runs. */
    static final String HEALTH = "/health/alive";

    private static final Pattern OK_STATUS = Pattern.compile("HTTP/1\\.[01] 200( .*)?");

    private DashboardLink() {}

    /** Admin addresses to try: {@code configured} (host:port) alone when set, else each seed's host on 8421. */
    static List<String> candidates(String configured, List<String> seeds) {
        if (configured != null && !configured.isBlank()) {
            return List.of(configured.trim());
        }
        Set<String> hosts = new LinkedHashSet<>();
        for (String seed : seeds) {
            hosts.add(seed.substring(0, seed.lastIndexOf(':')) + ":" + DEFAULT_ADMIN_PORT);
        }
        return new ArrayList<>(hosts);
    }

    static String link(String admin, String workId) {
        // the page selects the work named by its "work" query parameter
        return "http://" + admin + "/ui/?work=" + URLEncoder.encode(workId, StandardCharsets.UTF_8);
    }

    /**
     * The link on the first candidate whose {@code /health/alive} answers 200, each given {@code timeout}; blocks
     * meanwhile, so the caller runs it on a thread of its own.
     */
    static Optional<String> find(List<String> candidates, String workId, Duration timeout) {
        for (String admin : candidates) { // in order: the first answering address wins
            if (answersOk(admin, timeout)) {
                return Optional.of(link(admin, workId));
            }
        }
        return Optional.empty();
    }

    /**
     * One plain HTTP/1.0 GET of {@link #HEALTH}. Not the JDK's HttpClient: building one loads its TLS stack, about
     * 700 classes that the booster's JVM would load and compile in the middle of every build.
     */
    static boolean answersOk(String admin, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int colon = admin.lastIndexOf(':');
        String host = admin.substring(0, Math.max(colon, 0));
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // [::1]:8421
        }
        try (Socket socket = new Socket()) {
            int port = Integer.parseInt(admin.substring(colon + 1));
            socket.connect(new InetSocketAddress(host, port), remainingMillis(deadline));
            socket.setSoTimeout(remainingMillis(deadline));
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + HEALTH + " HTTP/1.0\r\nHost: " + admin + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return OK_STATUS.matcher(statusLine(socket.getInputStream())).matches();
        } catch (IOException | RuntimeException e) {
            return false; // refused, timed out, not host:port: no link, the build goes on
        }
    }

    /** The response's first line, without its line end; at most 256 bytes are read. */
    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != -1 && b != '\n' && line.length() < 256; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new SocketTimeoutException("no answer in time");
        }
        return (int) Math.min(left, Integer.MAX_VALUE); // never 0, which a socket takes for "no timeout"
    }
}
