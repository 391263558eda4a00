package io.troupe.node.reload;

import io.troupe.api.CborSerializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * One broadcast call: publishes a question on the reload topic, collects the nodes' answers until every
 * expected node has answered or the timeout passes, then reports the answers and the silent nodes and stops.
 */
public final class ReloadGather extends AbstractBehavior<ReloadGather.Command> {

    public interface Command {}

    /** A node's answer; it crosses nodes. {@code node} is the answering member's {@code host:port}. */
    public interface Answer extends Command, CborSerializable {
        String node();
    }

    /**
     * A node's reload outcome.
     *
     * @param handled whether that node has a reload handler of this name
     * @param version the new version on success (may be empty)
     * @param error   the message naming file and field on failure, else null
     */
    public record ReloadAnswer(String node, boolean handled, boolean ok, String version, String error)
            implements Answer {}

    /** A node's modules and the {@code .data} versions they reported. */
    public record StatusAnswer(String node, List<String> available, List<String> enabled, Map<String, String> versions)
            implements Answer {}

    /** What the call collected: answers sorted by node, and the expected nodes that stayed silent. */
    public record Gathered(List<Answer> answers, List<String> silent) implements NoSerializationVerificationNeeded {}

    private enum Timeout implements Command, NoSerializationVerificationNeeded { INSTANCE }

    private final Set<String> expected;
    private final ActorRef<Gathered> replyTo;
    private final Map<String, Answer> answers = new TreeMap<>();

    /**
     * @param question builds the published message from the address answers go to
     * @param expected the nodes that must answer ({@code host:port}); others' answers count only if handled
     */
    public static Behavior<Command> create(Function<ActorRef<Answer>, ReloadBroadcast.Published> question,
                                           ActorRef<Topic.Command<ReloadBroadcast.Published>> topic,
                                           Set<String> expected, Duration timeout, ActorRef<Gathered> replyTo) {
        return Behaviors.setup(context -> {
            if (expected.isEmpty()) {
                replyTo.tell(new Gathered(List.of(), List.of()));
                return Behaviors.stopped();
            }
            topic.tell(Topic.publish(question.apply(context.getSelf().narrow())));
            return Behaviors.withTimers(timers -> {
                timers.startSingleTimer(Timeout.INSTANCE, timeout);
                return new ReloadGather(context, expected, replyTo);
            });
        });
    }

    private ReloadGather(ActorContext<Command> context, Set<String> expected, ActorRef<Gathered> replyTo) {
        super(context);
        this.expected = Set.copyOf(expected);
        this.replyTo = replyTo;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Answer.class, this::onAnswer)
                .onMessageEquals(Timeout.INSTANCE, this::finish)
                .build();
    }

    private Behavior<Command> onAnswer(Answer answer) {
        // a node that is not a proxy and has no such handler has nothing to say about this name
        boolean relevant = expected.contains(answer.node())
                || !(answer instanceof ReloadAnswer reload) || reload.handled();
        if (relevant) {
            answers.put(answer.node(), answer);
        }
        return answers.keySet().containsAll(expected) ? finish() : this;
    }

    private Behavior<Command> finish() {
        Set<String> silent = new TreeSet<>(expected);
        silent.removeAll(answers.keySet());
        replyTo.tell(new Gathered(new ArrayList<>(answers.values()), List.copyOf(silent)));
        return Behaviors.stopped();
    }
}
