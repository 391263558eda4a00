package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.troupe.api.proxy.Module;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The third-party example module docs/examples/mod_hello, installed the way its README says: the jar the Maven
 * build made copied into a real {@code bin/cluster-node}'s {@code modules/} directory, its config into the conf
 * root, and its name into {@code troupe.proxy.modules}; requests go through the proxy to a real backend.
 */
@Tag("process")
class ModHelloProcessIT {
    private static final Pattern STARTED = Pattern.compile("cluster-node started: .*, proxy http port (\\d+)");

    private final Path repo = Path.of(System.getProperty("troupe.repo", "..")).toAbsolutePath().normalize();
    private final Path helloJar = Path.of(System.getProperty("troupe.modHelloJar",
            repo.resolve("docs/examples/mod_hello/target/mod-hello-0.1.0-SNAPSHOT.jar").toString()));

    @TempDir
    Path tmp;
    private Path conf;
    private Path modules;
    private HttpServer backend;
    private Process node;

    @BeforeEach
    void setUp() throws Exception {
        assertTrue(Files.isRegularFile(helloJar), helloJar + " missing: the Maven build of docs/examples/mod_hello makes it");
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            byte[] body = "backend\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        backend.start();

        conf = Files.createDirectories(tmp.resolve("conf"));
        modules = Files.createDirectories(tmp.resolve("modules")); // the default: modules/ next to conf/
        Files.copy(repo.resolve("conf/logback.xml"), conf.resolve("logback.xml"));
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Files.writeString(sd.resolve("host_rule.data"), """
                {"Version": "h1", "DefaultProduct": "p", "Hosts": {"pTag": ["p.test"]}, "HostTags": {"p": ["pTag"]}}
                """);
        Files.writeString(sd.resolve("route_rule.data"),
                "{\"Version\": \"r1\", \"BasicRule\": {\"p\": [{\"Path\": [\"*\"], \"ClusterName\": \"c\"}]}}");
        Files.writeString(sd.resolve("cluster_conf.data"), "{\"Version\": \"c1\", \"Config\": {\"c\": {}}}");
        Files.writeString(cc.resolve("cluster_table.data"), """
                {"Version": "t1", "Config": {"c": {"s": [{"Name": "a", "Addr": "127.0.0.1", "Port": %d, "Weight": 1}]}}}
                """.formatted(backend.getAddress().getPort()));
        Files.writeString(cc.resolve("gslb.data"), "{\"Clusters\": {\"c\": {\"s\": 100}}, \"Hostname\": \"\", \"Ts\": \"g1\"}");

        // install as the README says: the jar into modules/, the module's conf/ files into the conf root
        Files.copy(helloJar, modules.resolve(helloJar.getFileName()));
        Path helloConf = Files.createDirectories(conf.resolve("mod_hello"));
        for (String f : List.of("mod_hello.conf", "hello_rule.data")) {
            Files.copy(repo.resolve("docs/examples/mod_hello/conf/mod_hello").resolve(f), helloConf.resolve(f));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null && node.isAlive()) {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
        backend.stop(0);
    }

    @Test
    void theHeaderComesFromTheDataFileIsCountedAndReloads() throws Exception {
        writeNodeConf("mod_hello");
        int admin = TestNodes.freePort();
        Path log = tmp.resolve("node.log");
        node = launch(admin, log);
        int proxyPort = awaitStarted(node, log);

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = proxyGet(proxyPort);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("backend\n", r.body());
            assertEquals(List.of("hello from mod_hello"), r.headers().allValues("X-Hello"), r.headers().map().toString());
        }
        String kv = get(admin, "/monitor/mod_hello?format=kv").body();
        assertEquals(3, counter(kv, "REQ_TOTAL"), kv);
        assertEquals(3, counter(kv, "HEADER_SET"), kv);
        String status = get(admin, "/monitor/module_status").body();
        assertTrue(status.contains("\"mod_hello.hello_rule_table\":\"hello-1\""), status);

        // a bad file: the reload answers the error naming file and field, the old header stays
        Path data = conf.resolve("mod_hello/hello_rule.data");
        Files.writeString(data, "{\"Version\": \"hello-2\", \"Config\": {\"Header\": \"X Hello\", \"Value\": \"x\"}}");
        String bad = post(admin, "/reload/mod_hello.hello_rule_table").body();
        assertTrue(bad.contains("hello_rule.data: Config.Header: not a header name"), bad);
        assertEquals("hello from mod_hello", proxyGet(proxyPort).headers().firstValue("X-Hello").orElse(null));

        Files.writeString(data, "{\"Version\": \"hello-3\", \"Config\": {\"Header\": \"X-Hello\", \"Value\": \"reloaded\"}}");
        HttpResponse<String> ok = post(admin, "/reload/mod_hello.hello_rule_table");
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(ok.body().contains("\"error\":null") && ok.body().contains("\"version\":\"hello-3\""), ok.body());
        assertEquals("reloaded", proxyGet(proxyPort).headers().firstValue("X-Hello").orElse(null));
        assertEquals(5, counter(get(admin, "/monitor/mod_hello?format=kv").body(), "HEADER_SET"));
    }

