package io.troupe.node.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.module.web.WebHandlerRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin HTTP API every node serves: health, cluster membership, Prometheus metrics, and the BFE-style
 * {@code /monitor/<name>} and {@code /reload/<name>} handlers registered in the node's
 * {@link WebHandlerRegistry}. Handlers are synchronous, so they run on the blocking dispatcher.
 */
public final class AdminRoutes extends AllDirectives {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cluster cluster;
    private final WebHandlerRegistry webHandlers;
    private final Executor blocking;
    private final AdminAccess access;
    private final Supplier<String> prometheusScrape;

    /**
     * @param blocking         where monitor and reload handlers run (the node's blocking dispatcher)
     * @param prometheusScrape the current Prometheus exposition text
     */
    public AdminRoutes(ActorSystem<?> system, WebHandlerRegistry webHandlers, Executor blocking, AdminAccess access,
                       Supplier<String> prometheusScrape) {
        this.cluster = Cluster.get(system);
        this.webHandlers = webHandlers;
        this.blocking = blocking;
        this.access = access;
        this.prometheusScrape = prometheusScrape;
    }

    public Route route() {
        return concat(
                path(PathMatchers.segment("health").slash("alive"), () -> get(() -> text(StatusCodes.OK, "alive\n"))),
                path(PathMatchers.segment("health").slash("ready"), () -> get(this::ready)),
                path(PathMatchers.segment("cluster").slash("members"), () -> get(this::members)),
                path("metrics", () -> get(this::metrics)),
                pathPrefix("monitor", () -> concat(
                        pathEnd(() -> get(this::handlerIndex)),
                        path(PathMatchers.segment(), name -> get(() -> parameterMultiMap(params -> monitor(name, params)))))),
                pathPrefix("reload", () -> concat(
                        pathEnd(() -> get(this::handlerIndex)),
                        path(PathMatchers.segment(), name -> concat(get(() -> reload(name)), post(() -> reload(name)))))));
    }

    private Route ready() {
        MemberStatus status = cluster.selfMember().status();
        if (status.equals(MemberStatus.up())) {
            return text(StatusCodes.OK, "ready: member is Up\n");
        }
        return text(StatusCodes.SERVICE_UNAVAILABLE, "not ready: member is " + status + "\n");
    }

    private Route members() {
        ClusterEvent.CurrentClusterState state = cluster.state();
        Set<Member> unreachable = state.getUnreachable();
        Address self = cluster.selfMember().address();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Member member : state.getMembers()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("address", member.address().toString());
            // Pekko adds a "dc-<name>" role to every member; it is reported as dataCenter instead.
            entry.put("roles", member.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().toList());
            entry.put("dataCenter", member.dataCenter());
            entry.put("status", member.status().toString());
            entry.put("reachability", unreachable.contains(member) ? "unreachable" : "reachable");
            entry.put("self", member.address().equals(self));
            out.add(entry);
        }
        return json(StatusCodes.OK, out);
    }

    private Route metrics() {
        return complete(HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .withEntity(ContentTypes.TEXT_PLAIN_UTF8, prometheusScrape.get()));
    }

    private Route handlerIndex() {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("monitor", webHandlers.monitorNames());
        index.put("reload", webHandlers.reloadNames());
        return json(StatusCodes.OK, index);
    }

    private Route monitor(String name, Map<String, List<String>> params) {
        Optional<WebHandlers.MonitorHandler> handler = webHandlers.monitor(name);
        if (handler.isEmpty()) {
            return text(StatusCodes.NOT_FOUND, "unknown monitor name '" + name + "'; known: "
                    + known(webHandlers.monitorNames()) + "\n");
        }
        String format = params.getOrDefault("format", List.of("json")).get(0);
        ContentType.NonBinary type = "json".equals(format) ? ContentTypes.APPLICATION_JSON : ContentTypes.TEXT_PLAIN_UTF8;
        return completeWithFuture(CompletableFuture.supplyAsync(() -> {
            try {
                return response(StatusCodes.OK, type, handler.get().render(params));
            } catch (IllegalArgumentException e) {
                return response(StatusCodes.BAD_REQUEST, ContentTypes.TEXT_PLAIN_UTF8,
                        "monitor " + name + ": " + e.getMessage() + "\n");
            } catch (Exception e) {
                return response(StatusCodes.INTERNAL_SERVER_ERROR, ContentTypes.TEXT_PLAIN_UTF8,
                        "monitor " + name + ": " + e + "\n");
            }
        }, blocking));
    }

    private Route reload(String name) {
        return extractRequest(request -> {
            AdminAccess.Verdict verdict = access.check(
                    request.getAttribute(AttributeKeys.remoteAddress).flatMap(RemoteAddress::getAddress),
                    request.getHeader("Authorization").map(HttpHeader::value));
            switch (verdict) {
                case NEEDS_TOKEN:
                    return complete(HttpResponse.create()
                            .withStatus(StatusCodes.UNAUTHORIZED)
                            .addHeader(RawHeader.create("WWW-Authenticate", "Bearer"))
                            .withEntity(ContentTypes.TEXT_PLAIN_UTF8,
                                    "reload needs Authorization: Bearer <troupe.admin.token>\n"));
                case LOOPBACK_ONLY:
                    return text(StatusCodes.FORBIDDEN, "reload is allowed from loopback addresses only "
                            + "(set troupe.admin.token to allow it from elsewhere with a bearer token)\n");
                default:
                    return parameterMultiMap(params -> runReload(name, params));
            }
        });
    }

    private Route runReload(String name, Map<String, List<String>> params) {
        Optional<WebHandlers.ReloadHandler> handler = webHandlers.reload(name);
        if (handler.isEmpty()) {
            return text(StatusCodes.NOT_FOUND, "unknown reload name '" + name + "'; known: "
                    + known(webHandlers.reloadNames()) + "\n");
        }
        String node = nodeName();
        return completeWithFuture(CompletableFuture.supplyAsync(() -> {
            try {
                return response(StatusCodes.OK, ContentTypes.TEXT_PLAIN_UTF8,
                        node + " ok " + oneLine(handler.get().reload(params)) + "\n");
            } catch (Exception e) {
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                return response(StatusCodes.INTERNAL_SERVER_ERROR, ContentTypes.TEXT_PLAIN_UTF8,
                        node + " error " + oneLine(message) + "\n");
            }
        }, blocking));
    }

    private String nodeName() {
        Address address = cluster.selfMember().address();
        return address.getHost().orElse("local") + ":" + address.getPort().map(String::valueOf).orElse("0");
    }

    private static String known(Set<String> names) {
        return names.isEmpty() ? "(none registered)" : String.join(", ", names);
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " | ");
    }

    private Route text(StatusCode status, String body) {
        return complete(response(status, ContentTypes.TEXT_PLAIN_UTF8, body));
    }

    private Route json(StatusCode status, Object value) {
        try {
            return complete(response(status, ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(value) + "\n"));
        } catch (JsonProcessingException e) {
            return text(StatusCodes.INTERNAL_SERVER_ERROR, "cannot render JSON: " + e.getMessage() + "\n");
        }
    }

    private static HttpResponse response(StatusCode status, ContentType.NonBinary type, String body) {
        return HttpResponse.create().withStatus(status).withEntity(type, body);
    }
}
