package io.troupe.booster.cli;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** The link to a work's page on the dashboard ({@code http://<admin>/ui/?work=<id>}), when an admin API answers. */
final class DashboardLink {

    /** The admin port of a node unless configured otherwise (troupe.admin.port). */
    static final int DEFAULT_ADMIN_PORT = 8421;

    /** What every node's admin API answers 200 while it runs. */
    static final String HEALTH = "/health/alive";

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

    /** The link on the first candidate whose {@code /health/alive} answers 200 within {@code timeout}; never blocks. */
    static CompletableFuture<Optional<String>> find(List<String> candidates, String workId, Duration timeout) {
        CompletableFuture<Optional<String>> result = CompletableFuture.completedFuture(Optional.empty());
        if (candidates.isEmpty()) {
            return result;
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        for (String admin : candidates) { // in order: the first answering address wins
            result = result.thenCompose(found -> found.isPresent() ? CompletableFuture.completedFuture(found)
                    : client.sendAsync(HttpRequest.newBuilder(URI.create("http://" + admin + HEALTH))
                                    .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.discarding())
                            .handle((response, error) -> error == null && response.statusCode() == 200
                                    ? Optional.of(link(admin, workId)) : Optional.<String>empty()));
        }
        return result;
    }
}
