package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged distribution and {@code bin/cluster-node} as a real process: defaults, SIGTERM, bad input. */
@Tag("process")
class ClusterNodeProcessIT {
    private final Path repo = Path.of(System.getProperty("troupe.repo", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void sigtermLeavesTheClusterAndExitsZero() throws Exception {
        int port = TestNodes.freePort();
        int admin = TestNodes.freePort();
        Path log = tmp.resolve("node.log");
        ProcessBuilder builder = new ProcessBuilder(repo.resolve("bin/cluster-node").toString(),
                "--port", String.valueOf(port), "--admin", "127.0.0.1:" + admin)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // the default roles include proxy: keep its listener on loopback and a free port (-D layer of the config)
        builder.environment().put("TROUPE_NODE_JAVA_OPTS",
                "-Dtroupe.proxy.bind=127.0.0.1 -Dtroupe.proxy.http-port=0 -Dtroupe.proxy.https-port=-1");
        Process node = builder.start();
        try {
            awaitReady(admin, node, log);
            HttpResponse<String> members = get(admin, "/cluster/members");
            // no --roles: the defaults of conf/cluster-node.conf
            assertTrue(members.body().contains("\"roles\":[\"proxy\",\"worker\"]"), members.body());
            assertTrue(get(admin, "/monitor").body().contains("\"proxy_state\""), "the proxy role runs");

            node.destroy(); // SIGTERM
            assertTrue(node.waitFor(60, TimeUnit.SECONDS), "node did not stop after SIGTERM:\n" + Files.readString(log));
            String output = Files.readString(log);
            assertEquals(0, node.exitValue(), output);
            assertTrue(output.contains("Running CoordinatedShutdown with reason [SignalReason[signal=SIGTERM]]"), output);
            assertTrue(output.contains("Exiting completed"), "the node left the cluster:\n" + output);
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    void badFlagsExitTwoWithAMessageNamingTheFlag() throws Exception {
        Process node = new ProcessBuilder(repo.resolve("bin/cluster-node").toString(), "--roles", "worker,gateway")
                .redirectErrorStream(true).start();
        try {
            assertTrue(node.waitFor(60, TimeUnit.SECONDS));
            String output = new String(node.getInputStream().readAllBytes());
            assertEquals(2, node.exitValue(), output);
            assertTrue(output.contains("troupe.node.roles (--roles): unknown role 'gateway'"), output);
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    void packageBuiltTheDistributionTheLaunchersRun() throws Exception {
        Path dist = repo.resolve("cluster-node/target/troupe");
        for (String jar : List.of("cluster-node", "booster-actors", "proxy-actors", "module-actors", "handler-api")) {
            assertTrue(Files.isRegularFile(dist.resolve("lib/" + jar + "-0.1.0-SNAPSHOT.jar")), jar + " in lib/");
        }
        try (var libs = Files.list(dist.resolve("lib"))) {
            assertTrue(libs.anyMatch(p -> p.getFileName().toString().startsWith("pekko-cluster-typed_")));
        }
        assertTrue(Files.isRegularFile(dist.resolve("conf/cluster-node.conf")));
        for (String launcher : List.of("cluster-node", "booster", "booster-exec")) {
            assertTrue(Files.isExecutable(dist.resolve("bin/" + launcher)), "bin/" + launcher + " executable");
        }
        Path nativeExec = repo.resolve("booster-actors/target/native/booster-exec");
        if (Files.exists(nativeExec)) {
            assertArrayEquals(Files.readAllBytes(nativeExec), Files.readAllBytes(dist.resolve("bin/booster-exec")),
                    "the distribution's bin/booster-exec is the native client");
        }
    }

    @Test
    void launcherWithoutABuildSaysWhatToRun() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("checkout/bin"));
        for (String name : List.of("cluster-node", "booster", "troupe-env.sh")) {
            Files.copy(repo.resolve("bin").resolve(name), bin.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
        }
        for (String name : List.of("cluster-node", "booster")) {
            Process process = new ProcessBuilder(bin.resolve(name).toString()).redirectErrorStream(true).start();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            String output = new String(process.getInputStream().readAllBytes());
            assertEquals(1, process.exitValue(), output);
            assertTrue(output.contains("run `mvn -q package -DskipTests` first"), output);
        }
    }

    private static void awaitReady(int admin, Process node, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!node.isAlive()) {
                fail("node exited with " + node.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                if (get(admin, "/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notYetListening) {
                // the admin port opens a moment after the JVM starts
            }
            Thread.sleep(200);
        }
        fail("node never became ready:\n" + Files.readString(log));
    }

    private static HttpResponse<String> get(int admin, String path) throws IOException, InterruptedException {
        return TestNodes.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
