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
 * A node another node quarantined stops, naming it; a booster's quarantine is only logged. Two real members (the
 * node and a booster) on loopback; the quarantine events are published as Artery publishes them.
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

    @AfterEach
    void stop() {
        booster.shutdownTestKit();
        node.shutdownTestKit();
    }

    private static UniqueAddress unique(Address address) {
        return new UniqueAddress(address, 1L);
    }

    @Test
    void aNodesQuarantineStopsTheNodeAndABoostersIsOnlyLogged() throws Exception {
        Cluster cluster = Cluster.get(node.system());
        Address self = cluster.selfMember().address();
        cluster.manager().tell(Join.create(self));
        Cluster.get(booster.system()).manager().tell(Join.create(self));
        Address boosterAddress = Cluster.get(booster.system()).selfMember().address();
        node.createTestProbe().awaitAssert(Duration.ofSeconds(20), () -> {
            assertEquals(2, java.util.stream.StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
                    .filter(m -> m.status() == MemberStatus.up()).count(), "both members Up");
            return null;
        });
        node.spawn(QuarantineWatch.create(), "quarantine-watch");
        Address otherNode = new Address("pekko", "troupe", "127.0.0.1", 1);
        // the subscription is made as the watch starts: publish until the node's quarantine is seen
        node.createTestProbe().awaitAssert(Duration.ofSeconds(10), () -> {
            node.system().eventStream().tell(new EventStream.Publish<>(
                    new ThisActorSystemQuarantinedEvent(unique(self), unique(boosterAddress))));
            node.system().eventStream().tell(new EventStream.Publish<>(
                    new ThisActorSystemQuarantinedEvent(unique(self), unique(otherNode))));
            // the first reason stays: had the booster's stopped the node, it would name the booster
            assertEquals(Optional.of(new QuarantineWatch.QuarantinedReason(otherNode.toString())),
                    CoordinatedShutdown.get(node.system()).getShutdownReason());
            return null;
        });
        node.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
