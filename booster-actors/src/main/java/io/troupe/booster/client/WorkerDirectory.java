package io.troupe.booster.client;

import io.troupe.booster.toolchain.ToolchainShipper;
import io.troupe.booster.toolchain.Toolchains;
import io.troupe.booster.worker.SubWorkExecutor;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The booster's view of the workers: the Receptionist listing of {@code troupe-worker}, their free slots
 * from polled load reports, a ban list per sub-work (a worker that failed a sub-work is not offered to it
 * again), dispatches held while every slot is taken, health (N network errors in a row make a worker
 * unhealthy until it answers again), cluster reachability (workers on unreachable members are skipped) and
 * shutdown (a worker whose member is Leaving or Exiting, or whose load report says it drains, is not chosen).
 */
public final class WorkerDirectory extends AbstractBehavior<WorkerDirectory.Command> {

    /** Messages stay inside the booster process. */
    public interface Command extends NoSerializationVerificationNeeded {}

    /** Choose a worker for sub-work {@code subWorkId}. */
    public record Acquire(String subWorkId, ActorRef<Choice> replyTo) implements Command {}

    /**
     * Choose a worker for sub-work {@code subWorkId} and send it {@code execute} from here (one hop fewer than
     * {@link Acquire} then a send by the requester); the {@link Choice} says where it went, or that it did not.
     * While every worker's slots are taken by this booster's own sub-works it is held here, not queued at a
     * worker, and sent to the first slot that frees (late binding: a sub-work queued at one worker would wait
     * there while another's slot idles); past as many held as the workers' queues would take, the answer is
     * {@link NoWorker}. A worker busy with other boosters' sub-works gets it queued, as their ends are seen here
     * only in load reports.
     * Until the attempt is {@link Release}d, {@code lostTo} hears {@link WorkerLost} if that worker dies: the
     * directory watches each worker once instead of every sub-work watching its worker.
     */
    public record Dispatch(String subWorkId, SubWorkExecutor.Execute execute, ActorRef<Choice> replyTo,
            ActorRef<WorkerLost> lostTo) implements Command {}

    /**
     * The worker of a dispatched, not yet released attempt has died (or its node left the cluster), or its
     * node became unreachable ({@code unreachable}): the attempt is to be re-sent elsewhere now, not after
     * the node is downed.
     */
    public record WorkerLost(ActorRef<SubWorkExecutor.Command> worker, boolean unreachable)
            implements NoSerializationVerificationNeeded {
        public WorkerLost(ActorRef<SubWorkExecutor.Command> worker) {
            this(worker, false);
        }
    }

    /** Answer to {@link Acquire} and {@link Dispatch}. */
    public interface Choice extends NoSerializationVerificationNeeded {}

    /** Send the sub-work to {@code worker}; then {@link Release} it. */
    public record Chosen(ActorRef<SubWorkExecutor.Command> worker) implements Choice {}

    /** How a {@link NoWorker} reason starts when no worker holds the sub-work's toolchain key. */
    public static final String TOOLCHAIN_MISMATCH = "toolchain mismatch";

    /**
     * No worker can take it now; {@code reason} says why. {@code noneYet}: no worker has been usable since this
     * directory started (the booster is still joining, or the cluster has no worker): a local run is no loss.
     */
    public record NoWorker(String reason, boolean noneYet) implements Choice {
        public NoWorker(String reason) {
            this(reason, false);
        }

        /** Whether no worker holds the compiler the sub-work needs (then a local run is the only way). */
        public boolean toolchainMismatch() {
            return reason != null && reason.startsWith(TOOLCHAIN_MISMATCH);
        }
    }

    /** How an attempt on a worker ended. */
    public enum Outcome {
        /** the worker answered and the sub-work succeeded */
        OK,
        /** the worker answered but the sub-work failed there: ban it for this sub-work */
        FAILED,
        /** no answer, the worker died or timed out: ban it for this sub-work and count toward unhealthy */
        NETWORK_ERROR
    }

