package io.troupe.booster.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.gateway.ExecutorGateway.BindFailed;
import io.troupe.booster.gateway.ExecutorGateway.Bound;
import io.troupe.booster.gateway.ExecutorGateway.Event;
import io.troupe.booster.gateway.ExecutorGateway.SubWorkArrived;
import io.troupe.booster.gateway.ExecutorGateway.SubWorkReply;
import io.troupe.booster.testutil.Proc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The gateway and both booster-exec clients (native C and Java) over a real Unix socket. */
@Tag("process")
class ExecutorGatewayTest {

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

    private static byte[] everyByte(int repeat) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int r = 0; r < repeat; r++) {
            for (int b = 0; b < 256; b++) {
                bytes.write(b);
            }
        }
        return bytes.toByteArray();
    }

    @ParameterizedTest
    @MethodSource("io.troupe.booster.gateway.TestGateway#clients")
    void forwardsArgvCwdEnvAndReturnsOutputByteExact(String kind) throws Exception {
        TestGateway gw = TestGateway.start(testKit, dir);
        Path cwd = Files.createDirectories(dir.resolve("work dir"));
        List<String> argv = TestGateway.client(kind);
        List<String> sent = List.of("cat", "a file with spaces", "", "ünïcødé", "--flag=\"quoted\"", "$HOME");
        argv.addAll(sent);
        Map<String, String> env = new HashMap<>();
        env.put("TROUPE_BOOSTER_SOCKET", gw.socket().toString());
        env.put("TROUPE_SHIM_DIR", "/opt/shims");
        env.put("PATH", "/opt/shims:/usr/bin:/bin");
        env.put("FOO", "bar=baz with = signs");
        // a JVM decodes its argv by the locale; the C client passes bytes through whatever the locale
        env.put("LANG", "C.UTF-8");

        Proc.Running client = Proc.start(argv, cwd, env);
        SubWorkArrived arrived = gw.sink().expectMessageClass(SubWorkArrived.class, Duration.ofSeconds(30));
        assertEquals(sent, arrived.argv());
        assertEquals(cwd.toRealPath().toString(), Path.of(arrived.cwd()).toRealPath().toString());
        assertEquals("bar=baz with = signs", arrived.env().get("FOO"));
        assertEquals("/usr/bin:/bin", arrived.env().get("PATH"), "the shim dir is dropped from the forwarded PATH");

        byte[] stdout = everyByte(4096); // 1 MiB: more than one socket buffer
        byte[] stderr = "remote complaint\n\0with a NUL".getBytes();
        arrived.replyTo().tell(new SubWorkReply(42, stdout, stderr));
        Proc.Outcome outcome = client.await();
        assertEquals(42, outcome.exitCode());
        assertArrayEquals(stdout, outcome.stdout());
        assertArrayEquals(stderr, outcome.stderr());
        testKit.stop(gw.ref());
    }

    @ParameterizedTest
    @MethodSource("io.troupe.booster.gateway.TestGateway#clients")
    void withoutSocketRunsTheCommandLocally(String kind) throws Exception {
        List<String> argv = TestGateway.client(kind);
        argv.addAll(List.of("sh", "-c", "echo local \"$1\"; echo oops >&2; exit 7", "sh", "arg one"));
        Proc.Outcome outcome = Proc.run(argv, dir, Map.of("PATH", "/usr/bin:/bin"));
        assertEquals(7, outcome.exitCode());
        assertEquals("local arg one\n", outcome.out());
        assertEquals("oops\n", outcome.err());
    }

    @ParameterizedTest
    @MethodSource("io.troupe.booster.gateway.TestGateway#clients")
    void withUnreachableBoosterRunsTheCommandLocally(String kind) throws Exception {
        List<String> argv = TestGateway.client(kind);
        argv.addAll(List.of("sh", "-c", "echo still built"));
        Proc.Outcome outcome = Proc.run(argv, dir,
                Map.of("PATH", "/usr/bin:/bin", "TROUPE_BOOSTER_SOCKET", dir.resolve("gone.sock").toString()));
        assertEquals(0, outcome.exitCode());
        assertEquals("still built\n", outcome.out());
        assertTrue(outcome.err().contains("unreachable"), outcome.err());
    }

    @ParameterizedTest
    @MethodSource("io.troupe.booster.gateway.TestGateway#clients")
    void whenTheSinkDiesTheClientRunsLocally(String kind) throws Exception {
        Path socket = dir.resolve("dying.sock");
        ActorRef<SubWorkArrived> dyingSink = testKit.spawn(Behaviors.receive(SubWorkArrived.class)
                .onAnyMessage(message -> Behaviors.stopped()).build());
        TestProbe<Event> owner = testKit.createTestProbe();
        testKit.spawn(ExecutorGateway.create(socket, dyingSink, owner.getRef()));
        owner.expectMessageClass(Bound.class);
        List<String> argv = TestGateway.client(kind);
        argv.addAll(List.of("sh", "-c", "echo ran here"));
        Proc.Outcome outcome = Proc.run(argv, dir,
                Map.of("PATH", "/usr/bin:/bin", "TROUPE_BOOSTER_SOCKET", socket.toString()));
        assertEquals(0, outcome.exitCode());
        assertEquals("ran here\n", outcome.out());
    }

    @Test
    void socketFileIsRemovedOnStop() {
        TestGateway gw = TestGateway.start(testKit, dir);
        assertTrue(Files.exists(gw.socket()));
        testKit.stop(gw.ref());
        assertFalse(Files.exists(gw.socket()), "socket file left behind");
    }

    @Test
    void aSecondGatewayOnALiveSocketFailsNamingThePath() {
        TestGateway gw = TestGateway.start(testKit, dir);
        TestProbe<Event> owner = testKit.createTestProbe();
        testKit.spawn(ExecutorGateway.create(gw.socket(), gw.sink().getRef(), owner.getRef()));
        BindFailed failed = owner.expectMessageClass(BindFailed.class);
        assertTrue(failed.reason().contains(gw.socket().toString()), failed.reason());
        assertTrue(failed.reason().contains("already listening"), failed.reason());
        assertTrue(Files.exists(gw.socket()), "the live socket must not be deleted");
        testKit.stop(gw.ref());
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        Path socket = dir.resolve("gw.sock");
        // a socket file nobody listens on, as a kill -9'd booster leaves it
        try (var server = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        TestGateway gw = TestGateway.start(testKit, dir);
        testKit.stop(gw.ref());
    }

    @Test
    void aPathThatIsNotASocketIsRefused() throws Exception {
        Path notSocket = Files.writeString(dir.resolve("gw.sock"), "precious");
        TestProbe<Event> owner = testKit.createTestProbe();
        testKit.spawn(ExecutorGateway.create(notSocket, testKit.<SubWorkArrived>createTestProbe().getRef(), owner.getRef()));
        BindFailed failed = owner.expectMessageClass(BindFailed.class);
        assertTrue(failed.reason().contains("is not a socket"), failed.reason());
        assertEquals("precious", Files.readString(notSocket));
    }

    @Test
    void aClientThatConnectedBeforeTheGatewayActorExistedIsServedOnceItAdoptsTheSocket() throws Exception {
        // as the booster does before its actor system starts: bind in plain Java, the work command connects
        Path socket = dir.resolve("early.sock");
        java.nio.channels.ServerSocketChannel bound = GatewaySocket.bind(socket);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        try (SocketChannel early = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            early.write(ByteBuffer.wrap(GatewayProtocol.encodeRequest(List.of("true"), "/", Map.of("A", "1"))));
            TestProbe<SubWorkArrived> sink = testKit.createTestProbe();
            TestProbe<Event> owner = testKit.createTestProbe();
            ActorRef<ExecutorGateway.Command> gateway =
                    testKit.spawn(ExecutorGateway.adopt(bound, socket, sink.getRef(), owner.getRef()));
            assertEquals(socket, owner.expectMessageClass(Bound.class).socket());
            SubWorkArrived arrived = sink.expectMessageClass(SubWorkArrived.class);
            assertEquals(List.of("true"), arrived.argv());
            arrived.replyTo().tell(new SubWorkReply(3, "out".getBytes(), new byte[0]));
            GatewayProtocol.Reply reply = GatewayProtocol.readReply(java.nio.channels.Channels.newInputStream(early));
            assertEquals(3, reply.exitCode());
            testKit.stop(gateway);
        }
        // the stopped gateway closes the adopted socket and removes its file in PostStop
        testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
            assertFalse(Files.exists(socket), "the adopted socket's file is removed when the gateway stops");
            return null;
        });
    }

    @Test
    void bindingRefusesALiveSocket() throws Exception {
        Path socket = dir.resolve("live.sock");
        try (java.nio.channels.ServerSocketChannel first = GatewaySocket.bind(socket)) {
            IOException refused = assertThrows(IOException.class, () -> GatewaySocket.bind(socket));
            assertTrue(refused.getMessage().contains("another booster is already listening on " + socket), refused.getMessage());
        }
    }

    @Test
    void aMalformedRequestIsDroppedAndTheGatewayKeepsServing() throws Exception {
        TestGateway gw = TestGateway.start(testKit, dir);
        try (SocketChannel bad = SocketChannel.open(UnixDomainSocketAddress.of(gw.socket()))) {
            bad.write(ByteBuffer.wrap("GET / HTTP/1.0\r\n\r\n".getBytes()));
            ByteBuffer answer = ByteBuffer.allocate(16);
            assertEquals(-1, bad.read(answer), "a bad request gets the connection closed, no answer");
        }
        gw.sink().expectNoMessage(Duration.ofMillis(200));
        try (SocketChannel good = SocketChannel.open(UnixDomainSocketAddress.of(gw.socket()))) {
            good.write(ByteBuffer.wrap(GatewayProtocol.encodeRequest(List.of("true"), "/", Map.of("A", "1"))));
            SubWorkArrived arrived = gw.sink().expectMessageClass(SubWorkArrived.class);
            assertEquals(List.of("true"), arrived.argv());
            arrived.replyTo().tell(new SubWorkReply(0, new byte[0], new byte[0]));
            GatewayProtocol.Reply reply = GatewayProtocol.readReply(java.nio.channels.Channels.newInputStream(good));
            assertEquals(0, reply.exitCode());
        }
        testKit.stop(gw.ref());
    }

    @Test
    void protocolRejectsOversizedAndEmptyRequests() {
        byte[] hugeArgc = ByteBuffer.allocate(8).putInt(GatewayProtocol.REQUEST_MAGIC).putInt(Integer.MAX_VALUE).array();
        IOException e = assertThrows(IOException.class,
                () -> GatewayProtocol.readRequest(new java.io.ByteArrayInputStream(hugeArgc)));
        assertTrue(e.getMessage().contains("argc"), e.getMessage());
        byte[] noArgs = GatewayProtocol.encodeRequest(List.of(), "/", Map.of());
        e = assertThrows(IOException.class, () -> GatewayProtocol.readRequest(new java.io.ByteArrayInputStream(noArgs)));
        assertTrue(e.getMessage().contains("empty argv"), e.getMessage());
        assertInstanceOf(java.io.EOFException.class, assertThrows(IOException.class,
                () -> GatewayProtocol.readRequest(new java.io.ByteArrayInputStream(new byte[0]))));
    }
}
