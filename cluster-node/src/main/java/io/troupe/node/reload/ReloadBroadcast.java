package io.troupe.node.reload;

import io.troupe.api.CborSerializable;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.node.reload.ReloadGather.Answer;
import io.troupe.node.reload.ReloadGather.Gathered;
import io.troupe.node.reload.ReloadGather.ReloadAnswer;
import io.troupe.node.reload.ReloadGather.StatusAnswer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's end of the reload broadcast (one per cluster node). The admin API asks it to {@link Broadcast} a
 * reload: it publishes {@link Reload} on the cluster topic {@value #TOPIC} and a {@link ReloadGather} collects
 * the answers. Every node's instance is subscribed to that topic, runs the named handler of its own
 * {@link WebHandlerRegistry} on the blocking dispatcher and answers the gatherer. The nodes expected to answer
 * are the members with role {@code proxy} that are Joining or Up (and this node when it has the handler).
 */
public final class ReloadBroadcast extends AbstractBehavior<ReloadBroadcast.Command> {
    private static final Logger log = LoggerFactory.getLogger(ReloadBroadcast.class);
    /** The topic name every node subscribes to. */
    public static final String TOPIC = "troupe-reload";
    /** Member role whose nodes must answer every broadcast. */
    public static final String PROXY_ROLE = "proxy";

    public interface Command {}

    // Broadcast, CollectStatus and their Gathered reply stay on this node (the admin API asks its own node).

    /** From the admin API: reload {@code name} with the query {@code params} on every node. */
    public record Broadcast(String name, Map<String, List<String>> params, ActorRef<Gathered> replyTo)
            implements Command, NoSerializationVerificationNeeded {}

    /** From the admin API: every node's modules and {@code .data} versions. */
    public record CollectStatus(ActorRef<Gathered> replyTo) implements Command, NoSerializationVerificationNeeded {}

    /** What travels on the topic; it crosses nodes. */
    public interface Published extends Command, CborSerializable {}

    /** Reload {@code name} here and answer {@code replyTo}. */
    public record Reload(String name, Map<String, List<String>> params, ActorRef<Answer> replyTo)
            implements Published {}

    /** Report this node's modules and versions to {@code replyTo}. */
    public record StatusQuery(ActorRef<Answer> replyTo) implements Published {}

    /** This node's module lists, for {@code /monitor/module_status}. */
    public record NodeModules(List<String> available, List<String> enabled) {
        public static final NodeModules NONE = new NodeModules(List.of(), List.of());
    }

    private record Reloaded(ActorRef<Answer> replyTo, ReloadAnswer answer)
            implements Command, NoSerializationVerificationNeeded {}

    private final WebHandlerRegistry registry;
    private final Executor blocking;
    private final Duration timeout;
    private final Supplier<NodeModules> modules;
    private final boolean selfIsProxy;
    private final Cluster cluster;
    private final ActorRef<Topic.Command<Published>> topic;

    /**
     * @param blocking    where handlers run (they read files)
     * @param timeout     how long a broadcast waits for the nodes ({@code troupe.admin.reload-timeout})
     * @param selfIsProxy whether this node has the proxy role (it then always answers)
     */
    public static Behavior<Command> create(WebHandlerRegistry registry, Executor blocking, Duration timeout,
                                           Supplier<NodeModules> modules, boolean selfIsProxy) {
        return Behaviors.setup(context -> new ReloadBroadcast(context, registry, blocking, timeout, modules,
                selfIsProxy));
    }

    private ReloadBroadcast(ActorContext<Command> context, WebHandlerRegistry registry, Executor blocking,
                            Duration timeout, Supplier<NodeModules> modules, boolean selfIsProxy) {
        super(context);
        this.registry = registry;
        this.blocking = blocking;
        this.timeout = timeout;
        this.modules = modules;
        this.selfIsProxy = selfIsProxy;
        this.cluster = Cluster.get(context.getSystem());
        this.topic = context.spawn(Topic.create(Published.class, TOPIC), "topic");
        topic.tell(Topic.subscribe(context.getSelf().narrow()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Broadcast.class, this::onBroadcast)
                .onMessage(CollectStatus.class, this::onCollectStatus)
                .onMessage(Reload.class, this::onReload)
                .onMessage(StatusQuery.class, this::onStatusQuery)
                .onMessage(Reloaded.class, this::onReloaded)
                .build();
    }

    private Behavior<Command> onBroadcast(Broadcast b) {
        Set<String> expected = expected(registry.reload(b.name()).isPresent());
        getContext().spawnAnonymous(ReloadGather.create(replyTo -> new Reload(b.name(), b.params(), replyTo),
                topic, expected, timeout, b.replyTo()));
        return this;
    }

    private Behavior<Command> onCollectStatus(CollectStatus c) {
        getContext().spawnAnonymous(ReloadGather.create(StatusQuery::new, topic, expected(true), timeout,
                c.replyTo()));
        return this;
    }

    private Behavior<Command> onReload(Reload r) {
        String node = nodeName(cluster.selfMember().address());
        CompletableFuture<ReloadAnswer> run = CompletableFuture.supplyAsync(() -> runHandler(node, r), blocking);
        getContext().pipeToSelf(run, (answer, failure) -> new Reloaded(r.replyTo(), answer != null ? answer
                : new ReloadAnswer(node, true, false, null, "reload " + r.name() + " failed: " + failure)));
        return this;
    }

    private Behavior<Command> onReloaded(Reloaded done) {
        done.replyTo().tell(done.answer());
        return this;
    }

    private Behavior<Command> onStatusQuery(StatusQuery q) {
        NodeModules local = modules.get();
        q.replyTo().tell(new StatusAnswer(nodeName(cluster.selfMember().address()), local.available(),
                local.enabled(), new TreeMap<>(registry.dataVersions())));
        return this;
    }

    /** Runs on the blocking dispatcher: the handler reads and checks files. */
    private ReloadAnswer runHandler(String node, Reload r) {
        Optional<WebHandlers.ReloadHandler> handler = registry.reload(r.name());
        if (handler.isEmpty()) {
            // BFE's words for an unknown name, so that its tooling recognises them
            return new ReloadAnswer(node, false, false, null,
                    "handler not exist, type[reload], command[" + r.name() + "]");
        }
        try {
            String version = handler.get().reload(r.params());
            registry.reloadAnswered(r.name(), version);
            return new ReloadAnswer(node, true, true, version == null ? "" : version, null);
        } catch (Exception e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            // the owner of the config (route table or module actor) logs the failure as a warning already
            log.info("reload {} failed on {}, old config keeps serving: {}",
                    r.name(), node, message);
            return new ReloadAnswer(node, true, false, null, message);
        }
    }

    /** Members with the proxy role that are Joining or Up, plus this node when {@code includeSelf} or it is a proxy. */
    private Set<String> expected(boolean includeSelf) {
        Set<String> nodes = new TreeSet<>();
        for (Member member : cluster.state().getMembers()) {
            // a joining node is expected too: if it cannot answer yet it is listed as silent, never left out
            MemberStatus status = member.status();
            boolean serving = status.equals(MemberStatus.up()) || status.equals(MemberStatus.weaklyUp())
                    || status.equals(MemberStatus.joining());
            if (serving && member.hasRole(PROXY_ROLE)) {
                nodes.add(nodeName(member.address()));
            }
        }
        if (includeSelf || selfIsProxy) {
            nodes.add(nodeName(cluster.selfMember().address()));
        }
        return nodes;
    }

    /** {@code host:port} of a member, the name the answers use. */
    public static String nodeName(Address address) {
        return address.getHost().orElse("local") + ":" + address.getPort().map(String::valueOf).orElse("0");
    }
}