    /**
     * An attempt chosen by {@link Acquire} is over.
     *
     * @param load the worker's load carried by its answer, or null
     */
    public record Release(String subWorkId, ActorRef<SubWorkExecutor.Command> worker, Outcome outcome,
            SubWorkExecutor.Load load) implements Command {}

    /**
     * Sub-work {@code subWorkId} is over: drop its bans, and release an attempt of it still dispatched (its
     * requester stopped without an answer): the worker is told to cancel it, and its slot is not counted as
     * taken for ever.
     */
    public record Forget(String subWorkId) implements Command {}

    /** Ask for a {@link Snapshot}. */
    public record GetSnapshot(ActorRef<Snapshot> replyTo) implements Command {}

    /**
     * @param workers workers listed by the Receptionist
     * @param usableWorkers workers that reported load and are healthy
     * @param totalSlots slots of the usable workers, each at most the per-worker limit ({@code -l})
     * @param uncappedSlots slots of the usable workers, whatever the limit (remembered for the next work)
     */
    public record Snapshot(int workers, int usableWorkers, int totalSlots, int uncappedSlots)
            implements NoSerializationVerificationNeeded {

        /** A snapshot without a per-worker limit: every slot counts. */
        public Snapshot(int workers, int usableWorkers, int totalSlots) {
            this(workers, usableWorkers, totalSlots, totalSlots);
        }
    }

    /**
     * Push a {@link Snapshot} to {@code replyTo} now and whenever it changes (workers listed, usable, their
     * slots), until {@code replyTo} stops: a work learns of its workers without polling.
     */
    public record Subscribe(ActorRef<Snapshot> replyTo) implements Command {}

    private record SubscriberStopped(ActorRef<Snapshot> subscriber) implements Command {}

    private record ListingChanged(Receptionist.Listing listing) implements Command {}

    private enum PollTick implements Command { INSTANCE }

    private record LoadReported(ActorRef<SubWorkExecutor.Command> worker, SubWorkExecutor.Load load) implements Command {}

    private record LoadFailed(ActorRef<SubWorkExecutor.Command> worker) implements Command {}

    private record DeadAnswered(ActorRef<SubWorkExecutor.Command> worker, SubWorkExecutor.Load load) implements Command {}

    private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Command {}

    private record WorkerTerminated(ActorRef<SubWorkExecutor.Command> worker) implements Command {}

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

    private record ToolchainShipped(ToolchainShipper.Shipped shipped) implements Command {}

    /** A dispatched attempt not yet released: its id on the worker, and who hears if the worker dies. */
    private record Dispatched(String attemptId, ActorRef<WorkerLost> lostTo) {}

    /** dispatches waiting for a free slot, oldest first */
    private final java.util.ArrayDeque<Dispatch> held = new java.util.ArrayDeque<>();

