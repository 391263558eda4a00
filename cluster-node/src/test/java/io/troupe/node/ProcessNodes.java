package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real {@code bin/cluster-node} (and {@code bin/booster}) processes for the process tests, all in one directory:
 * a node's output goes to {@code NAME.log}, another process's to {@code NAME.out} and {@code NAME.err}. Waits
 * poll with a deadline and fail with the nodes' log tails; {@link #close} kills every process (and its children)
 * started or {@linkplain #track tracked} here. The in-JVM counterpart is {@link TestNodes}. In a test class:
 * {@code @TempDir Path tmp; @RegisterExtension final ProcessNodes nodes = new ProcessNodes(() -> tmp);}, which
 * closes it after each test.
 */
public final class ProcessNodes implements AutoCloseable, AfterEachCallback {
    /** The checkout whose {@code bin/} launchers the tests run ({@code mvn verify} builds the distribution). */
    public static final Path REPO = Path.of(System.getProperty("troupe.repo", "..")).toAbsolutePath().normalize();
    /** The example cat plugin (docs/examples/cat-plugin), built by the reactor before this module's ITs. */
    public static final Path CAT_PLUGIN_JAR = Path.of(System.getProperty("troupe.catPluginJar",
            REPO.resolve("docs/examples/cat-plugin/target/cat-plugin-0.1.0-SNAPSHOT.jar").toString()));
    /** How many lines of each node's log a failure shows. */
    private static final int TAIL = 80;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The working directory of every process, where their output files go (a @TempDir, known once injected). */
    private final Supplier<Path> dir;
    private final List<ProcessHandle> processes = new ArrayList<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();

    /** One started cluster node: {@code host} is what it was told with {@code --host}, else 127.0.0.1. */
    public record Node(String name, Process process, String host, int port, int admin) {
        /** Its cluster address as a {@code --seed} or {@code --cluster} takes it. */
        public String seed() {
            return host + ":" + port;
        }
    }

    public ProcessNodes(Supplier<Path> dir) {
        this.dir = dir;
    }

    public ProcessNodes(Path dir) {
        this(() -> dir);
    }

    /** The options of a {@code bin/cluster-node} to start: roles "worker" and free ports unless set. */
    public Spec node(String name) {
        return new Spec(name);
    }

    /** A {@code bin/cluster-node} command line and environment, started by {@link #start()}. */
    public final class Spec {
        private final String name;
        private Path conf;
        private String roles = "worker";
        private String host;
        private int port;
        private final List<String> seeds = new ArrayList<>();
        private final Map<String, String> env = new HashMap<>();
        private final List<String> wrapper = new ArrayList<>();

        private Spec(String name) {
            this.name = name;
        }

        /** {@code --conf}: the node's conf directory. */
        public Spec conf(Path value) {
            conf = value;
            return this;
        }

        /** {@code --roles}, comma-separated; "" for none. */
        public Spec roles(String value) {
            roles = value;
            return this;
        }

        /** {@code --host}; not passed unless set. */
        public Spec host(String value) {
            host = value;
            return this;
        }

        /** {@code --port}; 0 (the default) picks a free one. */
        public Spec port(int value) {
            port = value;
            return this;
        }

        /** {@code --seed}, once per seed. */
        public Spec seeds(List<String> values) {
            seeds.addAll(values);
            return this;
        }

        /** An environment variable of the node's process. */
        public Spec env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** A command the node's command line is prefixed with ({@code ip netns exec NS}). */
        public Spec wrapper(String... command) {
            wrapper.addAll(List.of(command));
            return this;
        }

        public Node start() throws IOException {
            int admin = TestNodes.freePort();
            int clusterPort = port == 0 ? TestNodes.freePort() : port;
            List<String> command = new ArrayList<>(wrapper);
            command.add(REPO.resolve("bin/cluster-node").toString());
            if (conf != null) {
                command.addAll(List.of("--conf", conf.toString()));
            }
            command.addAll(List.of("--roles", roles));
            if (host != null) {
                command.addAll(List.of("--host", host));
            }
            command.addAll(List.of("--port", String.valueOf(clusterPort), "--admin", "127.0.0.1:" + admin));
            for (String seed : seeds) {
                command.addAll(List.of("--seed", seed));
            }
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(dir.get().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.get().resolve(name + ".log").toFile());
            builder.environment().putAll(env);
            Process process = track(builder.start());
            Node node = new Node(name, process, host != null ? host : "127.0.0.1", clusterPort, admin);
            nodes.put(name, node);
            return node;
        }
    }

    /**
     * Starts a process other than a node ({@code bin/booster}) in the directory, its output in {@code NAME.out}
     * and {@code NAME.err}, {@code env} added to this JVM's environment.
     */
    public Process start(String name, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.get().toFile())
                .redirectOutput(out(name).toFile())
                .redirectError(err(name).toFile());
        builder.environment().putAll(env);
        return track(builder.start());
    }

    /** Kills {@code process} and its children at {@link #close}. */
    public Process track(Process process) {
        track(process.toHandle());
        return process;
    }

    /** As {@link #track(Process)}, for a process this JVM did not start (a child left by a killed one). */
    public void track(ProcessHandle process) {
        processes.add(process);
    }

    /** The stdout file of a process from {@link #start(String, List, Map)}. */
    public Path out(String name) {
        return dir.get().resolve(name + ".out");
    }

    /** The stderr file of a process from {@link #start(String, List, Map)}. */
    public Path err(String name) {
        return dir.get().resolve(name + ".err");
    }

    /** The whole log of node {@code name}. */
    public String log(String name) {
        return read(dir.get().resolve(name + ".log"));
    }

    /** The tails of every node's log, for a failure message. */
    public String logs() {
        StringBuilder text = new StringBuilder();
        for (String name : nodes.keySet()) {
            text.append("\n--- ").append(name).append(".log (tail)\n")
                    .append(tail(dir.get().resolve(name + ".log"), TAIL));
        }
        return text.toString();
    }

    /**
     * Waits until {@code on} lists exactly {@code count} members, all Up, in {@code /cluster/members}; fails at
     * once, with the logs, when one of {@code alive} exits meanwhile.
     */
    public JsonNode awaitMembers(Node on, int count, Duration timeout, Node... alive) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            for (Node node : alive) {
                if (!node.process().isAlive()) {
                    fail("cluster-node " + node.name() + " exited with " + node.process().exitValue() + logs());
                }
            }
            try {
                HttpResponse<String> response = TestNodes.HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.admin() + "/cluster/members"))
                                .timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                JsonNode members = JSON.readTree(response.body());
                long up = 0;
                for (JsonNode member : members) {
                    up += "Up".equals(member.get("status").asText()) ? 1 : 0;
                }
                if (up == count && members.size() == count) {
                    return members;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        fail("the cluster never had exactly " + count + " members, all Up, within " + timeout.toSeconds()
                + " s; last /cluster/members of " + on.name() + ": " + last + logs());
        return null;
    }

    /** Polls {@code condition} until it holds; fails with {@code what} and the logs after {@code timeout}. */
    public void await(String what, Duration timeout, TestNodes.Condition condition) throws Exception {
        TestNodes.await(what, timeout, condition, this::logs);
    }

    /**
     * Waits for {@code process} to exit; past {@code timeout} kills it and its children and fails with
     * {@code what} and {@code describe}'s text.
     */
    public static int awaitExit(Process process, Duration timeout, String what, Supplier<String> describe)
            throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail(what + " did not finish within " + timeout.toSeconds() + " s" + describe.get());
        }
        return process.exitValue();
    }

    /** Sends {@code kill -SIGNAL} (STOP, CONT, KILL, ...) to {@code process}. */
    public static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " failed");
    }

    /** The last {@code lines} lines of a file, or why there are none. */
    public static String tail(Path path, int lines) {
        String[] all = read(path).split("\n");
        return String.join("\n", Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    /** A file's text, or why there is none: for failure messages, so it never throws. */
    public static String read(Path path) {
        try {
            return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "(no " + path + ")";
        } catch (IOException e) {
            return "(cannot read " + path + ": " + e + ")";
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    /** Kills every process started or tracked here, their children first, and waits up to 20 s for each. */
    @Override
    public void close() {
        for (ProcessHandle process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        for (ProcessHandle process : processes) {
            process.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).join();
        }
    }
}
