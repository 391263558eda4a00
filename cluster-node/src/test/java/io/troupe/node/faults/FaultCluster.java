package io.troupe.node.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.node.ProcessNodes;
import io.troupe.node.TestNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Real {@code bin/cluster-node} worker processes and real {@code bin/booster} works of many sub-works, for the
 * fault tests. Every sub-work is {@code tjob ID SECONDS}, a script on the nodes' PATH and their only allowlisted
 * command: it leaves a marker (its sandbox directory) under {@code marks/}, sleeps, and prints
 * {@code tjob ID ID*ID+7}, an output only that sub-work produces; {@link Work#assertAllRight} checks each one
 * came back exactly once. Sub-works run unconfined as root (one host plays booster and workers), as in
 * BoosterClusterIT.
 */
final class FaultCluster implements AutoCloseable {
    static final Duration NODE_START = Duration.ofSeconds(90);
    static final long WORK_TIMEOUT_SECONDS = 150;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LINE = Pattern.compile("^tjob (\\d+) (\\d+)$", Pattern.MULTILINE);

    final Path repo = ProcessNodes.REPO;
    final Path dir;
    final Path marks;
    final ProcessNodes nodes;

    /** One started worker node and its sandbox root. */
    record Node(ProcessNodes.Node node, Path sandbox) {
        String seed() {
            return node.seed();
        }

        Process process() {
            return node.process();
        }
    }

    private final long born = System.nanoTime();

    /** Prints a step of the test with the seconds since this cluster was made: where the time goes. */
    void step(String what) {
        System.out.printf("[faults %6.1f s] %s%n", (System.nanoTime() - born) / 1e9, what);
    }

    FaultCluster(Path dir) throws IOException {
        this.dir = dir;
        this.nodes = new ProcessNodes(dir);
        this.marks = Files.createDirectories(dir.resolve("marks"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        // retry-sleep: a re-run of a sub-work already started elsewhere sleeps this long instead (0 unless a
        // test writes it); fill: each run first writes that many bytes into its working directory
        Files.writeString(bin.resolve("tjob"), """
                #!/bin/sh
                id=$1
                s=$2
                if ls %1$s/$id.* >/dev/null 2>&1; then s=$(cat %2$s/retry-sleep 2>/dev/null || echo "$2"); fi
                echo "$PWD" > %1$s/$id.$$
                if [ -s %2$s/fill ]; then
                  head -c "$(cat %2$s/fill)" /dev/zero > "fill.$id" || exit 3
                  rm -f "fill.$id"
                fi
                sleep "$s"
                echo "tjob $id $((id * id + 7))"
                """.formatted(marks, dir));
        bin.resolve("tjob").toFile().setExecutable(true, false);
        Files.writeString(dir.resolve("rules.json"),
                "{\"hooks\":[{\"src_command\":\"tjob\",\"target_command\":\"booster-exec $SRC_CMD\"}]}");
    }

    /**
     * Starts a worker node. {@code port} 0 picks a free one; {@code sandboxRoot} null = its own under the dir.
     */
    Node startWorker(String name, int port, List<String> seeds, Path sandboxRoot) throws IOException {
        return startWorker(name, "127.0.0.1", port, seeds, sandboxRoot);
    }

    /** As above, reached on {@code host}, its command line prefixed by {@code wrapper} (ip netns exec ...). */
    Node startWorker(String name, String host, int port, List<String> seeds, Path sandboxRoot, String... wrapper)
            throws IOException {
        Path sandbox = sandboxRoot != null ? sandboxRoot : Files.createDirectories(dir.resolve("sandbox-" + name));
        Path conf = dir.resolve("conf-" + name);
        copyTree(TestNodes.REPO_CONF, conf);
        Files.writeString(conf.resolve("cluster-node.conf"), """

                # FaultCluster
                troupe.worker {
                  slots = 4
                  queue-size = 64
                  allowlist = ["tjob"]
                  sandbox-root = "%s"
                  sandbox { user = root, allow-root = true, bubblewrap = off }
                }
                """.formatted(sandbox), java.nio.file.StandardOpenOption.APPEND);
        ProcessNodes.Node node = nodes.node(name).conf(conf).host(host).port(port).seeds(seeds).wrapper(wrapper)
                .env("PATH", dir.resolve("bin") + ":" + System.getenv("PATH")).start();
        return new Node(node, sandbox);
    }

    /** Waits until {@code on} lists exactly {@code count} members, all Up (and fails if {@code on} exits). */
    JsonNode awaitMembers(Node on, int count, Duration timeout) throws Exception {
        JsonNode members = nodes.awaitMembers(on.node(), count, timeout, on.node());
        step(on.node().name() + " sees " + count + " members Up");
        return members;
    }

    /** Starts {@code bin/booster -bt echo} running {@code count} sub-works of {@code seconds} each. */
    Work startWork(String name, List<String> seeds, int count, double seconds, Map<String, String> env)
            throws IOException {
        Path script = dir.resolve(name + ".sh");
        Files.writeString(script, "export PATH=\"$PATH:" + dir.resolve("bin") + "\"\n"
                + "seq " + count + " | xargs -P 16 -I{} tjob {} " + seconds + "\n");
        Path stats = dir.resolve(name + ".stats.json");
        List<String> command = List.of(repo.resolve("bin/booster").toString(), "-bt", "echo", "-p", "faults",
                "--hook", "--hook_mode", "shims", "--hook_config", dir.resolve("rules.json").toString(),
                "--cluster", String.join(",", seeds), "--no_controller", "--stats_json", stats.toString(), "-a", "bash " + script);
        Map<String, String> environment = new HashMap<>(env);
        // hold the command until a worker is known: these tests are about remote sub-works. And leave the
        // cluster within 2 s: with a dead member the leave cannot complete (no convergence) and would take
        // the default 10 s after the work has ended, which is not what these tests measure
        environment.put("TROUPE_BOOSTER_JAVA_OPTS", "-Dtroupe.booster.worker-discovery-timeout=20s"
                + " -Dpekko.coordinated-shutdown.phases.cluster-exiting.timeout=2s "
                + env.getOrDefault("TROUPE_BOOSTER_JAVA_OPTS", ""));
        environment.put("TROUPE_BOOSTER_QUIET", "1");
        environment.put("XDG_CACHE_HOME", dir.resolve("cache-" + name).toString());
        return new Work(name, nodes.start(name, command, environment), count, stats);
    }

    /** Polls {@code condition} until it holds; fails with {@code what} and the logs after {@code timeout}. */
    void await(String what, Duration timeout, TestNodes.Condition condition) throws Exception {
        nodes.await(what, timeout, condition);
    }

    String logs() {
        return nodes.logs();
    }

    /** Forgets the runs of earlier works (their markers), before the next work on the same cluster. */
    void clearRuns() throws IOException {
        try (Stream<Path> files = Files.list(marks)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
    }

    /** Sub-work ids that have started at least once, by the number of runs (markers) each has. */
    Map<String, Integer> runs() {
        Map<String, Integer> runs = new HashMap<>();
        try (Stream<Path> files = Files.list(marks)) {
            files.forEach(f -> runs.merge(f.getFileName().toString().replaceFirst("\\..*", ""), 1, Integer::sum));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return runs;
    }

    /** Sub-work ids with a run that started in {@code node}'s sandbox. */
    List<String> startedOn(Node node) {
        List<String> ids = new ArrayList<>();
        try (Stream<Path> files = Files.list(marks)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                try {
                    // a run is in the sandbox root, its reused slot sandboxes (.slots) included (docs/security.md)
                    String where = Files.readString(f);
                    if (where.startsWith(node.sandbox().toString())) {
                        ids.add(f.getFileName().toString().replaceFirst("\\..*", ""));
                    }
                } catch (IOException e) {
                    // a marker still being written: not started yet as far as we know
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ids;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }

    @Override
    public void close() {
        nodes.close();
    }

    /** A running booster work. */
    final class Work {
        final String name;
        final Process process;
        final int count;
        final Path stats;

        Work(String name, Process process, int count, Path stats) {
            this.name = name;
            this.process = process;
            this.count = count;
            this.stats = stats;
        }

        String stdout() {
            return ProcessNodes.read(nodes.out(name));
        }

        String stderr() {
            return ProcessNodes.read(nodes.err(name));
        }

        String describe() {
            return "\n--- " + name + " stdout (tail)\n" + ProcessNodes.tail(nodes.out(name), 20) + "\n--- " + name
                    + " stderr (tail)\n" + ProcessNodes.tail(nodes.err(name), 60) + logs();
        }

        /** The number of sub-work outputs printed so far. */
        int printed() {
            Matcher m = LINE.matcher(stdout());
            int n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        }

        /** Waits for the booster's exit and returns its stats_json. */
        JsonNode finish() throws Exception {
            ProcessNodes.awaitExit(process, Duration.ofSeconds(WORK_TIMEOUT_SECONDS), "booster work " + name,
                    this::describe);
            step("booster work " + name + " exited with " + process.exitValue());
            assertEquals(0, process.exitValue(), "booster exit code" + describe());
            assertTrue(Files.isRegularFile(stats), "no --stats_json written" + describe());
            JsonNode json = JSON.readTree(stats.toFile());
            JsonNode work = json.get("work");
            step("work " + name + ": JVM start to joined " + work.get("cluster_joined_ms") + " ms, command started "
                    + work.get("command_started_ms") + " ms, work " + (work.get("end_ms").asLong()
                    - work.get("start_ms").asLong()) + " ms, stats written "
                    + (System.currentTimeMillis() - work.get("end_ms").asLong()) + " ms ago");
            return json;
        }

        /**
         * Nothing lost, nothing doubled, every result right: one {@code tjob ID ID*ID+7} line per sub-work, the
         * summary counts all of them as succeeded, and each sub-work's exit code is 0.
         */
        void assertAllRight(JsonNode stats) {
            Map<Integer, Integer> seen = new HashMap<>();
            Matcher m = LINE.matcher(stdout());
            while (m.find()) {
                int id = Integer.parseInt(m.group(1));
                long value = Long.parseLong(m.group(2));
                assertEquals((long) id * id + 7, value, "wrong output of sub-work " + id + describe());
                seen.merge(id, 1, Integer::sum);
            }
            for (int id = 1; id <= count; id++) {
                assertEquals(1, seen.getOrDefault(id, 0), "output lines of sub-work " + id + describe());
            }
            assertEquals(count, seen.size(), "distinct sub-work outputs" + describe());
            JsonNode summary = stats.get("work").get("summary");
            assertEquals(0, stats.get("work").get("exit_code").asInt(), "work exit code" + describe());
            assertEquals(count, summary.get("total").asInt(), "summary total: " + summary + describe());
            assertEquals(0, summary.get("failed").asInt(), "summary failed: " + summary + describe());
            assertEquals(count, summary.get("remote_ok").asInt() + summary.get("local_fallback").asInt()
                    + localByChoice(stats), "remote ok + local: " + summary + describe());
            for (JsonNode subWork : stats.get("sub_works")) {
                assertEquals(0, subWork.get("exit_code").asInt(), "sub-work " + subWork + describe());
            }
        }

        private int localByChoice(JsonNode stats) {
            int local = 0;
            for (JsonNode subWork : stats.get("sub_works")) {
                local += "local".equals(subWork.get("route").asText()) && subWork.get("fallback_reason").isNull() ? 1 : 0;
            }
            return local;
        }
    }
}