    @Test
    void aModuleWhoseInitFailsStopsTheNodeNamingModuleFileAndKey() throws Exception {
        failingModuleJar(modules.resolve("mod-fail.jar"));
        Path failConf = Files.createDirectories(conf.resolve("mod_fail"));
        Files.writeString(failConf.resolve("mod_fail.conf"), "[Basic]\nGreting = hi\n"); // typo of Greeting
        writeNodeConf("mod_hello", "mod_fail");
        Path log = tmp.resolve("fail.log");
        node = launch(TestNodes.freePort(), log);
        assertTrue(node.waitFor(90, TimeUnit.SECONDS), "node did not exit:\n" + Files.readString(log));
        String output = Files.readString(log);
        assertEquals(2, node.exitValue(), output);
        assertTrue(output.contains("cluster-node: role proxy could not start (conf " + conf + "): "
                + "module mod_fail failed to start: " + conf.resolve("mod_fail/mod_fail.conf")
                + ": [Basic] Greting: unknown key"), output);
        assertTrue(!output.contains("cluster-node started"), output);
    }

    private void writeNodeConf(String... enabled) throws IOException {
        Files.writeString(conf.resolve("cluster-node.conf"), """
                troupe {
                  node { roles = [proxy], hostname = "127.0.0.1" }
                  proxy { bind = "127.0.0.1", http-port = 0, https-port = -1, event-loops = 1, modules = [%s] }
                }
                """.formatted(String.join(", ", enabled)));
    }

    private Process launch(int admin, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(repo.resolve("bin/cluster-node").toString(),
                "--conf", conf.toString(), "--port", String.valueOf(TestNodes.freePort()), "--admin", "127.0.0.1:" + admin)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("TROUPE_NODE_JAVA_OPTS", "-Xmx256m");
        return builder.start();
    }

    /** Waits for the start line and returns the proxy's HTTP port from it. */
    private static int awaitStarted(Process node, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = STARTED.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!node.isAlive()) {
                fail("node exited with " + node.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        fail("node never started:\n" + Files.readString(log));
        return -1;
    }

    private static long counter(String kv, String key) {
        for (String line : kv.split("\n")) {
            if (line.startsWith("mod_hello_" + key + ":")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError(key + " not in " + kv);
    }

    private static HttpResponse<String> proxyGet(int port) throws IOException, InterruptedException {
        // Host 127.0.0.1:port matches no host rule: the default product p routes it
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hi")).GET());
    }

    private static HttpResponse<String> get(int admin, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).GET());
    }

    private static HttpResponse<String> post(int admin, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return TestNodes.HTTP.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A module jar whose init fails the way a real module's does: its .conf has a key it does not know. */
    private Path failingModuleJar(Path jar) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("fail-src/ext"));
        Path out = Files.createDirectories(tmp.resolve("fail-classes"));
        Files.writeString(src.resolve("ModFail.java"), """
                package ext;
                public final class ModFail implements io.troupe.api.proxy.Module {
                    public String name() { return "mod_fail"; }
                    public void init(io.troupe.api.proxy.Callbacks c, io.troupe.api.proxy.WebHandlers w,
                                     java.nio.file.Path root) throws Exception {
                        io.troupe.api.proxy.config.ModuleConf.load(
                                io.troupe.api.proxy.config.ModuleConf.confFile(root, "mod_fail"), root, "Basic.Greeting");
                    }
                }
                """);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String api = Path.of(Module.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        assertEquals(0, javac.run(null, null, null, "-d", out.toString(), "-cp", api,
                src.resolve("ModFail.java").toString()), "javac");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new JarEntry("META-INF/services/io.troupe.api.proxy.Module"));
            j.write("ext.ModFail\n".getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
            j.putNextEntry(new JarEntry("ext/ModFail.class"));
            Files.copy(out.resolve("ext/ModFail.class"), j);
            j.closeEntry();
        }
        return jar;
    }
}
