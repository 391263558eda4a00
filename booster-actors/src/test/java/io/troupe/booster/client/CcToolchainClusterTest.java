package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.TestClusters;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.GatewayProtocol;
import io.troupe.booster.handler.cc.CcHandler;
import io.troupe.booster.worker.SubWorkExecutor;
import io.troupe.booster.worker.WorkerSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -bt cc} across nodes: a worker whose gcc reports another version (a wrapper script) gets no compile; with
 * only that worker a compile cannot run remotely and says "toolchain mismatch"; a worker with the client's gcc
 * compiles, and its objects equal a local build's.
 */
@Tag("multinode")
class CcToolchainClusterTest {

    @TempDir
    Path tmp;

    private final List<ActorTestKit> kits = new ArrayList<>();

    @AfterEach
    void shutdown() {
        for (int i = kits.size() - 1; i >= 0; i--) {
            kits.get(i).shutdownTestKit();
        }
    }

    private ActorTestKit node(String role, String name, String extra) {
        ActorTestKit kit = ActorTestKit.create("troupe", TestClusters.node(role, tmp.resolve(name), List.of(), extra));
        kits.add(kit);
        return kit;
    }

    private static void join(ActorTestKit kit, ActorTestKit seed) {
        Cluster.get(kit.system()).manager().tell(Join.create(Cluster.get(seed.system()).selfMember().address()));
    }

    private static void awaitWorkers(ActorTestKit booster, int count) {
        TestClusters.awaitWorkers(booster, count, Duration.ofSeconds(30));
    }