    private final WorkerTable<ActorRef<SubWorkExecutor.Command>> table;
    private final Set<Address> unreachable = new HashSet<>();
    /** members Leaving, Exiting or gone: their workers drain (or are dead) and are not chosen */
    private final Set<Address> leaving = new HashSet<>();
    /** watched once each, while listed or until they die */
    private final Set<ActorRef<SubWorkExecutor.Command>> watched = new HashSet<>();
    /**
     * reported dead; a listing that still names them (it may lag) is not believed, but an answer to a poll is:
     * a watch sent to a node restarted on the same host and port before this node's link to the new incarnation
     * is up is answered with a death that did not happen
     */
    private final Set<ActorRef<SubWorkExecutor.Command>> dead = new HashSet<>();
    /** dispatched attempts not yet released: worker → sub-work id → who to tell if the worker dies */
    private final Map<ActorRef<SubWorkExecutor.Command>, Map<String, Dispatched>> inFlight = new HashMap<>();
    /** what each worker's content store is believed to hold, to send a sub-work where its inputs already are */
    private final io.troupe.booster.cas.Holdings<ActorRef<SubWorkExecutor.Command>> holdings =
            new io.troupe.booster.cas.Holdings<>(100_000);
    /** inputs by digest of dispatched attempts, until released */
    private final Map<String, Map<String, Long>> attemptBlobs = new HashMap<>();
    /** a worker with a free slot holding this much of a sub-work's inputs is preferred (0 = never) */
    private final long preferHolderBytes;
    private final Duration pollTimeout;
    private final Set<ActorRef<Snapshot>> subscribers = new HashSet<>();
    private Snapshot lastPushed;
    /** some worker has been usable: from then on "no worker" means busy or banned, not "not known yet" */
    private boolean everUsable;
    /** how long one toolchain shipping may take; null when toolchains are not shipped (troupe.booster.ship-toolchains) */
    private final Duration shipTimeout;
    private final ActorRef<ToolchainShipper.Shipped> shippedReplies;
    /** (worker, key) pairs being shipped, or whose shipping failed: each is tried once per directory */
    private final Set<List<Object>> shipTried = new HashSet<>();
    /** (worker, key) pairs being shipped now */
    private final Set<List<Object>> shipping = new HashSet<>();
    private int shipments;

    /**
     * @param unhealthyAfter network errors in a row that make a worker unhealthy
     * @param pollInterval how often load is polled
     */
    public static Behavior<Command> create(int unhealthyAfter, Duration pollInterval) {
        return create(unhealthyAfter, pollInterval, 0);
    }

