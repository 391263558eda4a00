package io.troupe.module.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The one wait every reload handler does: the version, the reload's own error, or one clear timeout message. */
class ReloadAskTest {
    static ActorTestKit kit;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.serialize-messages = on"));
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    record Answer(boolean ok, String version, String error) implements ReloadAsk.Outcome, NoSerializationVerificationNeeded {}

    record Ask(ActorRef<Answer> replyTo) implements NoSerializationVerificationNeeded {}

    @Test
    void anActorThatNeverAnswersGivesOneMessageNamingTheReload() {
        ActorRef<Ask> silent = kit.spawn(Behaviors.ignore());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ReloadAsk.<Ask, Answer>reloadAndWait(
                "mod_block", silent, Ask::new, kit.scheduler(), Duration.ofMillis(300)));
        assertEquals("reload mod_block: no answer within 300 ms; the old config keeps serving", e.getMessage());
    }

    @Test
    void theVersionOrTheReloadsOwnError() throws Exception {
        ActorRef<Ask> good = kit.spawn(Behaviors.receiveMessage(a -> {
            a.replyTo().tell(new Answer(true, "v7", null));
            return Behaviors.same();
        }));
        assertEquals("v7", ReloadAsk.<Ask, Answer>reloadAndWait("mod_block", good, Ask::new, kit.scheduler(),
                Duration.ofSeconds(10)));
        ActorRef<Ask> bad = kit.spawn(Behaviors.receiveMessage(a -> {
            a.replyTo().tell(new Answer(false, null, "block.data: Version: is empty"));
            return Behaviors.same();
        }));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReloadAsk.<Ask, Answer>reloadAndWait(
                "mod_block", bad, Ask::new, kit.scheduler(), Duration.ofSeconds(10)));
        assertEquals("block.data: Version: is empty", e.getMessage());
    }

    @Test
    void wholeSecondsAreSaidInSeconds() {
        assertEquals("10 s", ReloadAsk.describe(Duration.ofSeconds(10)));
        assertEquals("1500 ms", ReloadAsk.describe(Duration.ofMillis(1500)));
    }
}