    private ExecutorGateway.SubWorkReply compile(ActorTestKit booster, ActorRef<WorkActor.Command> work, Path dir,
            String object) {
        TestProbe<ExecutorGateway.SubWorkReply> reply = booster.createTestProbe();
        List<String> argv = List.of("gcc", "-O2", "-c", dir.resolve("unit.c").toString(), "-o", dir.resolve(object).toString());
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(argv, dir.toString(),
                Map.of("PATH", System.getenv("PATH")), reply.getRef())));
        return reply.expectMessageClass(ExecutorGateway.SubWorkReply.class, Duration.ofSeconds(60));
    }

    @Test
    void aWorkerWithAnotherCompilerVersionGetsNoCompile() throws Exception {
        Path marker = tmp.resolve("fake-gcc-ran");
        Path fake = Files.createDirectories(tmp.resolve("fake")).resolve("gcc");
        Files.writeString(fake, "#!/bin/sh\ncase \"$1\" in\n  --version) echo 'gcc (Fake) 99.0.0'; exit 0;;\n"
                + "  -dumpmachine) exec /usr/bin/gcc -dumpmachine;;\nesac\ntouch '" + marker + "'\nexec /usr/bin/gcc \"$@\"\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createDirectories(tmp.resolve("client"));
        Files.writeString(dir.resolve("unit.c"), "int twice(int x) { return 2 * x; }\n");

        ActorTestKit fakeWorker = node("worker", "w-fake", "troupe.worker.toolchains = [\"" + fake + "\"]");
        ActorTestKit booster = node("booster", "b", "troupe.booster.progress-interval = 500ms");
        fakeWorker.spawn(SubWorkExecutor.create(), "worker");
        join(fakeWorker, fakeWorker);
        join(booster, fakeWorker);
        awaitWorkers(booster, 1);

        // only the worker with the other gcc: the compile runs locally, and the summary says why
        WorkSettings localAllowed = new WorkSettings("cc", "cc-toolchain", "cct1", null, false, null, false, false,
                0, 2, 0, 30, List.of(), dir, Map.of("PATH", System.getenv("PATH")), null);
        TestProbe<WorkActor.Event> firstEvents = booster.createTestProbe();
        ActorRef<WorkActor.Command> first = booster.spawn(WorkActor.create(localAllowed, new CcHandler(),
                WorkActor.Launch.EXTERNAL, firstEvents.getRef()), "work-1");
        firstEvents.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(30));
        assertEquals(0, compile(booster, first, dir, "mismatch.o").exitCode());
        assertTrue(Files.exists(dir.resolve("mismatch.o")));
        first.tell(new WorkActor.WorkCommandExited(0));
        WorkActor.Summary summary = firstEvents.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(30)).summary();
        assertEquals(Map.of(FallbackReason.TOOLCHAIN_MISMATCH, 1), summary.fallbacks());
        assertTrue(summary.line().contains("toolchain mismatch 1"), summary.line());

        // --no_local, so a compile that cannot run remotely fails and says why
        WorkSettings settings = new WorkSettings("cc", "cc-toolchain", "cct", null, false, null, false, true,
                0, 2, 0, 30, List.of(), dir, Map.of("PATH", System.getenv("PATH")), null);
        TestProbe<WorkActor.Event> events = booster.createTestProbe();
        ActorRef<WorkActor.Command> work = booster.spawn(WorkActor.create(settings, new CcHandler(), WorkActor.Launch.EXTERNAL,
                events.getRef()), "work");
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(30));

        ExecutorGateway.SubWorkReply refused = compile(booster, work, dir, "refused.o");
        assertNotEquals(0, refused.exitCode());
        String why = new String(refused.stderr(), StandardCharsets.UTF_8);
        assertTrue(why.contains("toolchain mismatch"), why);

        // a second worker on the same node, holding the client's gcc
        fakeWorker.spawn(SubWorkExecutor.create(WorkerSettings.fromConfig(fakeWorker.system().settings().config()
                .getConfig("troupe.worker")), List.of("gcc")), "worker-real");
        awaitWorkers(booster, 2);
        TestProbe<Object> until = booster.createTestProbe();
        until.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(200), () -> {
            assertEquals(0, compile(booster, work, dir, "first.o").exitCode(), "the real worker has reported its gcc");
            return null;
        });
        for (int i = 0; i < 6; i++) {
            ExecutorGateway.SubWorkReply reply = compile(booster, work, dir, "remote-" + i + ".o");
            assertEquals(0, reply.exitCode(), new String(reply.stderr(), StandardCharsets.UTF_8));
        }
        // make -j hands every job but one a pipe nobody writes: a compile of a named file still goes remote
        TestProbe<ExecutorGateway.SubWorkReply> piped = booster.createTestProbe();
        work.tell(new WorkActor.SubWork(new ExecutorGateway.SubWorkArrived(List.of("gcc", "-O2", "-c",
                dir.resolve("unit.c").toString(), "-o", dir.resolve("piped.o").toString()), dir.toString(),
                Map.of("PATH", System.getenv("PATH")), new ExecutorGateway.Stdin(GatewayProtocol.StdinKind.PIPE, null),
                piped.getRef())));
        ExecutorGateway.SubWorkReply pipedReply = piped.expectMessageClass(ExecutorGateway.SubWorkReply.class,
                Duration.ofSeconds(60));
        assertEquals(0, pipedReply.exitCode(), new String(pipedReply.stderr(), StandardCharsets.UTF_8));
        assertTrue(Files.exists(dir.resolve("piped.o")));
        Process local = new ProcessBuilder("gcc", "-O2", "-c", "unit.c", "-o", "local.o").directory(dir.toFile()).start();
        assertTrue(local.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, local.exitValue());
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("local.o")), Files.readAllBytes(dir.resolve("remote-" + i + ".o")));
        }
        assertTrue(Files.notExists(marker), "the worker with the other gcc version compiled something");
    }
    @Test
    void withShippingOnTheClientsCompilerIsShippedToAWorkerThatLacksIt() throws Exception {
        Path marker = tmp.resolve("fake-gcc-ran");
        Path fake = Files.createDirectories(tmp.resolve("fake")).resolve("gcc");
        Files.writeString(fake, "#!/bin/sh\ncase \"$1\" in\n  --version) echo 'gcc (Fake) 99.0.0'; exit 0;;\n"
                + "  -dumpmachine) exec /usr/bin/gcc -dumpmachine;;\nesac\ntouch '" + marker + "'\nexec /usr/bin/gcc \"$@\"\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createDirectories(tmp.resolve("client"));
        Files.writeString(dir.resolve("unit.c"), "int twice(int x) { return 2 * x; }\n");

        ActorTestKit worker = node("worker", "w-fake", "troupe.worker.toolchains = [\"" + fake + "\"]\n"
                + "troupe.worker.accept-toolchains = on");
        ActorTestKit booster = node("booster", "b", "troupe.booster.ship-toolchains = on");
        worker.spawn(SubWorkExecutor.create(), "worker");
        join(worker, worker);
        join(booster, worker);
        awaitWorkers(booster, 1);

        // the first compile finds no worker with the client's gcc: it runs locally, and the gcc starts travelling
        WorkSettings localAllowed = new WorkSettings("cc", "cc-ship", "ccs1", null, false, null, false, false,
                0, 2, 0, 30, List.of(), dir, Map.of("PATH", System.getenv("PATH")), null);
        TestProbe<WorkActor.Event> firstEvents = booster.createTestProbe();
        ActorRef<WorkActor.Command> first = booster.spawn(WorkActor.create(localAllowed, new CcHandler(),
                WorkActor.Launch.EXTERNAL, firstEvents.getRef()), "work-1");
        firstEvents.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(30));
        assertEquals(0, compile(booster, first, dir, "before.o").exitCode());
        first.tell(new WorkActor.WorkCommandExited(0));
        WorkActor.Summary summary = firstEvents.expectMessageClass(WorkActor.Finished.class, Duration.ofSeconds(30)).summary();
        assertEquals(Map.of(FallbackReason.TOOLCHAIN_MISMATCH, 1), summary.fallbacks());

        // once it is installed, compiles run on that worker (--no_local: only a remote run succeeds)
        WorkSettings remoteOnly = new WorkSettings("cc", "cc-ship", "ccs2", null, false, null, false, true,
                0, 2, 0, 30, List.of(), dir, Map.of("PATH", System.getenv("PATH")), null);
        TestProbe<WorkActor.Event> events = booster.createTestProbe();
        ActorRef<WorkActor.Command> work = booster.spawn(WorkActor.create(remoteOnly, new CcHandler(),
                WorkActor.Launch.EXTERNAL, events.getRef()), "work-2");
        events.expectMessageClass(WorkActor.Ready.class, Duration.ofSeconds(30));
        TestProbe<Object> until = booster.createTestProbe();
        until.awaitAssert(Duration.ofSeconds(60), Duration.ofMillis(300), () -> {
            ExecutorGateway.SubWorkReply reply = compile(booster, work, dir, "shipped.o");
            assertEquals(0, reply.exitCode(), new String(reply.stderr(), StandardCharsets.UTF_8));
            return null;
        });
        Process local = new ProcessBuilder("gcc", "-O2", "-c", "unit.c", "-o", "local.o").directory(dir.toFile()).start();
        assertTrue(local.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, local.exitValue());
        assertArrayEquals(Files.readAllBytes(dir.resolve("local.o")), Files.readAllBytes(dir.resolve("shipped.o")));
        assertTrue(Files.notExists(marker), "the worker ran its own gcc of the other version");
    }
}
