package io.troupe.node.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.node.reload.ReloadBroadcast;
import io.troupe.node.reload.ReloadGather;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin HTTP API every node serves: health, cluster membership, Prometheus metrics, and the BFE-style
 * {@code /monitor/<name>} and {@code /reload/<name>} handlers registered in the node's
 * {@link WebHandlerRegistry}. Monitor handlers are synchronous, so they run on the blocking dispatcher; a
 * reload is broadcast to every proxy node ({@link ReloadBroadcast}) and answered in BFE's JSON shape with the
 * per-node outcomes beside it ({@link ReloadAnswers}).
 */
public final class AdminRoutes extends AllDirectives {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MODULE_STATUS = "module_status";
    static final String MODULE_HANDLERS = "module_handlers";
    /** The gatherer always answers by the reload timeout; the ask only guards against a lost actor. */
    private static final Duration ASK_MARGIN = Duration.ofSeconds(5);

    private final Cluster cluster;
    private final WebHandlerRegistry webHandlers;
    private final Executor blocking;
    private final AdminAccess access;
    private final Supplier<String> prometheusScrape;
    private final ActorSystem<?> system;
    private final ActorRef<ReloadBroadcast.Command> broadcast;
    private final Duration reloadTimeout;
    private final Supplier<Map<String, List<String>>> moduleHandlers;

    /**
     * @param blocking         where monitor handlers run (the node's blocking dispatcher)
     * @param prometheusScrape the current Prometheus exposition text
     * @param broadcast        this node's end of the reload broadcast
     * @param reloadTimeout    how long a reload or module_status call waits for the nodes
     * @param moduleHandlers   the module names of each callback point's filters, in run order (by point name)
     */
    public AdminRoutes(ActorSystem<?> system, WebHandlerRegistry webHandlers, Executor blocking, AdminAccess access,
                       Supplier<String> prometheusScrape, ActorRef<ReloadBroadcast.Command> broadcast,
                       Duration reloadTimeout, Supplier<Map<String, List<String>>> moduleHandlers) {
        this.system = system;
        this.cluster = Cluster.get(system);
        this.webHandlers = webHandlers;
        this.blocking = blocking;
        this.access = access;
        this.prometheusScrape = prometheusScrape;
        this.broadcast = broadcast;
        this.reloadTimeout = reloadTimeout;
        this.moduleHandlers = moduleHandlers;
    }

    public Route route() {
        return concat(
                path(PathMatchers.segment("health").slash("alive"), () -> get(() -> text(StatusCodes.OK, "alive\n"))),
                path(PathMatchers.segment("health").slash("ready"), () -> get(this::ready)),
                path(PathMatchers.segment("cluster").slash("members"), () -> get(this::members)),
                path("metrics", () -> get(this::metrics)),
                pathPrefix("monitor", () -> concat(
                        pathEnd(() -> get(this::handlerIndex)),
                        path(MODULE_STATUS, () -> get(this::moduleStatus)),
                        path(MODULE_HANDLERS, () -> get(this::moduleHandlers)),
                        path(PathMatchers.segment(), name -> get(() -> parameterMultiMap(params -> monitor(name, params)))))),
                pathPrefix("reload", () -> concat(
                        pathEnd(() -> get(this::handlerIndex)),
                        path(PathMatchers.segment(), name -> concat(get(() -> reload(name)), post(() -> reload(name)))))));
    }

    private Route ready() {
        String why = io.troupe.node.MemberUpReadiness.notReady(Adapter.toClassic(system));
        if (why == null) {
            return text(StatusCodes.OK, "ready: member is Up\n");
        }
        return text(StatusCodes.SERVICE_UNAVAILABLE, "not ready: " + why + "\n");
    }

    private Route members() {
        ClusterEvent.CurrentClusterState state = cluster.state();
        Set<Member> unreachable = state.getUnreachable();
        Address self = cluster.selfMember().address();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Member member : state.getMembers()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("address", member.address().toString());
            // Pekko adds a "dc-<name>" role to every member; it is reported as dataCenter instead. The "node"
            // role every cluster node carries for the split-brain resolver (NodeConfig) says nothing more.
            entry.put("roles", member.getRoles().stream().filter(r -> !r.startsWith("dc-") && !r.equals("node"))
                    .sorted().toList());
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
        Set<String> monitors = new TreeSet<>(webHandlers.monitorNames());
        monitors.add(MODULE_STATUS);
        monitors.add(MODULE_HANDLERS);
        index.put("monitor", monitors);
        index.put("reload", webHandlers.reloadNames());
        return json(StatusCodes.OK, index);
    }

