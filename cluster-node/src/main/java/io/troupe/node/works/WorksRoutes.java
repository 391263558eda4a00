package io.troupe.node.works;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.booster.report.WorkReport;
import io.troupe.node.admin.AdminAccess;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin API's works and workers ({@code /works}, {@code /works/<id>}, {@code /workers}) and the dashboard
 * ({@code /ui/}, static files from the {@code ui/} resources, plus {@code /ui/access}: whether this caller may
 * reload, so the page shows reload buttons only to those who can use them).
 */
public final class WorksRoutes extends AllDirectives {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ASK = Duration.ofSeconds(5);

    private final ActorSystem<?> system;
    private final ActorRef<WorkReport.Command> registry;
    private final AdminAccess access;

    public WorksRoutes(ActorSystem<?> system, ActorRef<WorkReport.Command> registry, AdminAccess access) {
        this.system = system;
        this.registry = registry;
        this.access = access;
    }

    public Route route() {
        return concat(
                path("works", () -> get(this::works)),
                path(PathMatchers.segment("works").slash(PathMatchers.segment()), id -> get(() -> work(id))),
                path("workers", () -> get(this::workers)),
                path("ui", () -> get(() -> redirect(org.apache.pekko.http.javadsl.model.Uri.create("/ui/"),
                        StatusCodes.MOVED_PERMANENTLY))),
                pathPrefix("ui", () -> get(() -> concat(
                        pathSingleSlash(() -> getFromResource("ui/index.html", ContentTypes.TEXT_HTML_UTF8)),
                        path("access", this::uiAccess),
                        getFromResourceDirectory("ui")))));
    }

    private Route works() {
        CompletionStage<HttpResponse> answer = AskPattern.<WorkReport.Command, List<WorkRegistry.Work>>ask(registry,
                        WorkRegistry.GetWorks::new, ASK, system.scheduler())
                .thenApply(works -> json(StatusCodes.OK, works.stream().map(WorksJson::summary).toList()));
        return completeWithFuture(answer);
    }

    private Route work(String id) {
        CompletionStage<HttpResponse> answer = AskPattern.<WorkReport.Command, Optional<WorkRegistry.Work>>ask(registry,
                        replyTo -> new WorkRegistry.GetWork(id, replyTo), ASK, system.scheduler())
                .thenApply(work -> work.map(w -> json(StatusCodes.OK, WorksJson.detail(w)))
                        .orElseGet(() -> json(StatusCodes.NOT_FOUND, Map.of("error",
                                "no work '" + id + "' here: not reported to this node, or finished too long ago"))));
        return completeWithFuture(answer);
    }

    private Route workers() {
        return completeWithFuture(WorkersView.collect(system, ASK).thenApply(list -> json(StatusCodes.OK, list)));
    }

    private Route uiAccess() {
        return extractRequest(request -> {
            Optional<InetAddress> peer = request.getAttribute(AttributeKeys.remoteAddress)
                    .flatMap(remote -> remote.getAddress());
            AdminAccess.Verdict verdict = access.check(peer, request.getHeader("Authorization").map(HttpHeader::value));
            return complete(json(StatusCodes.OK, Map.of("reload", verdict == AdminAccess.Verdict.ALLOWED,
                    "why", verdict.name().toLowerCase(java.util.Locale.ROOT))));
        });
    }

    private static HttpResponse json(StatusCode status, Object value) {
        try {
            return HttpResponse.create().withStatus(status)
                    .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(value) + "\n");
        } catch (JsonProcessingException e) {
            return HttpResponse.create().withStatus(StatusCodes.INTERNAL_SERVER_ERROR)
                    .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "cannot render JSON: " + e.getMessage() + "\n");
        }
    }
}
