package io.troupe.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.ConfigFactory;
import io.netty.buffer.PooledByteBufAllocator;
import io.troupe.module.web.WebHandlerRegistry;
import io.troupe.proxy.monitor.ProxyStats.Key;
import io.troupe.proxy.route.Backend;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault test (issue 10, point 6): one backend of a two-backend cluster dies and comes back every 200 ms while wrk
 * sends GETs through the proxy, and the proxy keeps exactly what BFE's {@code RetryLevel} promises:
 * <ul>
 * <li>{@code RetryLevel: 1}: a body-less GET whose forwarding failed (connect refused, or the connection closed
 * before a response) is retried on another backend, so every request is a 200 with the body of a backend that
 * was alive: wrk's non-2xx and socket errors are zero, and a Lua check of every body finds none wrong;</li>
 * <li>{@code RetryLevel: 0}: every refused connect is retried elsewhere and never reaches the client; only a
 * request already sent to the backend that died may fail, as a 502, counted as a backend error.</li>
 * </ul>
 * The health checker takes the flapping backend out and puts it back ({@code /monitor/bal_table}), and a second
 * flapping phase grows none of the proxy's threads, heap, pooled memory, fds or in-flight counts over the first.
 */
@Tag("load")
class BackendFlapTest {
    private static final int FLAP_MS = 200;
    private static final int PHASE_SECONDS = 3;
    private static final int EVENT_LOOPS = 2;
    /** the cluster's MaxIdleConnsPerHost: each event loop's pool keeps this many idle connections per backend */
    private static final int MAX_IDLE_PER_HOST = 8;

