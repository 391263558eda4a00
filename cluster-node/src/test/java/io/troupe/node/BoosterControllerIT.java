package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/booster --cluster} with real processes, which runs its work through a controller by default
 * (docs/booster-execution.md, "Controller"): a one-node cluster with a worker, the native {@code booster-client},
 * and the controller JVM it starts. The second work (with {@code --controller}, the same) finds the
 * controller joined and its worker known, so its one sub-work runs remotely at once; {@code --no_controller} runs
 * a work in the booster's own JVM and starts no controller; a down seed holds neither the command nor its sub-works,
 * which run locally; the build's own stdout,
 * stderr and exit code come through the client; a killed client takes its build with it; a killed controller
 * leaves the build running, its sub-works local; an idle controller leaves; args that do not parse, and a cluster
 * TLS directory without its keys, fail at once.
 */
@Tag("process")
class BoosterControllerIT {
    private static final Duration NODE_START = Duration.ofSeconds(60);
    private static final Duration BOOSTER_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern LISTENING = Pattern.compile("controller: listening on \\S+ \\(pid (\\d+)\\)");
    private final Path repo = ProcessNodes.REPO;
    private final Path pluginJar = ProcessNodes.CAT_PLUGIN_JAR;

    @TempDir
    Path tmp;
    @RegisterExtension
    final ProcessNodes nodes = new ProcessNodes(() -> tmp);
    private Path runtimeDir;
    private String cluster;
    private int boosters;

    @BeforeEach
    void startCluster() throws Exception {
        assertTrue(Files.isRegularFile(pluginJar), "example plugin not built: " + pluginJar);
        assertTrue(Files.isExecutable(repo.resolve("cluster-node/target/troupe/lib/booster-client")),
                "no lib/booster-client in the distribution (it needs a C compiler at build time)");
        runtimeDir = Files.createDirectory(tmp.resolve("run"));
        // one host plays client and worker: the remote cat reads the test's own file, which the worker sandbox
        // (another user, bubblewrap; docs/security.md) would hide
        ProcessNodes.Node node = nodes.node("node").roles("worker").port(TestNodes.freePort()).seeds(List.of())
                .env("TROUPE_NODE_JAVA_OPTS", "-Dtroupe.worker.sandbox.user=root -Dtroupe.worker.sandbox.allow-root=true"
                        + " -Dtroupe.worker.sandbox.bubblewrap=off").start();
        nodes.awaitMembers(node, 1, NODE_START, node);
        cluster = node.seed();
    }

