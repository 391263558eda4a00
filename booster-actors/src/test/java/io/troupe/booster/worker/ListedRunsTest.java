package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GetLoad's list of running sub-works (what {@code /workers} shows) stops at 64; the count does not. */
class ListedRunsTest {

    private static final int RUNNING = SubWorkExecutor.MAX_LISTED_RUNS + 6;

    @TempDir
    Path tmp;

    private ActorTestKit kit;

    @AfterEach
    void stop() throws Exception {
        Files.writeString(tmp.resolve("done"), ""); // a failed assertion still ends the runs
        if (kit != null) {
            kit.shutdownTestKit();
        }
    }

    @Test
    void seventyRunningSubWorksAreCountedAndTheOldest64Listed() throws Exception {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        TestClusters.WorkerNode node = TestClusters.worker(tmp.resolve("sandboxes"), List.of("sh"),
                "troupe.worker.slots = " + RUNNING + "\ntroupe.worker.queue-size = 1\ntroupe.worker.timeout = 60s\n"
                        + "troupe.worker.heartbeat-interval = 0s\ntroupe.worker.sandbox.bubblewrap = off");
        kit = node.kit();
        TestProbe<Reply> replies = kit.createTestProbe();
        String wait = "while [ ! -e " + tmp.resolve("done") + " ]; do sleep 0.05; done";
        for (int i = 1; i <= RUNNING; i++) {
            Step step = new Step("sh", null, List.of("-c", wait), List.of(), List.of());
            node.worker().tell(new Execute("listed-" + i + "#1", List.of(step), List.of(), 60_000, replies.getRef(),
                    replies.getRef()));
        }
        TestProbe<SubWorkExecutor.Load> loads = kit.createTestProbe();
        SubWorkExecutor.Load load = loads.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(100), () -> {
            node.worker().tell(new SubWorkExecutor.GetLoad(loads.getRef()));
            SubWorkExecutor.Load l = loads.receiveMessage();
            assertEquals(RUNNING, l.running(), l.toString());
            return l;
        });
        assertEquals(SubWorkExecutor.MAX_LISTED_RUNS, load.runs().size(), load.toString());
        Set<String> ids = new HashSet<>();
        long previous = 0;
        for (SubWorkExecutor.Run run : load.runs()) {
            assertTrue(run.sinceMs() >= previous, "oldest first: " + load.runs());
            previous = run.sinceMs();
            assertTrue(run.subWorkId().startsWith("listed-") && ids.add(run.subWorkId()), run.toString());
            assertEquals("sh", run.command());
        }
        Files.writeString(tmp.resolve("done"), "");
        for (int i = 0; i < RUNNING; i++) {
            Reply reply = replies.expectMessageClass(Reply.class, Duration.ofSeconds(30));
            assertTrue(reply instanceof SubWorkExecutor.Done done && done.results().get(0).exitCode() == 0, reply.toString());
        }
    }
}
