package io.troupe.booster.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.exec.BoosterExec;
import io.troupe.booster.gateway.ExecutorGateway.SubWorkArrived;
import io.troupe.booster.gateway.ExecutorGateway.SubWorkReply;
import io.troupe.booster.gateway.GatewayProtocol.StdinKind;
import io.troupe.booster.testutil.Proc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** booster-exec protocol version 2: both clients say what their stdin is, and obey "run it yourself". */
@Tag("process")
class StdinClientsTest {

    private static ActorTestKit testKit;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        testKit = TestGateway.testKit();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    /** Starts the client with stdin from {@code stdin} (a file), or a pipe fed {@code piped} when null. */
    private static Proc.Outcome runClient(List<String> argv, Path cwd, Path socket, Path stdin, String piped,
            java.util.function.Consumer<SubWorkArrived> booster, TestProbe<SubWorkArrived> sink) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile());
        builder.environment().put("TROUPE_BOOSTER_SOCKET", socket.toString());
        builder.environment().put("LANG", "C.UTF-8");
        if (stdin != null) {
            builder.redirectInput(stdin.toFile());
        }
        Process process = builder.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        if (stdin == null) {
            try (OutputStream in = process.getOutputStream()) {
                in.write(piped.getBytes(StandardCharsets.UTF_8));
            }
        }
        booster.accept(sink.expectMessageClass(SubWorkArrived.class, Duration.ofSeconds(30)));
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "client did not finish");
        return new Proc.Outcome(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("io.troupe.booster.gateway.TestGateway#clients")
    void aRegularFileOnStdinTravelsWithTheRequest(String kind) throws Exception {
        TestGateway gw = TestGateway.start(testKit, dir);
        Path input = Files.writeString(dir.resolve("input.txt"), "int x;\n");
        List<String> argv = TestGateway.client(kind);
        argv.add("cat");
        Proc.Outcome outcome = runClient(argv, dir, gw.socket(), input, null, arrived -> {
            assertEquals(StdinKind.FILE, arrived.stdin().kind());
            assertArrayEquals("int x;\n".getBytes(StandardCharsets.UTF_8), arrived.stdin().bytes());
            arrived.replyTo().tell(new SubWorkReply(0, "remote\n".getBytes(StandardCharsets.UTF_8), new byte[0]));
        }, gw.sink());
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("remote\n", outcome.out());
        testKit.stop(gw.ref());
    }

    @ParameterizedTest
    @MethodSource("io.troupe.booster.gateway.TestGateway#clients")
    void devNullIsSaidToBeEmpty(String kind) throws Exception {
        TestGateway gw = TestGateway.start(testKit, dir);
        List<String> argv = TestGateway.client(kind);
        argv.add("cat");
        Proc.Outcome outcome = runClient(argv, dir, gw.socket(), Path.of("/dev/null"), null, arrived -> {
            assertEquals(StdinKind.NULL, arrived.stdin().kind());
            arrived.replyTo().tell(new SubWorkReply(0, new byte[0], new byte[0]));
        }, gw.sink());
        assertEquals(0, outcome.exitCode(), outcome.err());
        testKit.stop(gw.ref());
    }

    @ParameterizedTest
    @MethodSource("io.troupe.booster.gateway.TestGateway#clients")
    void onAPipeTheBoostersRunItYourselfMakesTheClientRunItWithItsStdin(String kind) throws Exception {
        TestGateway gw = TestGateway.start(testKit, dir);
        List<String> argv = TestGateway.client(kind);
        argv.add("cat");
        Proc.Outcome outcome = runClient(argv, dir, gw.socket(), null, "through the pipe\n", arrived -> {
            assertEquals(StdinKind.PIPE, arrived.stdin().kind());
            arrived.replyTo().tell(SubWorkReply.runLocally("stdin is a pipe"));
        }, gw.sink());
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("through the pipe\n", outcome.out(), "nothing of stdin is lost");
        assertEquals("", outcome.err(), "quietly: the booster records why");
        testKit.stop(gw.ref());
    }

    @Test
    void versionTwoRoundTripsAndVersionOneStillReads() throws Exception {
        byte[] request = GatewayProtocol.encodeRequest(List.of("cat"), "/w", Map.of("A", "b"), StdinKind.FILE,
                "abc".getBytes(StandardCharsets.UTF_8), "1:2");
        GatewayProtocol.Request v2 = GatewayProtocol.readRequest(new ByteArrayInputStream(request));
        assertEquals(2, v2.version());
        assertEquals(StdinKind.FILE, v2.stdinKind());
        assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), v2.stdin());
        assertEquals("1:2", v2.stdinId());
        GatewayProtocol.Request v1 = GatewayProtocol.readRequest(new ByteArrayInputStream(
                GatewayProtocol.encodeRequest(List.of("cat"), "/w", Map.of())));
        assertEquals(1, v1.version());
        assertEquals(StdinKind.UNKNOWN, v1.stdinKind());

        GatewayProtocol.Reply local = GatewayProtocol.readReply(new ByteArrayInputStream(
                GatewayProtocol.encodeReply(0, new byte[0], "why".getBytes(StandardCharsets.UTF_8), true)));
        assertTrue(local.runLocally());
        GatewayProtocol.Reply old = GatewayProtocol.readReply(new ByteArrayInputStream(
                GatewayProtocol.encodeReply(7, new byte[0], new byte[0])));
        assertEquals(7, old.exitCode());

        byte[] bad = GatewayProtocol.encodeRequest(List.of("cat"), "/w", Map.of(), StdinKind.PIPE,
                "bytes a pipe cannot carry".getBytes(StandardCharsets.UTF_8), "");
        IOException error = assertThrows(IOException.class,
                () -> GatewayProtocol.readRequest(new ByteArrayInputStream(bad)));
        assertTrue(error.getMessage().contains("stdin"), error.getMessage());
    }

    @Test
    void theJavaClientReadsItsStdinFromProc() throws Exception {
        Path file = Files.writeString(dir.resolve("in.txt"), "abc");
        assertEquals(StdinKind.FILE, BoosterExec.stdinOf(file).kind());
        assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), BoosterExec.stdinOf(file).bytes());
        assertEquals(StdinKind.NULL, BoosterExec.stdinOf(Path.of("/dev/null")).kind());
        assertEquals(StdinKind.NULL, BoosterExec.stdinOf(dir.resolve("closed")).kind());
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[GatewayProtocol.MAX_STDIN_BYTES + 1]);
        assertEquals(StdinKind.PIPE, BoosterExec.stdinOf(big).kind(), "too large to forward: run locally");
    }
}
