package io.troupe.node.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.node.reload.ReloadBroadcast.Published;
import io.troupe.node.reload.ReloadBroadcast.Reload;
import io.troupe.node.reload.ReloadGather.Gathered;
import io.troupe.node.reload.ReloadGather.ReloadAnswer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One broadcast call's gatherer against a local topic, with probes standing in for the nodes. */
@ExtendWith(TestKitJUnit5Extension.class)
class ReloadGatherTest {
    @JUnit5TestKit
    public ActorTestKit testKit = new JUnit5TestKitBuilder()
            .withCustomConfig(ConfigFactory.parseString("pekko.actor.serialize-messages = on\n"
                    // pekko-management pulls in pekko-discovery 1.2.1 (as troupe-node-defaults.conf notes)
                    + "pekko.fail-mixed-versions = off")
                    .withFallback(ConfigFactory.load()))
            .build();

    private static final Duration SHORT = Duration.ofMillis(300);
    /** Far beyond the test's waits: an answer that arrives proves the gatherer did not wait for the timeout. */
    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void answersOnceEveryExpectedNodeHasAnsweredSortedByNode() {
        Call call = start(Set.of("n1:1", "n2:2"), LONG);
        Reload reload = call.node.expectMessageClass(Reload.class);
        assertEquals("server_data_conf", reload.name());
        assertEquals(Map.of("path", List.of("/srv/next")), reload.params());
        reload.replyTo().tell(new ReloadAnswer("n2:2", true, false, null, "route_rule.data: Version: missing"));
        reload.replyTo().tell(new ReloadAnswer("n1:1", true, true, "v2", null));

        Gathered gathered = call.replies.expectMessageClass(Gathered.class, Duration.ofSeconds(10));
        assertEquals(List.of("n1:1", "n2:2"), gathered.answers().stream().map(ReloadGather.Answer::node).toList());
        assertEquals(List.of(), gathered.silent());
    }

    @Test
    void namesTheSilentNodesAtTheTimeout() {
        Call call = start(Set.of("n1:1", "n2:2", "n3:3"), SHORT);
        Reload reload = call.node.expectMessageClass(Reload.class);
        reload.replyTo().tell(new ReloadAnswer("n1:1", true, true, "v2", null));
        Gathered gathered = call.replies.expectMessageClass(Gathered.class, Duration.ofSeconds(10));
        assertEquals(List.of("n2:2", "n3:3"), gathered.silent());
        assertEquals(1, gathered.answers().size());
    }

    @Test
    void keepsOtherNodesOnlyWhenTheyHaveTheHandler() {
        Call call = start(Set.of("n1:1"), LONG);
        Reload reload = call.node.expectMessageClass(Reload.class);
        // a worker-only node without this name says nothing useful; one with it is reported
        reload.replyTo().tell(new ReloadAnswer("w1:9", false, false, null, "handler not exist"));
        reload.replyTo().tell(new ReloadAnswer("w2:9", true, true, "v2", null));
        reload.replyTo().tell(new ReloadAnswer("n1:1", true, true, "v2", null));

        Gathered gathered = call.replies.expectMessageClass(Gathered.class, Duration.ofSeconds(10));
        assertEquals(List.of("n1:1", "w2:9"), gathered.answers().stream().map(ReloadGather.Answer::node).toList());
    }

    @Test
    void noExpectedNodeAnswersAtOnceWithoutPublishing() {
        Call call = start(Set.of(), LONG);
        Gathered gathered = call.replies.expectMessageClass(Gathered.class);
        assertTrue(gathered.answers().isEmpty() && gathered.silent().isEmpty(), gathered.toString());
        call.node.expectNoMessage(Duration.ofMillis(100));
    }

    private record Call(TestProbe<Published> node, TestProbe<Gathered> replies) {}

    private Call start(Set<String> expected, Duration timeout) {
        ActorRef<Topic.Command<Published>> topic = testKit.spawn(Topic.create(Published.class, "reload-test"));
        TestProbe<Published> node = testKit.createTestProbe();
        topic.tell(Topic.subscribe(node.getRef()));
        TestProbe<Gathered> replies = testKit.createTestProbe();
        testKit.spawn(ReloadGather.create(
                replyTo -> new Reload("server_data_conf", Map.of("path", List.of("/srv/next")), replyTo),
                topic, expected, timeout, replies.getRef()));
        return new Call(node, replies);
    }
}
