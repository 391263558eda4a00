package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.remote.UniqueAddress;
import org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node another member quarantined stops, with the quarantiner in its shutdown reason. */
class QuarantineWatchTest {
    private final ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString(
            "pekko.coordinated-shutdown.exit-jvm = off\npekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n"
            + "pekko.fail-mixed-versions = off")
            .withFallback(ConfigFactory.load()));

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    private static UniqueAddress address(int port) {
        return new UniqueAddress(new Address("pekko", "troupe", "127.0.0.1", port), port);
    }

    @Test
    void beingQuarantinedStopsTheNodeNamingWhoQuarantinedIt() throws Exception {
        kit.spawn(QuarantineWatch.create(), "quarantine-watch");
        // the subscription is made in setup: wait until the watch runs before the event is published
        kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
            kit.system().eventStream().tell(new EventStream.Publish<>(
                    new ThisActorSystemQuarantinedEvent(address(25520), address(25521))));
            assertEquals(Optional.of(new QuarantineWatch.QuarantinedReason("pekko://troupe@127.0.0.1:25521")),
                    CoordinatedShutdown.get(kit.system()).getShutdownReason());
            return null;
        });
        // the whole node stops (CoordinatedShutdown's last phase terminates the actor system)
        kit.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
