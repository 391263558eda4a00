package io.troupe.proxy.server;

import io.netty.handler.codec.http.*;
import io.troupe.api.proxy.*;
import io.troupe.module.access.ModAccess;
import io.troupe.module.block.ModBlock;
import io.troupe.module.header.HeaderModule;
import io.troupe.proxy.forward.CheckedHeaderNames;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.*;

/**
 * Micro-benchmark of bench/proxy-vs-nginx.sh's three modules on one thread: each request is a Netty head with a
 * {@link RequestView} and a {@link ResponseView}, run through the modules' filters as the proxy would. Prints CPU
 * time and bytes allocated per request (this thread, and all threads: mod_access's writer). Run by
 * bench/modules-micro.sh; in this package for the package-private SessionImpl constructor.
 */
public final class ModulesMicro {
    static final Map<CallbackPoint, List<Object>> filters = new EnumMap<>(CallbackPoint.class);

    public static void main(String[] args) throws Exception {
        Path conf = Path.of(args[0]);
        Set<String> mods = new HashSet<>(Arrays.asList(args[1].split(",")));
        int rounds = Integer.parseInt(args[2]);
        Callbacks cb = new Callbacks() {
            public void addFilter(CallbackPoint p, SessionFilter f) { filters.computeIfAbsent(p, k -> new ArrayList<>()).add(f); }
            public void addFilter(CallbackPoint p, RequestFilter f) { filters.computeIfAbsent(p, k -> new ArrayList<>()).add(f); }
            public void addFilter(CallbackPoint p, ForwardFilter f) { filters.computeIfAbsent(p, k -> new ArrayList<>()).add(f); }
            public void addFilter(CallbackPoint p, ResponseFilter f) { filters.computeIfAbsent(p, k -> new ArrayList<>()).add(f); }
        };
        WebHandlers web = new WebHandlers() {
            public void registerMonitor(String name, MonitorHandler handler) {}
            public void registerReload(String name, ReloadHandler handler) {}
        };
        if (mods.contains("mod_block")) new ModBlock().init(cb, web, conf);
        if (mods.contains("mod_header")) new HeaderModule().init(cb, web, conf);
        if (mods.contains("mod_access")) new ModAccess().init(cb, web, conf);
        SessionImpl[] sessions = new SessionImpl[32];
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        for (int i = 0; i < sessions.length; i++) {
            sessions[i] = new SessionImpl(new InetSocketAddress(InetAddress.getByAddress(lo.getAddress()), 40000 + i),
                    new InetSocketAddress(InetAddress.getByAddress(lo.getAddress()), 19084), false);
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            int n = 2_000_000;
            long t0 = allThreads(mx);
            long a0 = mx.getThreadAllocatedBytes(tid);
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                sink += one(sessions[i & 31]);
            }
            long c1 = mx.getCurrentThreadCpuTime();
            long a1 = mx.getThreadAllocatedBytes(tid);
            long t1 = allThreads(mx);
            System.out.printf("%s round %d: %.1f ns, %.0f B per request, all threads %.0f B%n", args[1], r, (c1 - c0) / (double) n, (a1 - a0) / (double) n, (t1 - t0) / (double) n);
        }
        System.err.println("sink " + sink); // keeps the JIT from dropping the work
        System.exit(0);
    }

    static long allThreads(com.sun.management.ThreadMXBean mx) {
        long s = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (b > 0) s += b;
        return s;
    }

    static int one(SessionImpl s) {
        // header maps as the proxy's decoders make them (names checked once at load pass unchecked)
        DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/index.html",
                CheckedHeaderNames.HEADERS);
        head.headers().add("Host", "127.0.0.1:19084");
        RequestView rv = new RequestView(s, head, false);
        rv.product("bench");
        int k = run(CallbackPoint.BEFORE_LOCATION, rv, null);
        k += run(CallbackPoint.FOUND_PRODUCT, rv, null);
        rv.cluster("c_bench");
        k += run(CallbackPoint.AFTER_LOCATION, rv, null);
        DefaultHttpResponse rh = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                CheckedHeaderNames.HEADERS);
        rh.headers().add("Server", "nginx").add("Content-Type", "text/html").add("Content-Length", "612");
        ResponseView resp = new ResponseView(rh);
        k += run(CallbackPoint.READ_RESPONSE, rv, resp);
        k += run(CallbackPoint.REQUEST_FINISH, rv, resp);
        return k + head.headers().size() + rh.headers().size();
    }

    static int run(CallbackPoint p, Request r, Response resp) {
        List<Object> l = filters.get(p);
        if (l == null) return 0;
        int k = 0;
        for (int i = 0; i < l.size(); i++) {
            Object f = l.get(i);
            if (f instanceof RequestFilter rf) k += rf.filter(r).code().ordinal();
            else if (f instanceof ResponseFilter sf) k += sf.filter(r, resp).ordinal();
        }
        return k;
    }
}