    /** Controllers are no children of the test: each one that started is killed here, whatever the test did. */
    @AfterEach
    void stopControllers() {
        Matcher matcher = LISTENING.matcher(controllerLog());
        while (matcher.find()) {
            ProcessHandle.of(Long.parseLong(matcher.group(1))).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aSecondWorkFindsTheControllerJoinedAndItsOutputAndExitCodeComeThroughTheClient() throws Exception {
        String content = "read on a Troupe worker " + System.nanoTime() + "\n";
        Path file = tmp.resolve("hello.txt");
        Files.writeString(file, content);
        String command = "cat " + file + "; echo to-stderr >&2; exit 3";

        Run first = booster(command, "--controller_remain_time", "3");
        assertEquals(3, first.exitCode, first.describe());
        assertTrue(first.stdout.contains(content), first.describe());
        assertTrue(first.stderr.contains("to-stderr") && first.stderr.contains("[booster] total 1,"), first.describe());
        long controller = controllerPid();
        nodes.await("the controller knows the worker", NODE_START, () -> controllerLog().contains("controller: workers known: 1"));

        Run second = booster(command, "--controller", "--controller_remain_time", "3");
        assertEquals(3, second.exitCode, second.describe());
        assertTrue(second.stdout.contains(content) && !second.stdout.contains("[booster]"), second.describe());
        // joined and its worker known before the work began: the one sub-work went to the worker at once
        assertTrue(second.stderr.contains("total 1, remote ok 1, local fallback 0, failed 0, workers used 1"),
                second.describe() + controllerLog());
        assertEquals(controller, controllerPid(), "the second work was run by the first's controller" + controllerLog());

        // --local: this controller does not run it; the booster runs without one, the same way
        Run local = booster(command, "--local", "--check_md5");
        assertEquals(3, local.exitCode, local.describe());
        assertTrue(local.stdout.contains(content) && local.stderr.contains("remote ok 0"), local.describe());
        // the booster that ran it notes the TBS flag; the controller that declined it kept its own note back
        assertEquals(1, local.stderr.split("--check_md5 has no effect", -1).length - 1, local.describe());

        // idle for --controller_remain_time: it leaves the cluster and removes its socket
        nodes.await("the idle controller leaves", Duration.ofSeconds(60),
                () -> ProcessHandle.of(controller).isEmpty() && controllerLog().contains("controller: leaving (idle)"));
        try (Stream<Path> left = Files.list(controllerDir())) {
            assertFalse(left.anyMatch(path -> path.toString().endsWith(".sock")), controllerLog());
        }
    }

    @Test
    void twoWorksAtOnceThroughOneControllerEachGetTheirOwnExitCodeAndOutput() throws Exception {
        String content = "read by two works at once " + System.nanoTime() + "\n";
        Path file = tmp.resolve("both.txt");
        Files.writeString(file, content);
        // the first work starts the controller; the second starts once the first runs
        Path started = tmp.resolve("started");
        Path go = tmp.resolve("go");
        String slowName = "booster-" + boosters;
        Process slow = startGated(file, started, go, 5);
        nodes.await("the slow work's first cat", BOOSTER_TIMEOUT, () -> Files.exists(started));
        Run quick = booster("cat " + file + "; exit 3");
        // the quick work ended first: its end must not end the slow one, nor the slow one get its exit code
        assertEquals(3, quick.exitCode, quick.describe());
        assertTrue(quick.stdout.contains(content) && quick.stderr.contains("[booster] total 1,"), quick.describe());
        assertTrue(slow.isAlive(), "the slow work still runs after the quick one ended\n" + run(-1, slowName).describe()
                + controllerLog());
        Files.createFile(go);
        int exit = ProcessNodes.awaitExit(slow, BOOSTER_TIMEOUT, "slow booster", () -> "\n" + run(-1, slowName).describe());
        Run slowRun = run(exit, slowName);
        assertEquals(5, slowRun.exitCode, slowRun.describe() + controllerLog());
        assertEquals(content + content, slowRun.stdout, slowRun.describe());
        assertTrue(slowRun.stderr.contains("[booster] total 2,") && !slowRun.stderr.contains("internal error"),
                slowRun.describe());
        controllerPid();
    }

    @Test
    void noControllerRunsTheWorkInTheBoostersOwnJvmAndStartsNone() throws Exception {
        String content = "read without a controller " + System.nanoTime() + "\n";
        Path file = tmp.resolve("own.txt");
        Files.writeString(file, content);
        Run run = booster("cat " + file + "; exit 4", "--no_controller");
        assertEquals(4, run.exitCode, run.describe());
        assertTrue(run.stdout.contains(content) && run.stderr.contains("[booster] total 1,"), run.describe());
        try (Stream<Path> dirs = Files.list(runtimeDir)) {
            assertEquals(List.of(), dirs.toList(), "no controller socket, lock or log" + controllerLog());
        }
    }

    @Test
    void aDownSeedHoldsNeitherTheControllersFirstCommandNorItsSubWorks() throws Exception {
        String content = "read with the seed down " + System.nanoTime() + "\n";
        Path file = tmp.resolve("down.txt");
        Files.writeString(file, content);
        String dead;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            dead = "127.0.0.1:" + free.getLocalPort(); // closed again: nobody answers there
        }
        String name = "booster-" + boosters;
        long start = System.nanoTime();
        Process process = startBoosterAt(dead, "cat " + file + "; cat " + file);
        int exit = ProcessNodes.awaitExit(process, BOOSTER_TIMEOUT, "booster against a down seed",
                () -> "\n" + run(-1, name).describe() + controllerLog());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Run run = run(exit, name);
        assertEquals(0, run.exitCode, run.describe() + controllerLog());
        assertEquals(content + content, run.stdout, run.describe());
        // the controller's join times out after 15 s (troupe.booster.join-timeout): the work did not wait for it
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "the work waited for the join: " + took + run.describe());
        assertTrue(run.stderr.contains("[booster] total 2, remote ok 0, local fallback 2, failed 0, workers used 0;"
                + " fell back: no worker yet 2"), run.describe() + controllerLog());
        assertTrue(run.stderr.contains("[booster] no worker was known during the work: not joined the cluster at "
                + dead + " after "), run.describe() + controllerLog());
        assertTrue(controllerLog().contains("controller: listening on"), "it ran through a controller" + controllerLog());
    }

