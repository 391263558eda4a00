package io.troupe.booster.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.gateway.ExecutorGateway.Bound;
import io.troupe.booster.gateway.ExecutorGateway.SubWorkArrived;
import io.troupe.booster.testutil.Proc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/** A gateway bound to {@code socket} whose sub-works arrive at {@code sink}, and the booster-exec clients of the tests. */
record TestGateway(Path socket, ActorRef<ExecutorGateway.Command> ref, TestProbe<SubWorkArrived> sink) {

    /** A test kit whose messages are all serialized (CBOR for Troupe's). */
    static ActorTestKit testKit() {
        return ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                pekko.actor.serialization-bindings { "io.troupe.api.CborSerializable" = jackson-cbor }
                """));
    }

    /** The booster-exec clients, for {@code @MethodSource("io.troupe.booster.gateway.TestGateway#clients")}. */
    static Stream<String> clients() {
        return Stream.of("native", "java");
    }

    /** Starts a gateway on {@code <dir>/gw.sock} and waits until it is bound. */
    static TestGateway start(ActorTestKit testKit, Path dir) {
        Path socket = dir.resolve("gw.sock");
        TestProbe<SubWorkArrived> sink = testKit.createTestProbe();
        TestProbe<ExecutorGateway.Event> owner = testKit.createTestProbe();
        ActorRef<ExecutorGateway.Command> ref = testKit.spawn(ExecutorGateway.create(socket, sink.getRef(), owner.getRef()));
        assertEquals(new Bound(socket.toAbsolutePath()), owner.expectMessageClass(Bound.class));
        return new TestGateway(socket, ref, sink);
    }

    /** The argv of booster-exec: {@code native} (C, skipped where it is not built) or {@code java}. */
    static List<String> client(String kind) {
        if (kind.equals("native")) {
            assumeTrue(Proc.nativeBoosterExec().isPresent(), "native booster-exec not built (no C compiler)");
            return new ArrayList<>(List.of(Proc.nativeBoosterExec().get().toString()));
        }
        return new ArrayList<>(Proc.javaBoosterExec());
    }
}
