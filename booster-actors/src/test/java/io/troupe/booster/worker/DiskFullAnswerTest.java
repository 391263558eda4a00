package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A step that fails because the worker's disk is full is the worker's fault (IO_ERROR: the booster runs it
 * elsewhere), while any other non-zero exit stays the command's own result. DiskFullIT fills a real tmpfs.
 */
class DiskFullAnswerTest {

    private static ActorTestKit kit;
    private static ActorRef<SubWorkExecutor.Command> worker;

    @BeforeAll
    static void start() throws Exception {
        Path root = Files.createTempDirectory("troupe-diskfull-test-");
        // passable for the sandbox user when the test runs as root
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        TestClusters.WorkerNode node = TestClusters.worker(root.resolve("sandboxes"), List.of("sh"),
                "troupe.worker.heartbeat-interval = 0s\ntroupe.worker.sandbox.bubblewrap = off");
        kit = node.kit();
        worker = node.worker();
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static Reply run(String id, String script) {
        TestProbe<Reply> probe = kit.createTestProbe();
        worker.tell(new Execute(id, List.of(new Step("sh", null, List.of("-c", script), List.of(), List.of())),
                List.of(), 0, probe.getRef(), probe.getRef()));
        return probe.expectMessageClass(Reply.class, Duration.ofSeconds(20));
    }

    @Test
    void noSpaceLeftIsTheWorkersFault() {
        Reply reply = run("full", "echo \"head: error writing 'out': No space left on device\" >&2; exit 1");
        assertTrue(reply instanceof Failed, reply.toString());
        Failed failed = (Failed) reply;
        assertEquals(Failure.IO_ERROR, failed.failure(), failed.message());
        assertTrue(failed.message().contains("full sandbox file system"), failed.message());
    }

    @Test
    void anyOtherFailureIsTheCommandsResult() {
        Reply reply = run("plain", "echo 'error: x.c:1: expected ;' >&2; exit 1");
        assertTrue(reply instanceof Done, reply.toString());
        assertEquals(1, ((Done) reply).results().get(0).exitCode());
    }
}