    @Test
    void argsThatDoNotParseFailAtOnceThoughNoControllerRanYet() throws Exception {
        String name = "booster-" + boosters;
        Process client = startBooster("true", "--io_timeout_secs", "1");
        // the controller it starts cannot take the work, yet it waits for its client: nobody waits 60 s for it
        int exit = ProcessNodes.awaitExit(client, Duration.ofSeconds(30), "booster with a bad flag",
                () -> "\n" + run(-1, name).describe() + controllerLog());
        Run run = run(exit, name);
        assertEquals(2, run.exitCode, run.describe());
        assertEquals(1, run.stderr.split("--io_timeout_secs must be at least 5", -1).length - 1, run.describe());
    }

    @Test
    void aClusterTlsDirWithoutKeysFailsTheWorkBeforeItsCommandRuns() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("no-keys"));
        Path marker = tmp.resolve("ran");
        Run run = booster("touch " + marker, "--cluster_tls_dir", empty.toString());
        assertEquals(2, run.exitCode, run.describe());
        assertTrue(run.stderr.contains("--cluster_tls_dir") && run.stderr.contains(empty.toString()), run.describe());
        assertFalse(Files.exists(marker), "the work command must not run" + run.describe());
    }

    @Test
    void aKilledClientTakesItsBuildWithIt() throws Exception {
        Path pidFile = tmp.resolve("sleep.pid");
        Process client = startBooster("sleep 300 & echo $! > " + pidFile + "; wait");
        nodes.await("the build's sleep starts", BOOSTER_TIMEOUT, () -> Files.exists(pidFile) && Files.size(pidFile) > 0);
        long sleep = Long.parseLong(Files.readString(pidFile).trim());
        nodes.track(ProcessHandle.of(sleep).orElseThrow());
        ProcessNodes.signal(client, "KILL");
        nodes.await("the controller stops the build of its killed client", Duration.ofSeconds(30),
                () -> ProcessHandle.of(sleep).map(handle -> !handle.isAlive()).orElse(true));
        assertTrue(ProcessHandle.of(controllerPid()).isPresent(), "the controller outlives its client" + controllerLog());
    }

    @Test
    void aSignalToTheClientAloneReachesTheWholeBuild() throws Exception {
        // kill(1) of the booster's pid, as a CI wrapper sends it: make under the command's bash gets it too
        for (String variant : new String[] {"INT", "TERM", "INT --no_controller", "TERM --no_controller"}) {
            String signal = variant.split(" ")[0];
            String[] flags = variant.contains(" ") ? new String[] {variant.split(" ")[1]} : new String[0];
            Path pidFile = tmp.resolve("make-" + variant.replace(' ', '_') + ".pid");
            String name = "booster-" + boosters;
            // the inner bash stands for make: the command's own bash waits for it in the foreground
            Process client = startBooster("bash -c 'echo $$ > " + pidFile + "; exec sleep 300'; echo after", flags);
            nodes.await("the build's make starts", BOOSTER_TIMEOUT,
                    () -> Files.exists(pidFile) && Files.size(pidFile) > 0);
            ProcessHandle make = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElseThrow();
            nodes.track(make);
            ProcessNodes.signal(client, signal);
            int exit = ProcessNodes.awaitExit(client, Duration.ofSeconds(30), "booster after SIG" + variant,
                    () -> "\n" + run(-1, name).describe());
            Run run = run(exit, name);
            // under SIGTERM the command's bash dies at once and make, moved to init, ends just after
            nodes.await("make ends after SIG" + variant, Duration.ofSeconds(10), () -> !make.isAlive());
            assertEquals(signal.equals("INT") ? 130 : 143, run.exitCode, run.describe());
            assertFalse(run.stdout.contains("after"), run.describe());
        }
    }

    @Test
    void aKilledControllerLeavesTheBuildRunningItsSubWorksLocal() throws Exception {
        String content = "read twice " + System.nanoTime() + "\n";
        Path file = tmp.resolve("twice.txt");
        Files.writeString(file, content);
        Path started = tmp.resolve("started");
        Path go = tmp.resolve("go");
        String name = "booster-" + boosters;
        Process client = startGated(file, started, go, 0);
        nodes.await("the build's first cat", BOOSTER_TIMEOUT, () -> Files.exists(started));
        ProcessHandle controller = ProcessHandle.of(controllerPid()).orElseThrow();
        controller.destroyForcibly();
        nodes.await("the controller dies", Duration.ofSeconds(30), () -> !controller.isAlive());
        Files.createFile(go);
        int exit = ProcessNodes.awaitExit(client, BOOSTER_TIMEOUT, "booster", () -> "\n" + run(-1, name).describe());
        Run run = run(exit, name);
        assertEquals(0, run.exitCode, run.describe());
        assertEquals(content + content, run.stdout, run.describe());
        assertTrue(run.stderr.contains("the controller ended during the work"), run.describe());
    }

    private record Run(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private Run booster(String command, String... flags) throws Exception {
        String name = "booster-" + boosters;
        Process process = startBooster(command, flags);
        int exit = ProcessNodes.awaitExit(process, BOOSTER_TIMEOUT, "booster " + command,
                () -> "\n" + run(-1, name).describe() + controllerLog());
        return run(exit, name);
    }

    /** A work that cats {@code file}, touches {@code started}, waits for {@code go}, cats it again and exits. */
    private Process startGated(Path file, Path started, Path go, int exit) throws IOException {
        return startBooster("cat " + file + "; touch " + started + "; while [ ! -e " + go + " ]; do sleep 0.05; done; cat "
                + file + "; exit " + exit);
    }

    private Process startBooster(String command, String... flags) throws IOException {
        return startBoosterAt(cluster, command, flags);
    }

    private Process startBoosterAt(String cluster, String command, String... flags) throws IOException {
        // no --controller: a --cluster work runs through one by default
        List<String> args = new ArrayList<>(List.of(repo.resolve("bin/booster").toString(),
                "-bt", "custom", "-p", "demo", "--hook",
                "--hook_config", repo.resolve("docs/examples/cat-plugin/bk_custom_example_rules.json").toString(),
                "--cluster", cluster));
        args.addAll(List.of(flags));
        args.addAll(List.of("-a", command));
        String plugin = "{\"type\":1,\"path\":\"" + pluginJar.toString().replace("\\", "\\\\") + "\"}";
        return nodes.start("booster-" + boosters++, args,
                Map.of("TROUPE_CUSTOM_SETTINGS", plugin, "XDG_RUNTIME_DIR", runtimeDir.toString()));
    }

    private Run run(int exit, String name) {
        return new Run(exit, ProcessNodes.read(nodes.out(name)), ProcessNodes.read(nodes.err(name)));
    }

    private Path controllerDir() throws IOException {
        try (Stream<Path> dirs = Files.list(runtimeDir)) {
            return dirs.filter(dir -> dir.getFileName().toString().startsWith("troupe-controller-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no controller directory in " + runtimeDir));
        }
    }

    /** Every controller's log in the test's runtime directory. */
    private String controllerLog() {
        StringBuilder text = new StringBuilder("\n--- controller logs\n");
        try (Stream<Path> files = Files.list(controllerDir())) {
            files.filter(path -> path.toString().endsWith(".log")).forEach(path -> text.append(ProcessNodes.read(path)));
        } catch (IOException | AssertionError e) {
            text.append("(none: ").append(e.getMessage()).append(")");
        }
        return text.toString();
    }

    /** The pid of the one controller that started, tracked so the test's end kills it (it is no child of ours). */
    private long controllerPid() {
        Matcher matcher = LISTENING.matcher(controllerLog());
        Optional<Long> pid = Optional.empty();
        int count = 0;
        while (matcher.find()) {
            pid = Optional.of(Long.parseLong(matcher.group(1)));
            count++;
        }
        assertEquals(1, count, "exactly one controller started" + controllerLog());
        ProcessHandle.of(pid.orElseThrow()).ifPresent(nodes::track);
        return pid.orElseThrow();
    }
}
