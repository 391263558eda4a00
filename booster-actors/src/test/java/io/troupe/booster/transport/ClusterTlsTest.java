package io.troupe.booster.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Artery TLS with mutual authentication: members with the cluster CA's certificates join, others are refused. */
@Tag("multinode")
class ClusterTlsTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);

    @TempDir
    static Path certs;
    private static Path memberA;
    private static Path memberB;
    private static Path otherCaMember;

    private final List<ActorTestKit> kits = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        Path ca = TestCerts.ca(certs.resolve("ca"));
        memberA = TestCerts.member(ca, certs.resolve("a"));
        memberB = TestCerts.member(ca, certs.resolve("b"));
        otherCaMember = TestCerts.member(TestCerts.ca(certs.resolve("other-ca")), certs.resolve("other"));
    }

    @BeforeEach
    void captureLog() {
        log.start();
        root().addAppender(log);
    }

    @AfterEach
    void stop() {
        // the joiners first, while their seed still answers: a member that leaves after its seed stopped waits out
        // every phase of the leave (more than 30 s on a busy CI)
        for (int i = kits.size() - 1; i >= 0; i--) {
            kits.get(i).shutdownTestKit();
        }
        root().detachAppender(log);
    }

    @Test
    void memberWithTheClusterCertificateJoins() {
        ActorTestKit seed = seed();
        ActorTestKit b = node("b", memberB);
        join(b, seed);
        awaitUp(seed, 2);
        awaitUp(b, 2);
    }

    @Test
    void plainTcpNodeIsRefused() {
        ActorTestKit seed = seed();
        ActorTestKit plain = node("plain", null);
        assertFalse(ClusterTransport.tls(plain.system().settings().config()));
        join(plain, seed);
        // the TLS port never answers a plain handshake: the outsider logs that it could not get in
        awaitRefusal("plain TCP", "did not complete");
        assertNotMember(seed, plain);
    }

    @Test
    void certificateFromAnotherCaIsRefused() {
        ActorTestKit seed = seed();
        ActorTestKit other = node("other", otherCaMember);
        join(other, seed);
        // the seed's certificate does not chain to the outsider's CA (and the other way round): the handshake fails
        awaitRefusal("certificate from another CA", "PKIX path validation failed");
        assertNotMember(seed, other);
    }

    @Test
    void missingKeyMaterialIsNamed() {
        Config config = ConfigFactory.parseString("troupe.cluster.tls.dir = \"" + certs.resolve("ca") + "\"");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ClusterTransport.configure(config, "--tls-dir"));
        assertTrue(e.getMessage().contains("troupe.cluster.tls.dir (--tls-dir)") && e.getMessage().contains("tls.key"),
                e.getMessage());
    }

    @Test
    void plainTransportBeyondLoopbackIsWarnedAbout() {
        Config wide = ConfigFactory.parseString("pekko.remote.artery.canonical.hostname = \"10.1.2.3\"");
        assertTrue(ClusterTransport.plainWarning(wide).orElseThrow().contains("troupe.cluster.tls.dir"));
        Config loopback = ConfigFactory.parseString("pekko.remote.artery.canonical.hostname = \"127.0.0.1\"");
        assertTrue(ClusterTransport.plainWarning(loopback).isEmpty());
        Config tls = ClusterTransport.configure(wide.withFallback(ConfigFactory.parseString(
                "troupe.cluster.tls.dir = \"" + memberA + "\"")), "test");
        assertTrue(ClusterTransport.tls(tls));
        assertTrue(ClusterTransport.plainWarning(tls).isEmpty());
    }

    private ActorTestKit seed() {
        ActorTestKit seed = node("seed", memberA);
        assertTrue(ClusterTransport.tls(seed.system().settings().config()));
        join(seed, seed);
        awaitUp(seed, 1);
        return seed;
    }

    private ActorTestKit node(String name, Path tlsDir) {
        Config config = ConfigFactory.parseString(String.join("\n",
                        "pekko.actor.provider = cluster",
                        "pekko.remote.artery.canonical.hostname = 127.0.0.1",
                        "pekko.remote.artery.canonical.port = 0",
                        "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
                        "pekko.loglevel = WARNING",
                        // a plain node's handshake with a TLS port never completes: fail it sooner than 20 s
                        "pekko.remote.artery.advanced.handshake-timeout = 4s",
                        "pekko.stdout-loglevel = OFF",
                        "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
                        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                        // a member leaving after its seed stopped waits out the leave's timeouts: more than 10 s on a busy CI
                        "pekko.actor.testkit.typed.system-shutdown-default = 30s",
                        // Artery's TLS streams now and then never finish stopping (1 run in 8 here, after the
                        // assertions passed, in the actor-system-terminate phase): logged, not a failed test
                        "pekko.actor.testkit.typed.throw-on-shutdown-timeout = off",
                        "troupe.cluster.tls.dir = \"" + (tlsDir == null ? "" : tlsDir) + "\""))
                .withFallback(ConfigFactory.load())
                .resolve();
        ActorTestKit kit = ActorTestKit.create("troupe", ClusterTransport.configure(config, "test"));
        kits.add(kit);
        return kit;
    }

    private static void join(ActorTestKit joiner, ActorTestKit seed) {
        Address seedAddress = Cluster.get(seed.system()).selfMember().address();
        Cluster.get(joiner.system()).manager().tell(Join.create(seedAddress));
    }

    private static void awaitUp(ActorTestKit kit, int members) {
        TestProbe<Object> probe = kit.createTestProbe();
        probe.awaitAssert(WITHIN, () -> {
            List<MemberStatus> statuses = StreamSupport.stream(Cluster.get(kit.system()).state().getMembers().spliterator(), false)
                    .map(m -> m.status()).toList();
            assertEquals(members, statuses.size(), statuses.toString());
            assertTrue(statuses.stream().allMatch(s -> s == MemberStatus.up()), statuses.toString());
            return null;
        });
    }

    /** Waits for a log event (message or its exception) containing {@code expected}. */
    private void awaitRefusal(String why, String expected) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            for (ILoggingEvent event : List.copyOf(log.list)) {
                String text = event.getFormattedMessage() + " " + (event.getThrowableProxy() == null ? ""
                        : event.getThrowableProxy().getClassName() + ": " + event.getThrowableProxy().getMessage());
                if (text.contains(expected)) {
                    System.err.println("refusal (" + why + "): " + event.getLoggerName() + " " + text);
                    return;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
        }
        StringBuilder all = new StringBuilder();
        List.copyOf(log.list).forEach(e -> all.append(e.getLoggerName()).append(": ").append(e.getFormattedMessage()).append('\n'));
        throw new AssertionError("no TLS refusal logged within " + WITHIN + " (" + why + "); log:\n" + all);
    }

    private static void assertNotMember(ActorTestKit seed, ActorTestKit outsider) {
        Address outsiderAddress = Cluster.get(outsider.system()).selfMember().address();
        List<Address> members = StreamSupport.stream(Cluster.get(seed.system()).state().getMembers().spliterator(), false)
                .map(m -> m.address()).toList();
        assertEquals(1, members.size(), members.toString());
        assertFalse(members.contains(outsiderAddress), members.toString());
        assertFalse(Cluster.get(outsider.system()).selfMember().status() == MemberStatus.up());
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
