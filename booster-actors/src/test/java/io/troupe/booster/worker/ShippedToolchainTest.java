package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.booster.cas.CasStreams;
import io.troupe.booster.cas.ContentStore;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.toolchain.ToolchainBundle;
import io.troupe.booster.toolchain.Toolchains;
import io.troupe.booster.worker.SubWorkExecutor.InputFile;
import io.troupe.booster.worker.SubWorkExecutor.InstallReply;
import io.troupe.booster.worker.SubWorkExecutor.InstallToolchain;
import io.troupe.booster.worker.SubWorkExecutor.ToolchainInstalled;
import io.troupe.booster.worker.SubWorkExecutor.ToolchainNeeds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A toolchain shipped to a worker that lacks it: the bundle holds the driver, its programs, their libraries and
 * loader; the worker installs it from its content store, answers with the key, compiles with it (the object equals
 * a local compile's), keeps it across a restart, and refuses a bundle whose driver is not the key's.
 */
@Tag("process")
class ShippedToolchainTest {

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
    void theBundleHoldsTheDriverItsProgramsTheirLibrariesAndTheLoader() throws Exception {
        Path gcc = Path.of("/usr/bin/gcc").toRealPath();
        ToolchainBundle bundle = ToolchainBundle.of(Path.of("/usr/bin/gcc"));
        assertEquals(ToolchainBundle.ROOT + gcc, bundle.driver());
        Set<String> paths = bundle.files().stream().map(InputFile::path).collect(Collectors.toSet());
        String cc1 = run("gcc", "-print-prog-name=cc1").strip();
        assertTrue(paths.contains(ToolchainBundle.ROOT + cc1), paths.toString());
        assertTrue(paths.contains(ToolchainBundle.ROOT + Path.of(cc1).resolveSibling("as")), "as beside cc1: " + paths);
        assertTrue(paths.contains(ToolchainBundle.LIB + "/libc.so.6"), paths.toString());
        assertTrue(bundle.interpreter().startsWith("/") && Files.exists(Path.of(bundle.interpreter())), bundle.interpreter());
        assertTrue(paths.contains(ToolchainBundle.LOADER + "/" + Path.of(bundle.interpreter()).getFileName()), paths.toString());
        for (InputFile file : bundle.files()) {
            Path local = bundle.localFiles().get(file.digest());
            assertEquals(Digests.of(local), file.digest(), file.path());
            assertEquals(Files.size(local), file.size(), file.path());
        }
        InputFile driver = bundle.files().stream().filter(f -> f.path().equals(bundle.driver())).findFirst().orElseThrow();
        assertTrue(Toolchains.keyOf(gcc).key().endsWith("sha256:" + driver.digest()));
    }

    @Test
    void aWorkerInstallsAShippedToolchainCompilesWithItAndKeepsIt() throws Exception {
        Path fake = Files.createDirectories(tmp.resolve("bin")).resolve("gcc");
        Files.writeString(fake, "#!/bin/sh\ncase \"$1\" in\n  --version) echo 'gcc (Fake) 99.0.0';;\n"
                + "  -dumpmachine) echo x86_64-linux-gnu;;\n  *) echo 'the fake gcc ran' >&2; exit 3;;\nesac\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        String key = Toolchains.keyOf(Path.of("/usr/bin/gcc")).key();
        ToolchainBundle bundle = ToolchainBundle.of(Path.of("/usr/bin/gcc"));
        WorkerSettings settings = startKit(true);
        ActorRef<SubWorkExecutor.Command> worker = kit.spawn(SubWorkExecutor.create(settings, List.of(fake.toString())),
                "worker");
        TestProbe<InstallReply> installs = kit.createTestProbe();

        // a driver whose digest is not the key's is refused before anything is sent
        String otherKey = key.substring(0, key.lastIndexOf("sha256:") + 7) + "0".repeat(64);
        worker.tell(new InstallToolchain("bad", otherKey, bundle.driver(), bundle.interpreter(), bundle.files(), installs.getRef()));
        ToolchainInstalled refused = installs.expectMessageClass(ToolchainInstalled.class, Duration.ofSeconds(20));
        assertTrue(refused.error() != null && refused.error().contains("has another digest"), String.valueOf(refused.error()));

        worker.tell(new InstallToolchain("ship", key, bundle.driver(), bundle.interpreter(), bundle.files(), installs.getRef()));
        ToolchainNeeds needs = installs.expectMessageClass(ToolchainNeeds.class, Duration.ofSeconds(20));
        assertEquals(bundle.localFiles().keySet(), Set.copyOf(needs.missing()));
        upload(worker, bundle, needs.missing());
        // two boosters ship it at once: both are answered by the one install
        TestProbe<InstallReply> otherBooster = kit.createTestProbe();
        worker.tell(new InstallToolchain("ship", key, bundle.driver(), bundle.interpreter(), bundle.files(), installs.getRef()));
        worker.tell(new InstallToolchain("ship-too", key, bundle.driver(), bundle.interpreter(), bundle.files(),
                otherBooster.getRef()));
        ToolchainInstalled installed = installs.expectMessageClass(ToolchainInstalled.class, Duration.ofSeconds(60));
        assertNull(installed.error());
        ToolchainInstalled alsoInstalled = otherBooster.expectMessageClass(ToolchainInstalled.class, Duration.ofSeconds(60));
        assertEquals("ship-too", alsoInstalled.installId());
        assertNull(alsoInstalled.error());
        TestProbe<SubWorkExecutor.Load> loads = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.GetLoad(loads.getRef()));
        assertTrue(loads.receiveMessage(Duration.ofSeconds(20)).toolchains().contains(key));

        // a compile with the shipped gcc equals the local one
        Path dir = Files.createDirectories(tmp.resolve("unit"));
        Files.writeString(dir.resolve("x.c"), "static int t[4] = {1, 2, 3, 4};\nint f(int i) { return t[i & 3] * 7; }\n");
        assertEquals("", run(dir, "gcc", "-O2", "-E", "x.c", "-o", "x.i"));
        assertEquals("", run(dir, "gcc", "-O2", "-c", "x.i", "-o", "local.o"));
        TestProbe<SubWorkExecutor.Reply> replies = kit.createTestProbe();
        worker.tell(new SubWorkExecutor.Execute("compile", List.of(new SubWorkExecutor.Step("gcc",
                SubWorkExecutor.TOOLCHAIN_PREFIX + key, List.of("-O2", "-c", "x.i", "-o", "x.o"), List.of(), List.of("x.o"))),
                List.of(new InputFile("x.i", Files.readAllBytes(dir.resolve("x.i")), false)), 0, replies.getRef(),
                replies.getRef()));
        SubWorkExecutor.Reply reply = replies.expectMessageClass(SubWorkExecutor.Reply.class, Duration.ofSeconds(60));
        assertTrue(reply instanceof SubWorkExecutor.Done, reply.toString());
        SubWorkExecutor.StepResult result = ((SubWorkExecutor.Done) reply).results().get(0);
        assertEquals(0, result.exitCode(), new String(result.stderr(), StandardCharsets.UTF_8));
        assertArrayEquals(Files.readAllBytes(dir.resolve("local.o")), result.files().get(0).bytes());

        // a worker started later on the same directories holds it without another shipping
        ActorRef<SubWorkExecutor.Command> again = kit.spawn(SubWorkExecutor.create(settings, List.of(fake.toString())),
                "worker-again");
        loads.awaitAssert(Duration.ofSeconds(20), () -> {
            again.tell(new SubWorkExecutor.GetLoad(loads.getRef()));
            assertTrue(loads.receiveMessage().toolchains().contains(key));
            return null;
        });
        Path home = ShippedToolchains.dirOf(settings.sandboxRoot());
        try (var entries = Files.list(home)) {
            assertEquals(1, entries.count(), "one directory per key in " + home);
        }
    }

    @Test
    void aWorkerRefusesShippedToolchainsUnlessItsOperatorAcceptsThem() throws Exception {
        String key = Toolchains.keyOf(Path.of("/usr/bin/gcc")).key();
        ToolchainBundle bundle = ToolchainBundle.of(Path.of("/usr/bin/gcc"));
        WorkerSettings settings = startKit(false);
        ActorRef<SubWorkExecutor.Command> worker = kit.spawn(SubWorkExecutor.create(settings,
                List.of(tmp.resolve("none").toString())), "worker");
        TestProbe<InstallReply> installs = kit.createTestProbe();
        worker.tell(new InstallToolchain("ship", key, bundle.driver(), bundle.interpreter(), bundle.files(), installs.getRef()));
        ToolchainInstalled refused = installs.expectMessageClass(ToolchainInstalled.class, Duration.ofSeconds(20));
        assertTrue(refused.error() != null && refused.error().contains("troupe.worker.accept-toolchains = off"),
                String.valueOf(refused.error()));
        assertTrue(Files.notExists(ShippedToolchains.dirOf(tmp.resolve("sandboxes"))));
    }

    @Test
    void aLoaderOtherThanTheWorkersIsRefusedWhereSubWorksSwitchUser() throws Exception {
        String key = Toolchains.keyOf(Path.of("/usr/bin/gcc")).key();
        ToolchainBundle bundle = ToolchainBundle.of(Path.of("/usr/bin/gcc"));
        WorkerSettings settings = startKit(true);
        org.junit.jupiter.api.Assumptions.assumeTrue(SandboxLauncher.of(settings).sandboxUser() != null,
                "the worker switches users only when it runs as root");
        // another build of the loader: its bytes differ from the worker's
        String loaderPath = ToolchainBundle.LOADER + "/" + Path.of(bundle.interpreter()).getFileName();
        Path other = tmp.resolve("ld-other.so");
        Files.write(other, Files.readAllBytes(Path.of(bundle.interpreter()).toRealPath()));
        Files.write(other, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
        List<InputFile> files = new ArrayList<>();
        java.util.Map<String, Path> locals = new java.util.HashMap<>(bundle.localFiles());
        for (InputFile file : bundle.files()) {
            files.add(file.path().equals(loaderPath)
                    ? InputFile.byDigest(loaderPath, Digests.of(other), Files.size(other), true) : file);
        }
        locals.put(Digests.of(other), other);
        ToolchainBundle changed = new ToolchainBundle(bundle.driver(), bundle.interpreter(), files, locals);
        ActorRef<SubWorkExecutor.Command> worker = kit.spawn(SubWorkExecutor.create(settings,
                List.of(tmp.resolve("none").toString())), "worker");
        TestProbe<InstallReply> installs = kit.createTestProbe();
        worker.tell(new InstallToolchain("ship", key, changed.driver(), changed.interpreter(), changed.files(), installs.getRef()));
        upload(worker, changed, installs.expectMessageClass(ToolchainNeeds.class, Duration.ofSeconds(20)).missing());
        worker.tell(new InstallToolchain("ship", key, changed.driver(), changed.interpreter(), changed.files(), installs.getRef()));
        ToolchainInstalled refused = installs.expectMessageClass(ToolchainInstalled.class, Duration.ofSeconds(60));
        assertTrue(refused.error() != null && refused.error().contains("its loader differs from this worker's"),
                String.valueOf(refused.error()));
        try (var entries = Files.list(ShippedToolchains.dirOf(settings.sandboxRoot()))) {
            assertEquals(0, entries.count(), "nothing is left of the refused install");
        }
    }

    @Test
    void anInstallUnderWayElsewhereThatNeverFinishesIsReportedAndThisCopyRemoved() throws Exception {
        OtherInstall other = otherInstallUnderWay(Duration.ofMillis(300), () -> Thread.sleep(20));

        IOException failure = assertThrows(IOException.class, () -> other.shipped.install(other.request));
        assertTrue(failure.getMessage().contains("is being made by another install, which did not finish within"),
                failure.getMessage());
        try (var entries = Files.list(other.dir)) {
            assertEquals(List.of(other.target), entries.toList(), "this install's own copy is gone, the other's is kept");
        }
        assertTrue(Files.exists(other.target.resolve("bin/partial")));
    }

    @Test
    void anInstallUnderWayElsewhereIsWaitedForAndItsDriverUsed() throws Exception {
        Path[] target = new Path[1];
        int[] pauses = {0};
        OtherInstall other = otherInstallUnderWay(Duration.ofSeconds(60), () -> {
            // the other worker's driver has answered: it writes its key file last
            if (pauses[0]++ == 1) {
                write(target[0].resolve("toolchain.driver"), "bin/gcc");
                write(target[0].resolve("toolchain.key"), "its key");
            }
        });
        target[0] = other.target;

        assertEquals(other.target.resolve("bin/gcc"), other.shipped.install(other.request));
        assertEquals(2, pauses[0], "it waited until the other install's key file was there");
        try (var entries = Files.list(other.dir)) {
            assertEquals(List.of(other.target), entries.toList(), "this install's own copy is gone");
        }
        assertTrue(Files.exists(other.target.resolve("bin/partial")), "the other install's directory is kept");
    }

    @Test
    void anInstallElsewhereThatFailsIsReplacedByThisOne() throws Exception {
        Path[] target = new Path[1];
        OtherInstall other = otherInstallUnderWay(Duration.ofSeconds(60), () -> {
            // the other worker's driver answered wrongly: it removes its directory
            try {
                io.troupe.booster.FileTrees.deleteTree(target[0]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        target[0] = other.target;

        assertEquals(other.target.resolve("bin/gcc"), other.shipped.install(other.request));
        assertEquals(other.request.key(), Files.readString(other.target.resolve("toolchain.key")),
                "this install's copy took the other's place and its driver answered with the key");
        assertTrue(Files.notExists(other.target.resolve("bin/partial")));
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void oldLeftoversOfInstallsAreRemovedWhenAWorkerStartsAndYoungOnesKept() throws Exception {
        WorkerSettings settings = startKit(true);
        SandboxLauncher launcher = SandboxLauncher.of(settings);
        org.junit.jupiter.api.Assumptions.assumeTrue(launcher.namespaced(), "shipped toolchains need bubblewrap");
        Path dir = ShippedToolchains.dirOf(settings.sandboxRoot());
        Path crashed = Files.createDirectories(dir.resolve(".installing-123"));
        Files.writeString(Files.createDirectories(crashed.resolve("root/bin")).resolve("gcc"), "");
        Files.setLastModifiedTime(crashed, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - TimeUnit.MINUTES.toMillis(11)));
        Path underWay = Files.createDirectories(dir.resolve(".removing-abc-456"));
        ShippedToolchains shipped = new ShippedToolchains(settings.sandboxRoot(),
                ContentStore.open(tmp.resolve("cas"), 1 << 30), launcher);

        assertEquals(java.util.Map.of(), shipped.installed());
        assertTrue(Files.notExists(crashed), "an install's copy left by a crash 11 minutes ago is removed");
        assertTrue(Files.exists(underWay), "another worker's removal under way is left to it");
    }

    /** Another worker on the same sandbox root (tmp/sandboxes) is filling the directory of {@link #request}'s key. */
    private record OtherInstall(ShippedToolchains shipped, InstallToolchain request, Path dir, Path target) {}

    private OtherInstall otherInstallUnderWay(Duration wait, ShippedToolchains.Pause pause) throws Exception {
        WorkerSettings settings = startKit(true);
        SandboxLauncher launcher = SandboxLauncher.of(settings);
        org.junit.jupiter.api.Assumptions.assumeTrue(launcher.namespaced(), "shipped toolchains need bubblewrap");
        ContentStore store = ContentStore.open(tmp.resolve("cas"), 1 << 30);
        Path script = Files.writeString(tmp.resolve("gcc"),
                "#!/bin/sh\ncase \"$1\" in --version) echo 'gcc (Fake) 1.0' ;; *) echo x86_64-linux-gnu ;; esac\n");
        Digests.Sized stored = store.putFile(script);
        String key = new io.troupe.booster.toolchain.ToolchainKey("(Fake) 1.0", "x86_64-linux-gnu", stored.digest()).key();
        ShippedToolchains shipped = new ShippedToolchains(settings.sandboxRoot(), store, launcher, wait, pause);
        Path dir = ShippedToolchains.dirOf(settings.sandboxRoot());
        Path target = dir.resolve(Digests.of(key.getBytes(StandardCharsets.UTF_8)).substring(0, 32));
        Files.createDirectories(target.resolve("bin"));
        Files.writeString(target.resolve("bin/partial"), "");
        InstallToolchain request = new InstallToolchain("ship", key, "bin/gcc", null,
                List.of(InputFile.byDigest("bin/gcc", stored.digest(), stored.size(), true)),
                kit.<InstallReply>createTestProbe().getRef());
        return new OtherInstall(shipped, request, dir, target);
    }

    /** Starts {@link #kit} with a worker's settings under {@code tmp/sandboxes}; the settings it made. */
    private WorkerSettings startKit(boolean acceptToolchains) {
        kit = ActorTestKit.create("troupe", ConfigFactory.parseString("pekko.actor.serialize-messages = on\n"
                + "troupe.worker.accept-toolchains = " + (acceptToolchains ? "on" : "off") + "\n"
                + "troupe.worker.sandbox-root = \"" + tmp.resolve("sandboxes") + "\"").withFallback(ConfigFactory.load()));
        return WorkerSettings.fromConfig(kit.system().settings().config().getConfig("troupe.worker"));
    }

    private void upload(ActorRef<SubWorkExecutor.Command> worker, ToolchainBundle bundle, List<String> missing) {
        TestProbe<SubWorkExecutor.OfferReply> offers = kit.createTestProbe();
        List<SubWorkExecutor.Blob> blobs = new ArrayList<>();
        List<CasStreams.LocalBlob> locals = new ArrayList<>();
        for (String digest : missing) {
            long size = bundle.files().stream().filter(f -> f.digest().equals(digest)).findFirst().orElseThrow().size();
            blobs.add(new SubWorkExecutor.Blob(digest, size));
            locals.add(new CasStreams.LocalBlob(digest, bundle.localFiles().get(digest)));
        }
        worker.tell(new SubWorkExecutor.Offer("ship", blobs, offers.getRef()));
        SubWorkExecutor.UploadTo to = offers.expectMessageClass(SubWorkExecutor.UploadTo.class, Duration.ofSeconds(20));
        assertNotNull(to.sink(), to.error());
        CasStreams.ofFiles(locals).to(to.sink().getSink()).run(Materializer.matFromSystem(kit.system()));
        SubWorkExecutor.Uploaded uploaded = offers.expectMessageClass(SubWorkExecutor.Uploaded.class, Duration.ofSeconds(60));
        assertNull(uploaded.error());
    }

    private static String run(String... argv) throws Exception {
        return run(Path.of("."), argv);
    }

    private static String run(Path dir, String... argv) throws Exception {
        Process process = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}
