package io.troupe.node.works;

import io.troupe.booster.cas.ContentStore;
import io.troupe.booster.worker.SubWorkExecutor;
import java.time.Duration;
import java.util.Optional;
import kamon.Kamon;
import kamon.tag.TagSet;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * Mirrors this node's worker into Kamon once per interval: {@code troupe.worker.slots}, {@code .running},
 * {@code .queued}, and the content store's {@code troupe.worker.cas.*}; tagged with the worker's address (a JVM
 * may run several nodes, Kamon is global). It asks the worker with the messages boosters already use.
 */
public final class WorkerMetrics {

    public interface Command extends NoSerializationVerificationNeeded {}

    private enum Tick implements Command { INSTANCE }

    private record Workers(Receptionist.Listing listing) implements Command {}

    private record GotLoad(SubWorkExecutor.Load load) implements Command {}

    private record GotCas(ContentStore.Stats stats) implements Command {}

    private record NoAnswer(Throwable error) implements Command {}

    private final ActorContext<Command> context;
    private final TagSet tags;
    private final Duration interval;
    private Optional<ActorRef<SubWorkExecutor.Command>> worker = Optional.empty();

    private WorkerMetrics(ActorContext<Command> context, Duration interval) {
        this.context = context;
        this.interval = interval;
        this.tags = TagSet.of("worker", context.getSystem().address().toString());
    }

    public static Behavior<Command> create(Duration interval) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            context.getSystem().receptionist().tell(Receptionist.subscribe(SubWorkExecutor.KEY,
                    context.messageAdapter(Receptionist.Listing.class, Workers::new)));
            timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
            return new WorkerMetrics(context, interval).behavior();
        }));
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(Workers.class, this::onWorkers)
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .onMessage(GotLoad.class, this::onLoad)
                .onMessage(GotCas.class, this::onCas)
                .onMessage(NoAnswer.class, answer -> Behaviors.same())
                .build();
    }

    private Behavior<Command> onWorkers(Workers workers) {
        // the node's own worker: the one whose path has no remote address
        worker = workers.listing().getServiceInstances(SubWorkExecutor.KEY).stream()
                .filter(ref -> ref.path().address().hasLocalScope()).findFirst();
        return Behaviors.same();
    }

    private Behavior<Command> onTick() {
        worker.ifPresent(ref -> {
            context.ask(SubWorkExecutor.Load.class, ref, interval, SubWorkExecutor.GetLoad::new,
                    (load, error) -> load != null ? new GotLoad(load) : new NoAnswer(error));
            context.ask(ContentStore.Stats.class, ref, interval, SubWorkExecutor.GetCasStats::new,
                    (stats, error) -> stats != null ? new GotCas(stats) : new NoAnswer(error));
        });
        return Behaviors.same();
    }

    private Behavior<Command> onLoad(GotLoad got) {
        SubWorkExecutor.Load load = got.load();
        Kamon.gauge("troupe.worker.slots", "sub-works this worker runs at once").withTags(tags).update(load.slots());
        Kamon.gauge("troupe.worker.running", "sub-works running now").withTags(tags).update(load.running());
        Kamon.gauge("troupe.worker.queued", "sub-works waiting for a slot").withTags(tags).update(load.queued());
        return Behaviors.same();
    }

    private Behavior<Command> onCas(GotCas got) {
        ContentStore.Stats s = got.stats();
        Kamon.gauge("troupe.worker.cas.blobs", "blobs in the content store").withTags(tags).update(s.blobs());
        Kamon.gauge("troupe.worker.cas.bytes", "bytes in the content store").withTags(tags).update(s.bytes());
        Kamon.gauge("troupe.worker.cas.received.blobs", "blobs received since start").withTags(tags)
                .update(s.receivedBlobs());
        Kamon.gauge("troupe.worker.cas.received.bytes", "bytes received since start").withTags(tags)
                .update(s.receivedBytes());
        Kamon.gauge("troupe.worker.cas.evicted.blobs", "blobs evicted since start").withTags(tags)
                .update(s.evictedBlobs());
        Kamon.gauge("troupe.worker.cas.hits", "sub-work inputs found in the content store since start").withTags(tags)
                .update(s.hits());
        Kamon.gauge("troupe.worker.cas.misses", "sub-work inputs the booster had to send since start").withTags(tags)
                .update(s.misses());
        return Behaviors.same();
    }
}
