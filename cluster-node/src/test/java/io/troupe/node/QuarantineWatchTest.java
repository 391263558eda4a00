package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.remote.UniqueAddress;
import org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node another node quarantined stops, naming it; a booster's quarantine, and one by a system that is not a
 * member (or an earlier incarnation of one), is only logged. Three real members (two nodes and a booster) on
 * loopback; the quarantine events are published as Artery publishes them.
 */
@Tag("multinode")
class QuarantineWatchTest {
    private static Config config(String role) {
        return ConfigFactory.parseString(String.join("\n",
                "pekko.actor.provider = cluster",
                "pekko.remote.artery.canonical.hostname = 127.0.0.1",
                "pekko.remote.artery.canonical.port = 0",
                "pekko.cluster.roles = [" + role + "]",
                "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
                "pekko.coordinated-shutdown.exit-jvm = off",
                "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                "pekko.fail-mixed-versions = off"))
                .withFallback(ConfigFactory.load());
    }

    private final ActorTestKit node = ActorTestKit.create("troupe", config("node"));
    private final ActorTestKit booster = ActorTestKit.create("troupe", config("booster"));
    private final ActorTestKit other = ActorTestKit.create("troupe", config("node"));

    @AfterEach
    void stop() {
        other.shutdownTestKit();
        booster.shutdownTestKit();
        node.shutdownTestKit();
    }

    private static UniqueAddress unique(ActorTestKit kit) {
        var self = Cluster.get(kit.system()).selfMember().uniqueAddress();
        return new UniqueAddress(self.address(), self.longUid());
    }

    @Test
    void aNodesQuarantineStopsTheNodeAndOthersAreOnlyLogged() throws Exception {
        Cluster cluster = Cluster.get(node.system());
        Address self = cluster.selfMember().address();
        for (ActorTestKit kit : new ActorTestKit[] {node, booster, other}) {
            Cluster.get(kit.system()).manager().tell(Join.create(self));
        }
        node.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
            assertEquals(3, java.util.stream.StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
                    .filter(m -> m.status() == MemberStatus.up()).count(), "three members Up");
            return null;
        });
        node.spawn(QuarantineWatch.create(), "quarantine-watch");
        UniqueAddress otherNode = unique(other);
        UniqueAddress stranger = new UniqueAddress(new Address("pekko", "troupe", "127.0.0.1", 1), 1L);
        UniqueAddress otherNodesEarlierLife = new UniqueAddress(otherNode.address(), otherNode.uid() + 1);
        UniqueAddress local = unique(node);
        // the subscription is made as the watch starts: publish until the node's quarantine is seen
        node.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            for (UniqueAddress by : new UniqueAddress[] {unique(booster), stranger, otherNodesEarlierLife, otherNode}) {
                node.system().eventStream().tell(new EventStream.Publish<>(new ThisActorSystemQuarantinedEvent(local, by)));
            }
            // the first reason stays: had an earlier event stopped the node, the reason would name its sender
            assertEquals(Optional.of(new QuarantineWatch.QuarantinedReason(otherNode.address().toString())),
                    CoordinatedShutdown.get(node.system()).getShutdownReason());
            return null;
        });
        node.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
