package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.toolchain.Toolchains;
import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.Failed;
import io.troupe.booster.worker.SubWorkExecutor.Failure;
import io.troupe.booster.worker.SubWorkExecutor.Load;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker runs its own compiler for a toolchain key it holds and refuses a key it lacks. */
@Tag("process")
class WorkerToolchainsTest {

    @TempDir
    Path tmp;

    private ActorTestKit kit;

    @AfterEach
    void stop() {
        if (kit != null) {
            kit.shutdownTestKit();
        }
    }

    @Test
    void runsItsOwnBinaryForAHeldKeyAndRefusesAnotherKey() throws Exception {
        Path compiler = Files.createDirectories(tmp.resolve("bin")).resolve("cc");
        Files.writeString(compiler, "#!/bin/sh\ncase \"$1\" in\n  --version) echo 'cc (Test) 1.0';;\n"
                + "  -dumpmachine) echo x86_64-test-linux;;\n  *) echo \"own compiler ran $*\"; cat;;\nesac\n");
        Files.setPosixFilePermissions(compiler, PosixFilePermissions.fromString("rwxr-xr-x"));
        String key = Toolchains.keyOf(compiler).key();
        // "cc" is not on the allowlist: a keyed step runs the compiler the worker's own configuration chose
        kit = ActorTestKit.create("troupe", ConfigFactory.parseString("pekko.actor.serialize-messages = on\n"
                + "troupe.worker.allowlist = [sh]\ntroupe.worker.sandbox-root = \"" + tmp.resolve("sandboxes") + "\"")
                .withFallback(ConfigFactory.load()));
        ActorRef<SubWorkExecutor.Command> worker = kit.spawn(SubWorkExecutor.create(
                WorkerSettings.fromConfig(kit.system().settings().config().getConfig("troupe.worker")),
                List.of(compiler.toString())), "worker");

        TestProbe<Load> loads = kit.createTestProbe();
        loads.awaitAssert(Duration.ofSeconds(20), () -> {
            worker.tell(new SubWorkExecutor.GetLoad(loads.getRef()));
            assertEquals(List.of(key), loads.receiveMessage().toolchains());
            return null;
        });

        TestProbe<Reply> replies = kit.createTestProbe();
        worker.tell(new Execute("held", List.of(new Step("cc", SubWorkExecutor.TOOLCHAIN_PREFIX + key, List.of("-c", "x.i"),
                List.of(), List.of())), List.of(), 0, replies.getRef(), replies.getRef()));
        Reply held = replies.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertTrue(held instanceof Done, held.toString());
        Done done = (Done) held;
        assertEquals(0, done.results().get(0).exitCode());
        assertEquals("own compiler ran -c x.i\n", new String(done.results().get(0).stdout(), StandardCharsets.UTF_8));

        worker.tell(new Execute("other", List.of(new Step("cc", SubWorkExecutor.TOOLCHAIN_PREFIX
                + "(Other) 2.0 | x86_64-test-linux | sha256:00", List.of("-c", "x.i"), List.of(), List.of())), List.of(), 0,
                replies.getRef(), replies.getRef()));
        Reply other = replies.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertTrue(other instanceof Failed, other.toString());
        assertEquals(Failure.TOOLCHAIN_MISMATCH, ((Failed) other).failure());
        assertTrue(((Failed) other).message().startsWith("toolchain mismatch: worker ")
                && ((Failed) other).message().contains("does not hold toolchain (Other) 2.0"), ((Failed) other).message());

        // binding a keyed step to the worker's compiler keeps the step's stdin file
        worker.tell(new Execute("stdin", List.of(new Step("cc", SubWorkExecutor.TOOLCHAIN_PREFIX + key, List.of("-c", "-"),
                List.of(), List.of(), ".troupe-stdin")), List.of(new SubWorkExecutor.InputFile(".troupe-stdin",
                "int x;\n".getBytes(StandardCharsets.UTF_8), false)), 0, replies.getRef(), replies.getRef()));
        Reply fed = replies.expectMessageClass(Reply.class, Duration.ofSeconds(20));
        assertTrue(fed instanceof Done, fed.toString());
        assertEquals("own compiler ran -c -\nint x;\n",
                new String(((Done) fed).results().get(0).stdout(), StandardCharsets.UTF_8));
    }
}