    @TempDir
    Path conf;
    private ActorTestKit kit;
    private ProxyRuntime proxy;
    private FlappingBackend stable;
    private FlappingBackend flapper;
    private final WebHandlerRegistry web = new WebHandlerRegistry();

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.stop();
        }
        if (kit != null) {
            kit.shutdownTestKit();
        }
        for (FlappingBackend b : new FlappingBackend[] {stable, flapper}) {
            if (b != null) {
                b.close();
            }
        }
    }

    @ParameterizedTest(name = "RetryLevel {0}")
    @ValueSource(ints = {1, 0})
    void aBackendFlappingEvery200msUnderWrkLoad(int retryLevel) throws Exception {
        Path wrk = findWrk();
        stable = new FlappingBackend("stable");
        flapper = new FlappingBackend("flap");
        writeConf(retryLevel);
        kit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                troupe.proxy { bind = 127.0.0.1, http-port = 0, https-port = -1, event-loops = %d }
                """.formatted(EVENT_LOOPS)).withFallback(ConfigFactory.load()));
        proxy = ProxyRuntime.start(kit.system(), conf, web);
        Path lua = writeLua();
        String url = "http://127.0.0.1:" + proxy.httpPort() + "/item";

        // warm-up without flapping: pools, JIT, the event loops' threads
        WrkRun warm = wrk(wrk, lua, url, 2);
        warm.assertAllRight("warm-up");
        Sample base = sample();

        Phase one = flapPhase(wrk, lua, url);
        Sample afterOne = sample();
        Phase two = flapPhase(wrk, lua, url);
        Sample afterTwo = sample();
        System.out.printf("backend flap: phase 1 %s%nphase 2 %s%nsamples: base %s, after 1 %s, after 2 %s%n",
                one, two, base, afterOne, afterTwo);
        System.out.printf("proxy: %d connects refused, %d connections lost before a response, %d retries, %d 5xx,"
                        + " %d clients gone mid-request%n",
                proxy.stats().get(Key.ERR_BK_CONNECT_BACKEND), proxy.stats().get(Key.ERR_BK_READ_RESP_HEADER),
                proxy.stats().get(Key.BACKEND_RETRY), proxy.stats().get(Key.STATUS_5XX),
                proxy.stats().get(Key.ERR_CLIENT_CLOSE));

        long connectFails = proxy.stats().get(Key.ERR_BK_CONNECT_BACKEND);
        long lost = proxy.stats().get(Key.ERR_BK_READ_RESP_HEADER);
        long retries = proxy.stats().get(Key.BACKEND_RETRY);
        for (Phase p : List.of(one, two)) {
            if (retryLevel == 1) {
                p.wrk.assertAllRight("while the backend flapped");
            } else {
                assertEquals(p.wrk.wrong, p.wrk.wrong502, "a failure other than the proxy's 502:\n" + p.wrk.output);
            }
            assertTrue(p.flaps >= PHASE_SECONDS * 1000 / FLAP_MS / 2, "the backend flapped only " + p.flaps + " times");
            assertTrue(p.sawDown && p.sawUpAgain, "bal_table did not show the flapping backend down and back up: " + p);
            assertTrue(p.stableAlwaysUp, "the stable backend was marked down: " + p);
            assertTrue(p.flapServed > 0, "the flapping backend served nothing while it was up: " + p);
        }
        // the proxy saw the faults; each retry is one the RetryLevel allows
        assertTrue(connectFails > 0, "no connect to the flapping backend was refused");
        // a fault that comes back after wrk closed its connection at a phase's end has nobody to retry for: at most
        // one per request the client left in flight (ERR_CLIENT_CLOSE)
        long clientGone = proxy.stats().get(Key.ERR_CLIENT_CLOSE);
        if (retryLevel == 1) {
            long unretried = connectFails + lost - retries;
            assertTrue(unretried >= 0 && unretried <= clientGone, "every refused connect and every lost GET of a"
                    + " waiting client is retried: " + connectFails + " + " + lost + " faults, " + retries + " retries, "
                    + clientGone + " clients gone");
            assertEquals(0, proxy.stats().get(Key.STATUS_5XX), "5xx answered by the proxy");
        } else {
            long unretried = connectFails - retries;
            assertTrue(unretried >= 0 && unretried <= clientGone, "every refused connect of a waiting client is"
                    + " retried, and nothing else: " + connectFails + " faults, " + retries + " retries, " + clientGone
                    + " clients gone");
            long failed = one.wrk.failed() + two.wrk.failed();
            assertTrue(failed <= lost, failed + " requests failed, but only " + lost + " were lost by a dying backend");
        }

        // nothing in flight is left counted, and the second phase grew nothing over the first
        awaitZero("requests active", () -> proxy.stats().get(Key.CLIENT_REQ_ACTIVE));
        awaitZero("client connections active", () -> proxy.stats().get(Key.CLIENT_CONN_ACTIVE));
        for (Backend b : proxy.routes().get().cluster("c_flap").backends()) {
            awaitZero("requests counted in flight to " + b.name(), () -> proxy.health().activeRequests(b));
        }
        assertTrue(afterTwo.threads <= afterOne.threads + 1, "threads grew: " + afterOne + " -> " + afterTwo);
        assertTrue(afterTwo.heapBytes <= afterOne.heapBytes + 4L * 1024 * 1024,
                "heap after GC grew by more than 4 MiB: " + afterOne + " -> " + afterTwo);
        // one more pool chunk (4 MiB) may be taken by a thread cache; a per-request leak would be far more
        assertTrue(afterTwo.directBytes <= afterOne.directBytes + 4L * 1024 * 1024, "pooled direct memory grew: " + afterOne + " -> " + afterTwo);
        // Each phase ends with the flapping backend (in this JVM) up or down, as its last flap left it: up, it has
        // its listening socket and the pools may keep idle connections to it, two fds each (the proxy's end and
        // the backend's). So phase two may end with that many more than phase one; a per-request leak over
        // thousands of requests stays far above it.
        int flapBackendFds = 1 + 2 * MAX_IDLE_PER_HOST * EVENT_LOOPS;
        awaitZero("open fds over phase one's " + afterOne.fds + " + " + flapBackendFds + " (" + afterOne + " -> " + afterTwo + ")",
                () -> Math.max(0, openFds() - (afterOne.fds + flapBackendFds)));
    }

    private void writeConf(int retryLevel) throws Exception {
        Path sd = Files.createDirectories(conf.resolve("server_data_conf"));
        Path cc = Files.createDirectories(conf.resolve("cluster_conf"));
        Files.writeString(sd.resolve("host_rule.data"), """
                {"Version": "h", "DefaultProduct": "p", "Hosts": {"t": ["flap.test"]}, "HostTags": {"p": ["t"]}}
                """);
        Files.writeString(sd.resolve("route_rule.data"), """
                {"Version": "r", "BasicRule": {"p": [{"Path": ["*"], "ClusterName": "c_flap"}]}}
                """);
        Files.writeString(sd.resolve("cluster_conf.data"), """
                {"Version": "c", "Config": {"c_flap": {
                   "BackendConf": {"RetryLevel": %d, "TimeoutConnSrv": 1000, "TimeoutResponseHeader": 5000,
                                   "MaxIdleConnsPerHost": %d},
                   "CheckConf": {"Uri": "/health", "StatusCode": 200, "FailNum": 2, "SuccNum": 1,
                                 "CheckInterval": 50, "CheckTimeout": 500},
                   "GslbBasic": {"RetryMax": 2}}}}
                """.formatted(retryLevel, MAX_IDLE_PER_HOST));
        Files.writeString(cc.resolve("cluster_table.data"), """
                {"Version": "t", "Config": {"c_flap": {"s": [
                   {"Name": "stable", "Addr": "127.0.0.1", "Port": %d, "Weight": 1},
                   {"Name": "flap", "Addr": "127.0.0.1", "Port": %d, "Weight": 1}]}}}
                """.formatted(stable.port(), flapper.port()));
        Files.writeString(cc.resolve("gslb.data"), """
                {"Clusters": {"c_flap": {"s": 100}}, "Hostname": "", "Ts": "g"}
                """);
    }

    /** Counts each response as right (a 200 with one of the two backends' bodies) or wrong, per wrk thread. */
    private Path writeLua() throws Exception {
        Path lua = conf.resolve("check.lua");
        Files.writeString(lua, """
                local threads = {}
                function setup(thread) table.insert(threads, thread) end
                function init(args) right = 0; wrong = 0; wrong502 = 0; sample = "" end
                function response(status, headers, body)
                  if status == 200 and (body == "%s" or body == "%s") then right = right + 1
                  else
                    wrong = wrong + 1; sample = status .. " " .. tostring(body)
                    if status == 502 then wrong502 = wrong502 + 1 end
                  end
                end
                function done(summary, latency, requests)
                  local r, w, w5, s = 0, 0, 0, ""
                  for _, t in ipairs(threads) do
                    r = r + t:get("right"); w = w + t:get("wrong"); w5 = w5 + t:get("wrong502")
                    if t:get("sample") ~= "" then s = t:get("sample") end
                  end
                  io.write(string.format("checked right=%%d wrong=%%d wrong502=%%d last_wrong=[%%s]\\n", r, w, w5, s))
                end
                """.formatted(luaString(stable.body()), luaString(flapper.body())));
        return lua;
    }

    private static String luaString(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"");
    }

    /** wrk for {@code PHASE_SECONDS} while the flapper dies and comes back every 200 ms and bal_table is watched. */
    private Phase flapPhase(Path wrk, Path lua, String url) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger flaps = new AtomicInteger();
        Throwable[] flapError = new Throwable[1];
        long servedBefore = flapper.served.get();
        Thread flapping = new Thread(() -> {
            try {
                long next = System.nanoTime();
                while (running.get()) {
                    next += TimeUnit.MILLISECONDS.toNanos(FLAP_MS);
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                    if (flapper.isUp()) {
                        flapper.stop();
                    } else {
                        flapper.start();
                    }
                    flaps.incrementAndGet();
                }
            } catch (Throwable t) {
                flapError[0] = t;
            }
        }, "flapper");
        String flapKey = "c_flap.s.127.0.0.1:" + flapper.port() + ".avail=";
        String stableKey = "c_flap.s.127.0.0.1:" + stable.port() + ".avail=";
        boolean[] seen = new boolean[3]; // down, up after down, stable down
        Thread watching = new Thread(() -> {
            var monitor = web.monitor("bal_table").orElseThrow();
            while (running.get()) {
                try {
                    String kv = monitor.render(Map.of("format", List.of("kv")));
                    if (kv.contains(flapKey + "0")) {
                        seen[0] = true;
                    } else if (seen[0] && kv.contains(flapKey + "1")) {
                        seen[1] = true;
                    }
                    if (kv.contains(stableKey + "0")) {
                        seen[2] = true;
                    }
                    Thread.sleep(10);
                } catch (Exception e) {
                    return;
                }
            }
        }, "bal_table watcher");
        flapping.start();
        watching.start();
        WrkRun run;
        try {
            run = wrk(wrk, lua, url, PHASE_SECONDS);
        } finally {
            running.set(false);
            flapping.join(5000);
            watching.join(5000);
            flapper.start(); // leave it up between phases
        }
        if (flapError[0] != null) {
            throw new AssertionError("flapping the backend failed", flapError[0]);
        }
        return new Phase(run, flaps.get(), seen[0], seen[1], !seen[2], flapper.served.get() - servedBefore);
    }

    private record Phase(WrkRun wrk, int flaps, boolean sawDown, boolean sawUpAgain, boolean stableAlwaysUp,
                         long flapServed) {
        @Override
        public String toString() {
            return wrk.summary() + ", " + flaps + " flaps, flap down seen " + sawDown + ", back up seen " + sawUpAgain
                    + ", stable always up " + stableAlwaysUp + ", flap served " + flapServed;
        }
    }

    private record WrkRun(String output, long requests, long right, long wrong, long wrong502, long socketErrors) {
        String summary() {
            return requests + " requests, " + right + " right, " + wrong + " wrong (" + wrong502 + " 502s), "
                    + socketErrors + " socket errors";
        }

        long failed() {
            return wrong + socketErrors;
        }

        void assertAllRight(String when) {
            assertTrue(!output.contains("Non-2xx") && !output.contains("Socket errors"),
                    "requests failed " + when + ":\n" + output);
            assertEquals(0, wrong, "wrong responses " + when + ":\n" + output);
            assertEquals(requests, right, "not every response was checked " + when + ":\n" + output);
            assertTrue(requests >= 100, "too little traffic " + when + ":\n" + output);
        }
    }

    private static WrkRun wrk(Path wrk, Path lua, String url, int seconds) throws Exception {
        Process p = new ProcessBuilder(wrk.toString(), "-t2", "-c8", "-d" + seconds + "s", "--timeout", "5s",
                "-H", "Host: flap.test", "-s", lua.toString(), url).redirectErrorStream(true).start();
        if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("wrk did not end within " + (seconds + 30) + " s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        Matcher requests = Pattern.compile("(\\d+) requests in").matcher(out);
        Matcher checked = Pattern.compile("checked right=(\\d+) wrong=(\\d+) wrong502=(\\d+)").matcher(out);
        if (!requests.find() || !checked.find()) {
            fail("unexpected wrk output:\n" + out);
        }
        // "Socket errors: connect 0, read 1, write 0, timeout 0"
        long socketErrors = 0;
        Matcher errors = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
                .matcher(out);
        if (errors.find()) {
            for (int i = 1; i <= 4; i++) {
                socketErrors += Long.parseLong(errors.group(i));
            }
        }
        return new WrkRun(out, Long.parseLong(requests.group(1)), Long.parseLong(checked.group(1)),
                Long.parseLong(checked.group(2)), Long.parseLong(checked.group(3)), socketErrors);
    }

    private record Sample(int threads, long heapBytes, long directBytes, long fds) {
        @Override
        public String toString() {
            return threads + " threads, heap " + heapBytes / 1024 + " KiB, pooled direct " + directBytes / 1024
                    + " KiB, " + fds + " fds";
        }
    }

    /** Each figure the lowest of three readings after a full GC: a leak raises the floor, passing garbage does not. */
    private static Sample sample() throws Exception {
        int threads = Integer.MAX_VALUE;
        long heap = Long.MAX_VALUE;
        long direct = Long.MAX_VALUE;
        long fds = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            heap = Math.min(heap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            threads = Math.min(threads, ManagementFactory.getThreadMXBean().getThreadCount());
            direct = Math.min(direct, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
            fds = Math.min(fds, openFds());
            Thread.sleep(200);
        }
        return new Sample(threads, heap, direct, fds);
    }

    private static long openFds() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitZero(String what, java.util.function.LongSupplier value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (value.getAsLong() != 0) {
            if (System.nanoTime() > deadline) {
                fail(what + " is " + value.getAsLong() + ", not 0, 5 s after the load ended");
            }
            Thread.sleep(20);
        }
    }

    /** wrk from PATH; the CI script installs the Debian package. */
    private static Path findWrk() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "wrk");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("wrk is not on PATH: install the Debian package wrk (.ci/run does) to run this load test");
    }
}
