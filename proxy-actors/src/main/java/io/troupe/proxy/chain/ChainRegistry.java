package io.troupe.proxy.chain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Owns the modules' filter registrations and publishes the merged {@link Chains} snapshot. The order of
 * filters at a point is the configured module order ({@code troupe.proxy.modules}), never the order in
 * which modules happened to register.
 */
public final class ChainRegistry extends AbstractBehavior<ChainRegistry.Command> {

    /** Messages carry filter lambdas, so they stay on this node. */
    public interface Command extends NoSerializationVerificationNeeded {}

    /** Adds or replaces a module's filters. */
    public record Register(ModuleFilters filters, ActorRef<Reply> replyTo) implements Command {}

    /** Removes a module's filters. */
    public record Unregister(String module, ActorRef<Reply> replyTo) implements Command {}

    public interface Reply extends NoSerializationVerificationNeeded {}

    /** The registration took effect; {@code chains} is the snapshot now published. */
    public record Registered(String module, Chains chains) implements Reply {}

    /** The module is not in the configured module order. */
    public record Rejected(String module, String reason) implements Reply {}

    private final List<String> moduleOrder;
    private final ChainsHolder holder;
    private final Map<String, ModuleFilters> registered = new HashMap<>();

    public static Behavior<Command> create(List<String> moduleOrder, ChainsHolder holder) {
        return Behaviors.setup(ctx -> new ChainRegistry(ctx, moduleOrder, holder));
    }

    private ChainRegistry(ActorContext<Command> ctx, List<String> moduleOrder, ChainsHolder holder) {
        super(ctx);
        this.moduleOrder = List.copyOf(moduleOrder);
        this.holder = holder;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Register.class, this::onRegister)
                .onMessage(Unregister.class, this::onUnregister)
                .build();
    }

    private Behavior<Command> onRegister(Register r) {
        String name = r.filters().module();
        if (!moduleOrder.contains(name)) {
            r.replyTo().tell(new Rejected(name, "module " + name
                    + " is not listed in troupe.proxy.modules " + moduleOrder));
            return this;
        }
        registered.put(name, r.filters());
        r.replyTo().tell(new Registered(name, publish()));
        return this;
    }

    private Behavior<Command> onUnregister(Unregister u) {
        registered.remove(u.module());
        u.replyTo().tell(new Registered(u.module(), publish()));
        return this;
    }

    private Chains publish() {
        List<ModuleFilters> ordered = new ArrayList<>();
        for (String name : moduleOrder) {
            ModuleFilters f = registered.get(name);
            if (f != null) {
                ordered.add(f);
            }
        }
        Chains chains = new Chains(ordered);
        holder.publish(chains);
        getContext().getLog().info("callback chains published: {}", chains.handlersByPoint());
        return chains;
    }
}
