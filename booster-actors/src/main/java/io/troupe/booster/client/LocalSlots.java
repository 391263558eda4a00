package io.troupe.booster.client;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Protects the booster's own machine, as TBS's local resource locks do: three pools of weighted slots —
 * PRE (a handler's PreExecute: reading inputs, preprocessing), EXE (running a sub-work locally) and POST
 * (writing results, PostExecute) — each of {@code total} slots (default CPUs - 1, at least 1;
 * {@code --max_local_total_jobs}) unless given its own size. Separate pools keep the remote pipeline moving
 * while local runs fill EXE. A sub-work waiting for a remote worker holds no lease. Leases of a holder
 * that dies are returned.
 */
public final class LocalSlots extends AbstractBehavior<LocalSlots.Command> {

    /** What a lease is for (TBS: pre-process, execute, post-process). */
    public enum Kind { PRE, EXE, POST }

    /** Messages stay inside the booster process. */
    public interface Command extends NoSerializationVerificationNeeded {}

    /**
     * Ask for a lease of {@code weight} slots; {@link Granted} comes when it fits.
     *
     * @param holder the actor the lease belongs to; watched, so its death returns the lease
     */
    public record Acquire(Kind kind, int weight, ActorRef<?> holder, ActorRef<Granted> replyTo) implements Command {}

    /** A lease; give it back with {@link Release}. */
    public record Granted(long lease, int weight) implements NoSerializationVerificationNeeded {}

    /** Return a lease. */
    public record Release(long lease) implements Command {}

    /**
     * Take {@code holder}'s waiting request for {@code kind} back (a sub-work that goes remote after all);
     * {@link Withdrawn} follows any {@link Granted} sent before it.
     */
    public record Withdraw(Kind kind, ActorRef<?> holder, ActorRef<Withdrawn> replyTo) implements Command {}

    /** The request is out of the queue, or was granted before (that grant came first). */
    public enum Withdrawn { INSTANCE }

    /** Ask for the current use. */
    public record GetUsage(ActorRef<Usage> replyTo) implements Command {}

    /** Current use: {@code total} is the EXE pool's size; {@code used} and {@code waiting} count all pools. */
    public record Usage(int total, int used, int waiting) implements NoSerializationVerificationNeeded {}

    private record HolderDied(ActorRef<?> holder) implements Command {}

    private record Waiter(ActorRef<?> holder, ActorRef<Granted> replyTo) {}

    private final SlotTable<Waiter> table;
    private final Set<ActorRef<?>> watched = new HashSet<>();

    /** The default total: CPUs - 1, at least 1. */
    public static int defaultTotal() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /**
     * @param total slots; 0 or less = {@link #defaultTotal()}
     * @param kindLimits optional per-kind pool sizes (missing = total)
     */
    public static Behavior<Command> create(int total, Map<Kind, Integer> kindLimits) {
        return Behaviors.setup(context -> new LocalSlots(context, total <= 0 ? defaultTotal() : total, kindLimits));
    }

    private LocalSlots(ActorContext<Command> context, int total, Map<Kind, Integer> kindLimits) {
        super(context);
        this.table = new SlotTable<>(total, kindLimits);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Acquire.class, this::onAcquire)
                .onMessage(Release.class, this::onRelease)
                .onMessage(Withdraw.class, this::onWithdraw)
                .onMessage(GetUsage.class, this::onGetUsage)
                .onMessage(HolderDied.class, this::onHolderDied)
                .build();
    }

    private Behavior<Command> onAcquire(Acquire acquire) {
        if (watched.add(acquire.holder())) {
            getContext().watchWith(acquire.holder(), new HolderDied(acquire.holder()));
        }
        hand(table.request(acquire.kind(), acquire.weight(), new Waiter(acquire.holder(), acquire.replyTo())));
        return this;
    }

    private Behavior<Command> onRelease(Release release) {
        hand(table.release(release.lease()));
        return this;
    }

    private Behavior<Command> onWithdraw(Withdraw withdraw) {
        hand(table.withdraw(withdraw.kind(), waiter -> waiter.holder().equals(withdraw.holder())));
        withdraw.replyTo().tell(Withdrawn.INSTANCE);
        return this;
    }

    private Behavior<Command> onGetUsage(GetUsage request) {
        request.replyTo().tell(new Usage(table.total(), table.used(), table.waiting()));
        return this;
    }

    private Behavior<Command> onHolderDied(HolderDied died) {
        watched.remove(died.holder());
        hand(table.dropHolder(waiter -> waiter.holder().equals(died.holder())));
        return this;
    }

    private void hand(List<SlotTable.Lease<Waiter>> granted) {
        for (SlotTable.Lease<Waiter> lease : granted) {
            lease.holder().replyTo().tell(new Granted(lease.id(), lease.weight()));
        }
    }
}