    private Route monitor(String name, Map<String, List<String>> params) {
        Optional<WebHandlers.MonitorHandler> handler = webHandlers.monitor(name);
        if (handler.isEmpty()) {
            // BFE's answer, status and text, so its CLI and scripts read it; plus the names there are
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("error", "handler not exist, type[monitor], command[" + name + "]");
            error.put("known", new TreeSet<>(webHandlers.monitorNames()));
            return json(StatusCodes.OK, error);
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
            Optional<InetSocketAddress> peer = request.getAttribute(AttributeKeys.remoteAddress).flatMap(remote ->
                    remote.getAddress().map(address -> new InetSocketAddress(address, remote.getPort())));
            if (AdminAccess.crossSite(header(request, "Origin"), header(request, "Host"),
                    header(request, "Sec-Fetch-Site"))) {
                return complete(jsonResponse(StatusCodes.FORBIDDEN, Map.of("error",
                        "reload refused: a browser request started by another site (Origin "
                                + header(request, "Origin").orElse("not sent") + ", Sec-Fetch-Site "
                                + header(request, "Sec-Fetch-Site").orElse("not sent")
                                + "); use this node's dashboard or a client such as curl")));
            }
            AdminAccess.Verdict verdict = access.check(peer.map(InetSocketAddress::getAddress),
                    request.getHeader("Authorization").map(HttpHeader::value));
            switch (verdict) {
                case NEEDS_TOKEN:
                    return complete(jsonResponse(StatusCodes.UNAUTHORIZED, Map.of("error",
                            "reload needs Authorization: Bearer <troupe.admin.token>"))
                            .addHeader(RawHeader.create("WWW-Authenticate", "Bearer")));
                case LOOPBACK_ONLY:
                    // BFE's words, plus how to allow it
                    return complete(jsonResponse(StatusCodes.FORBIDDEN, Map.of("error",
                            "reload is not allowed from [" + peer.map(AdminRoutes::hostPort).orElse("unknown")
                                    + "]: only loopback addresses may reload unless troupe.admin.token is set")));
                default:
                    return parameterMultiMap(params -> runReload(name, params));
            }
        });
    }

    private Route runReload(String name, Map<String, List<String>> params) {
        CompletionStage<HttpResponse> answer = AskPattern.<ReloadBroadcast.Command, ReloadGather.Gathered>ask(
                        broadcast, replyTo -> new ReloadBroadcast.Broadcast(name, params, replyTo),
                        reloadTimeout.plus(ASK_MARGIN), system.scheduler())
                .thenApply(gathered -> jsonResponse(StatusCodes.OK, ReloadAnswers.reload(name, gathered, reloadTimeout)));
        return completeWithFuture(answer);
    }

    private Route moduleStatus() {
        CompletionStage<HttpResponse> answer = AskPattern.<ReloadBroadcast.Command, ReloadGather.Gathered>ask(
                        broadcast, ReloadBroadcast.CollectStatus::new, reloadTimeout.plus(ASK_MARGIN),
                        system.scheduler())
                .thenApply(gathered -> jsonResponse(StatusCodes.OK,
                        ReloadAnswers.moduleStatus(nodeName(), gathered, reloadTimeout)));
        return completeWithFuture(answer);
    }

    private Route moduleHandlers() {
        return complete(jsonResponse(StatusCodes.OK, ReloadAnswers.moduleHandlers(moduleHandlers.get())));
    }

    private static Optional<String> header(HttpRequest request, String name) {
        return request.getHeader(name).map(HttpHeader::value);
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private String nodeName() {
        Address address = cluster.selfMember().address();
        return address.getHost().orElse("local") + ":" + address.getPort().map(String::valueOf).orElse("0");
    }

    private Route text(StatusCode status, String body) {
        return complete(response(status, ContentTypes.TEXT_PLAIN_UTF8, body));
    }

    private static HttpResponse jsonResponse(StatusCode status, Object value) {
        try {
            return response(status, ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(value) + "\n");
        } catch (JsonProcessingException e) {
            return response(StatusCodes.INTERNAL_SERVER_ERROR, ContentTypes.TEXT_PLAIN_UTF8,
                    "cannot render JSON: " + e.getMessage() + "\n");
        }
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