    /** A booster's directory, set from {@code config} ({@code troupe.booster.unhealthy-after-errors}, the load-report interval). */
    public static Behavior<Command> create(com.typesafe.config.Config config, int perWorkerLimit) {
        Duration shipTimeout = config.getBoolean("troupe.booster.ship-toolchains")
                ? config.getDuration("troupe.booster.ship-toolchain-timeout") : null;
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> new WorkerDirectory(context, timers,
                config.getInt("troupe.booster.unhealthy-after-errors"),
                config.getDuration("troupe.worker.load-report-interval"), perWorkerLimit, shipTimeout)));
    }

    /** @param perWorkerLimit most sub-works of this booster on one worker at once, TBS {@code -l} (0 = no limit) */
    public static Behavior<Command> create(int unhealthyAfter, Duration pollInterval, int perWorkerLimit) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers ->
                new WorkerDirectory(context, timers, unhealthyAfter, pollInterval, perWorkerLimit, null)));
    }

    private WorkerDirectory(ActorContext<Command> context, TimerScheduler<Command> timers, int unhealthyAfter,
            Duration pollInterval, int perWorkerLimit, Duration shipTimeout) {
        super(context);
        this.shipTimeout = shipTimeout;
        this.shippedReplies = context.messageAdapter(ToolchainShipper.Shipped.class, ToolchainShipped::new);
        this.table = new WorkerTable<>(unhealthyAfter, perWorkerLimit);
        long prefer = context.getSystem().settings().config().getBytes("troupe.booster.prefer-holder-bytes");
        this.preferHolderBytes = prefer <= 0 ? Long.MAX_VALUE : prefer;
        this.pollTimeout = pollInterval.multipliedBy(2).compareTo(Duration.ofSeconds(1)) < 0
                ? Duration.ofSeconds(1) : pollInterval.multipliedBy(2);
        ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, ListingChanged::new);
        context.getSystem().receptionist().tell(Receptionist.subscribe(SubWorkExecutor.KEY, listings));
        if (context.getSystem().settings().config().getString("pekko.actor.provider").contains("luster")) {
            ActorRef<ClusterEvent.ReachabilityEvent> events =
                    context.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new);
            Cluster.get(context.getSystem()).subscriptions().tell(org.apache.pekko.cluster.typed.Subscribe.create(events, ClusterEvent.ReachabilityEvent.class));
            ActorRef<ClusterEvent.MemberEvent> members =
                    context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new);
            Cluster.get(context.getSystem()).subscriptions().tell(
                    org.apache.pekko.cluster.typed.Subscribe.create(members, ClusterEvent.MemberEvent.class));
        }
        timers.startTimerWithFixedDelay(PollTick.INSTANCE, pollInterval);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Acquire.class, this::onAcquire)
                .onMessage(Dispatch.class, this::onDispatch)
                .onMessage(Release.class, this::onRelease)
                .onMessage(Forget.class, this::onForget)
                .onMessage(GetSnapshot.class, this::onGetSnapshot)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(SubscriberStopped.class, this::onSubscriberStopped)
                .onMessage(ListingChanged.class, this::onListingChanged)
                .onMessageEquals(PollTick.INSTANCE, this::onPollTick)
                .onMessage(LoadReported.class, this::onLoadReported)
                .onMessage(LoadFailed.class, this::onLoadFailed)
                .onMessage(DeadAnswered.class, this::onDeadAnswered)
                .onMessage(ReachabilityChanged.class, this::onReachabilityChanged)
                .onMessage(WorkerTerminated.class, this::onWorkerTerminated)
                .onMessage(MemberChanged.class, this::onMemberChanged)
                .onMessage(ToolchainShipped.class, this::onToolchainShipped)
                .build();
    }

    private Behavior<Command> onAcquire(Acquire acquire) {
        WorkerTable.Choice<ActorRef<SubWorkExecutor.Command>> choice =
                table.choose(acquire.subWorkId(), worker -> !unreachable.contains(worker.path().address()));
        if (choice.worker().isPresent()) {
            table.reserve(choice.worker().get());
            acquire.replyTo().tell(new Chosen(choice.worker().get()));
        } else {
            acquire.replyTo().tell(new NoWorker(choice.reason(), !everUsable));
        }
        return this;
    }

    private Behavior<Command> onDispatch(Dispatch dispatch) {
        if (held.isEmpty() && dispatchNow(dispatch)) {
            return this;
        }
        if (held.size() < table.queueRoom()) {
            held.add(dispatch);
            dispatchHeld(); // the oldest first; this one too if a slot is free that the older ones cannot use
        } else if (!dispatchNow(dispatch)) {
            dispatch.replyTo().tell(new NoWorker("every worker's slots are taken and " + held.size()
                    + " sub-works wait for one already", !everUsable));
        }
        return this;
    }

    /**
     * Sends {@code dispatch} to the chosen worker if that worker has a free slot, or answers {@link NoWorker} if
     * no worker can take it; false (and nothing sent) when it can only wait for a slot.
     */
    private boolean dispatchNow(Dispatch dispatch) {
        Map<String, Long> blobs = blobsOf(dispatch.execute());
        Set<String> keys = toolchainsOf(dispatch.execute());
        int shipping = keys.isEmpty() || shipTimeout == null ? 0 : ship(keys);
        WorkerTable.Choice<ActorRef<SubWorkExecutor.Command>> choice =
                table.choose(dispatch.subWorkId(), worker -> !unreachable.contains(worker.path().address()),
                        keys, worker -> holdings.bytesHeld(worker, blobs), preferHolderBytes);
        if (choice.worker().isEmpty()) {
            dispatch.replyTo().tell(new NoWorker(choice.reason() + (shipping == 0 ? ""
                    : " (being shipped to " + shipping + " of them: troupe.booster.ship-toolchains)"), !everUsable));
            return true;
        }
        ActorRef<SubWorkExecutor.Command> worker = choice.worker().get();
        if (!table.slotFree(worker) && table.takenByThisBooster(worker)) {
            return false; // the most free of them has none, and this booster hears first when one of its own frees
        }
        if (!blobs.isEmpty()) {
            attemptBlobs.put(dispatch.subWorkId(), blobs);
        }
        table.reserve(worker);
        inFlight.computeIfAbsent(worker, w -> new HashMap<>())
                .put(dispatch.subWorkId(), new Dispatched(dispatch.execute().subWorkId(), dispatch.lostTo()));
        worker.tell(dispatch.execute());
        dispatch.replyTo().tell(new Chosen(worker));
        return true;
    }

    /** Held dispatches go, oldest first, while slots are free; all are answered once no worker is usable. */
    private void dispatchHeld() {
        for (var it = held.iterator(); it.hasNext() && (table.anySlotFree() || table.usableWorkers() == 0); ) {
            if (dispatchNow(it.next())) {
                it.remove();
            }
        }
    }

    /**
     * Starts shipping {@code keys} to the reachable workers that lack them and were not tried yet, when this
     * booster knows a compiler of its own with the key.
     *
     * @return how many shippings of these keys are under way
     */
    private int ship(Set<String> keys) {
        int underWay = 0;
        for (String key : keys) {
            java.util.Optional<java.nio.file.Path> compiler = Toolchains.binaryOf(key);
            if (compiler.isEmpty()) {
                continue;
            }
            for (ActorRef<SubWorkExecutor.Command> worker : table.lacking(Set.of(key))) {
                if (!unreachable.contains(worker.path().address()) && shipTried.add(List.of(worker, key))) {
                    getContext().spawn(ToolchainShipper.create(worker, key, compiler.get(), shipTimeout, shippedReplies),
                            "ship-toolchain-" + ++shipments);
                    underWay++;
                    shipping.add(List.of(worker, key));
                } else if (shipping.contains(List.of(worker, key))) {
                    underWay++;
                }
            }
        }
        return underWay;
    }

    private Behavior<Command> onToolchainShipped(ToolchainShipped answer) {
        ToolchainShipper.Shipped shipped = answer.shipped();
        shipping.remove(List.of(shipped.worker(), shipped.key()));
        if (shipped.error() != null) {
            getContext().getLog().warn("toolchain {} not shipped to worker {}: {}", shipped.key(),
                    shipped.worker().path().address(), shipped.error());
            return this;
        }
        getContext().getLog().info("worker {} holds the shipped toolchain {}", shipped.worker().path().address(),
                shipped.key());
        table.addToolchain(shipped.worker(), shipped.key());
        return afterChange();
    }

    private static Set<String> toolchainsOf(SubWorkExecutor.Execute execute) {
        Set<String> keys = new HashSet<>();
        for (SubWorkExecutor.Step step : execute.steps()) {
            if (step.toolchain() != null) {
                keys.add(step.toolchain());
            }
        }
        return keys;
    }

    private Behavior<Command> onRelease(Release release) {
        table.unreserve(release.worker());
        Map<String, Long> blobs = attemptBlobs.remove(release.subWorkId());
        if (blobs != null && release.outcome() == Outcome.OK) {
            holdings.held(release.worker(), blobs); // it ran there: its inputs are in that worker's store now
        }
        Map<String, Dispatched> attempts = inFlight.get(release.worker());
        if (attempts != null) {
            attempts.remove(release.subWorkId());
            if (attempts.isEmpty()) {
                inFlight.remove(release.worker());
            }
        }
        if (release.outcome() != Outcome.OK) {
            table.ban(release.subWorkId(), release.worker());
        }
        if (release.outcome() == Outcome.NETWORK_ERROR) {
            table.networkError(release.worker());
        } else if (release.load() != null) {
            report(release.worker(), release.load());
        }
        return afterChange();
    }

    /** Inputs sent by digest (digest → size); inline ones cost nothing to send again. */
    private static Map<String, Long> blobsOf(SubWorkExecutor.Execute execute) {
        Map<String, Long> blobs = new HashMap<>();
        for (SubWorkExecutor.InputFile input : execute.inputs()) {
            if (!input.inline() && input.digest() != null) {
                blobs.put(input.digest(), input.size());
            }
        }
        return blobs;
    }

    private Behavior<Command> onForget(Forget forget) {
        held.removeIf(dispatch -> dispatch.subWorkId().equals(forget.subWorkId()));
        table.forget(forget.subWorkId());
        attemptBlobs.remove(forget.subWorkId());
        for (var it = inFlight.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            Dispatched left = entry.getValue().remove(forget.subWorkId());
            if (left != null) {
                entry.getKey().tell(new SubWorkExecutor.Cancel(left.attemptId())); // nobody waits for its answer
                table.unreserve(entry.getKey());
                if (entry.getValue().isEmpty()) {
                    it.remove();
                }
            }
        }
        return afterChange();
    }

    private Behavior<Command> onGetSnapshot(GetSnapshot request) {
        request.replyTo().tell(snapshot());
        return this;
    }

    private Behavior<Command> onSubscribe(Subscribe subscribe) {
        if (subscribers.add(subscribe.replyTo())) {
            getContext().watchWith(subscribe.replyTo(), new SubscriberStopped(subscribe.replyTo()));
        }
        subscribe.replyTo().tell(snapshot());
        return this;
    }

    private Behavior<Command> onSubscriberStopped(SubscriberStopped stopped) {
        subscribers.remove(stopped.subscriber());
        return this;
    }

    private Snapshot snapshot() {
        return new Snapshot(table.members().size(), table.usableWorkers(), table.totalSlots(), table.uncappedSlots());
    }

    /**
     * Sends held dispatches to slots that freed, and tells subscribers when the worker set changed; called after
     * every message that may change either.
     */
    private Behavior<Command> afterChange() {
        dispatchHeld();
        Snapshot now = snapshot();
        everUsable |= now.usableWorkers() > 0;
        if (!now.equals(lastPushed)) {
            lastPushed = now;
            subscribers.forEach(subscriber -> subscriber.tell(now));
        }
        return this;
    }

    private Behavior<Command> onListingChanged(ListingChanged changed) {
        Set<ActorRef<SubWorkExecutor.Command>> listed =
                new HashSet<>(changed.listing().getServiceInstances(SubWorkExecutor.KEY));
        dead.retainAll(listed); // no longer listed: nothing left to disbelieve
        listed.removeAll(dead);
        Set<ActorRef<SubWorkExecutor.Command>> added = new HashSet<>(listed);
        added.removeAll(table.members());
        table.setMembers(listed);
        for (ActorRef<SubWorkExecutor.Command> worker : listed) {
            if (watched.add(worker)) {
                getContext().watchWith(worker, new WorkerTerminated(worker));
            }
        }
        added.stream().filter(worker -> leaving.contains(worker.path().address()))
                .forEach(worker -> table.leaving(worker, true));
        added.forEach(this::poll);
        return afterChange();
    }

    private Behavior<Command> onWorkerTerminated(WorkerTerminated terminated) {
        ActorRef<SubWorkExecutor.Command> worker = terminated.worker();
        holdings.forget(worker);
        watched.remove(worker);
        dead.add(worker);
        Set<ActorRef<SubWorkExecutor.Command>> members = new HashSet<>(table.members());
        if (members.remove(worker)) {
            table.setMembers(members);
        }
        Map<String, Dispatched> attempts = inFlight.remove(worker);
        if (attempts != null) {
            attempts.values().forEach(attempt -> attempt.lostTo().tell(new WorkerLost(worker)));
        }
        return afterChange();
    }

    private Behavior<Command> onPollTick() {
        table.members().forEach(this::poll);
        for (ActorRef<SubWorkExecutor.Command> worker : dead) { // listed still: an answer brings one back
            getContext().ask(SubWorkExecutor.Load.class, worker, pollTimeout, SubWorkExecutor.GetLoad::new,
                    (load, error) -> load != null ? new DeadAnswered(worker, load) : new LoadFailed(worker));
        }
        return this;
    }

    private void poll(ActorRef<SubWorkExecutor.Command> worker) {
        getContext().ask(SubWorkExecutor.Load.class, worker, pollTimeout, SubWorkExecutor.GetLoad::new,
                (load, error) -> load != null ? new LoadReported(worker, load) : new LoadFailed(worker));
    }

    /** Answered a poll sent after its death was reported (an answer sent before it died proves nothing). */
    private Behavior<Command> onDeadAnswered(DeadAnswered answered) {
        if (dead.remove(answered.worker())) {
            revive(answered.worker());
            report(answered.worker(), answered.load());
        }
        return afterChange();
    }

    private Behavior<Command> onLoadReported(LoadReported reported) {
        report(reported.worker(), reported.load());
        return afterChange();
    }

    private void report(ActorRef<SubWorkExecutor.Command> worker, SubWorkExecutor.Load load) {
        table.reported(worker, load.slots(), load.free(), load.queueSize(), load.freed());
        table.toolchains(worker, load.toolchains());
        table.draining(worker, load.draining());
    }

    /** A worker reported dead has answered: it is listed and chosen again, and watched anew. */
    private void revive(ActorRef<SubWorkExecutor.Command> worker) {
        getContext().getLog().info("worker {} answered after its death was reported: it is chosen again", worker);
        Set<ActorRef<SubWorkExecutor.Command>> members = new HashSet<>(table.members());
        members.add(worker);
        table.setMembers(members);
        if (leaving.contains(worker.path().address())) {
            table.leaving(worker, true);
        }
        if (watched.add(worker)) {
            getContext().watchWith(worker, new WorkerTerminated(worker));
        }
    }

    private Behavior<Command> onLoadFailed(LoadFailed failed) {
        table.networkError(failed.worker());
        return afterChange();
    }

    /**
     * Tells every in-flight attempt on a worker at {@code address} that its worker is lost, so it is re-sent
     * (or run locally) within the failure detector's few seconds; a late answer from that worker is dropped.
     */
    private void failOver(Address address) {
        for (var it = inFlight.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (entry.getKey().path().address().equals(address)) {
                entry.getValue().values().forEach(attempt -> attempt.lostTo().tell(new WorkerLost(entry.getKey(), true)));
                it.remove();
            }
        }
    }

    /**
     * A member that leaves (Leaving, Exiting, downed, removed) has its workers no longer chosen; one that joins
     * at that address again (a restarted node) has them chosen again.
     */
    private Behavior<Command> onMemberChanged(MemberChanged changed) {
        ClusterEvent.MemberEvent event = changed.event();
        Address address = event.member().address();
        if (event instanceof ClusterEvent.MemberRemoved || event instanceof ClusterEvent.MemberJoined
                || event instanceof ClusterEvent.MemberUp) {
            // the unreachable incarnation is gone (or a new one joins at its address): no ReachableMember will
            // come for it, and a node restarted on the same host and port must be chosen again
            unreachable.remove(address);
        }
        boolean isLeaving = !(event instanceof ClusterEvent.MemberJoined || event instanceof ClusterEvent.MemberWeaklyUp
                || event instanceof ClusterEvent.MemberUp);
        if (isLeaving ? leaving.add(address) : leaving.remove(address)) {
            table.members().stream().filter(worker -> worker.path().address().equals(address))
                    .forEach(worker -> table.leaving(worker, isLeaving));
        }
        return afterChange();
    }

    private Behavior<Command> onReachabilityChanged(ReachabilityChanged changed) {
        Address address = changed.event().member().address();
        if (changed.event() instanceof ClusterEvent.UnreachableMember) {
            unreachable.add(address);
            failOver(address);
        } else {
            unreachable.remove(address);
        }
        return afterChange();
    }
}
