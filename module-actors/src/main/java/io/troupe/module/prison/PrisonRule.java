package io.troupe.module.prison;

import io.troupe.api.condition.Condition;
import io.troupe.api.proxy.Request;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.codec.digest.DigestUtils;

/**
 * One prison rule: requests matching its Cond are counted per access sign (the key built from the fields its
 * AccessSignConf names) over a sliding window of CheckPeriod seconds; a sign counted above Threshold is jailed
 * for StayPeriod seconds plus the rest of the current window, and its requests get the rule's action.
 */
final class PrisonRule {

    /** AccessSignConf: which parts of a request make its key. */
    record SignConf(boolean useSocketIp, boolean useClientIp, boolean useConnectId, boolean useUrl,
                    boolean useHost, boolean usePath, boolean useHeaders, Pattern urlRegexp,
                    List<String> query, List<String> header, List<String> cookie) {}

    /** Two fixed buckets weighted into a sliding count: the previous window's share still inside the window. */
    static final class Window {
        long start;
        long current;
        long previous;

        Window(long now) {
            start = now;
        }

        /** Counts one access at {@code now}; returns the sliding count including it. */
        double hit(long now, long period) {
            long elapsed = now - start;
            if (elapsed >= 2 * period) {
                previous = 0;
                current = 0;
                start = now;
                elapsed = 0;
            } else if (elapsed >= period) {
                previous = current;
                current = 0;
                start += period;
                elapsed -= period;
            }
            current++;
            return previous * (1.0 - (double) elapsed / period) + current;
        }

        long windowEnd(long period) {
            return start + period;
        }
    }

    final String name;
    final Condition cond;
    final String condStr;
    final String cmd;
    final List<String> params;
    final SignConf sign;
    final long checkPeriodNs;
    final long stayPeriodNs;
    final int threshold;
    final int accessDictSize;
    final int prisonDictSize;
    private final LongSupplier clock;
    private LruMap<String, Window> accessDict;
    private LruMap<String, Long> prisonDict;

    PrisonRule(String name, Condition cond, String condStr, String cmd, List<String> params, SignConf sign,
               long checkPeriodS, long stayPeriodS, int threshold, int accessDictSize, int prisonDictSize,
               LongSupplier clock) {
        this.name = name;
        this.cond = cond;
        this.condStr = condStr;
        this.cmd = cmd;
        this.params = params;
        this.sign = sign;
        this.checkPeriodNs = checkPeriodS * 1_000_000_000L;
        this.stayPeriodNs = stayPeriodS * 1_000_000_000L;
        this.threshold = threshold;
        this.accessDictSize = accessDictSize;
        this.prisonDictSize = prisonDictSize;
        this.clock = clock;
    }

    /** Takes over the counts of the rule this one replaces on reload (BFE keeps them and grows the dicts). */
    void initDicts(PrisonRule old) {
        if (old == null) {
            accessDict = new LruMap<>(accessDictSize);
            prisonDict = new LruMap<>(prisonDictSize);
            return;
        }
        // the old rule may still serve requests of the old snapshot: both rules lock the shared accessDict
        synchronized (old.accessDict) {
            accessDict = old.accessDict;
            prisonDict = old.prisonDict;
            accessDict.capacity = Math.max(accessDict.capacity, accessDictSize);
            prisonDict.capacity = Math.max(prisonDict.capacity, prisonDictSize);
        }
    }

    /** The verdict for one matching request, or {@code null} when the request has none of the sign's fields. */
    PrisonInfo recordAndCheck(Request req) {
        String key = sign(req);
        if (key == null) {
            return null;
        }
        long now = clock.getAsLong();
        synchronized (accessDict) { // shared with the rule this one replaced or will be replaced by
            Long free = prisonDict.get(key);
            if (free != null) {
                if (now < free) {
                    return new PrisonInfo(ModPrison.NAME, name, free, false, cmd);
                }
                prisonDict.remove(key);
            }
            Window w = accessDict.computeIfAbsent(key, k -> new Window(now));
            if (w.hit(now, checkPeriodNs) > threshold) {
                long freeAt = now + stayPeriodNs + (w.windowEnd(checkPeriodNs) - now);
                prisonDict.put(key, freeAt);
                accessDict.remove(key);
                return new PrisonInfo(ModPrison.NAME, name, freeAt, false, cmd);
            }
            return free != null ? new PrisonInfo(ModPrison.NAME, name, free, true, cmd) : PrisonInfo.FREE;
        }
    }

    /** BFE's access sign: the rule's Cond as a label, then each selected field; md5 keeps the dicts small. */
    String sign(Request req) {
        StringBuilder b = new StringBuilder(96);
        kv(b, "label", condStr);
        if (sign.useSocketIp()) {
            InetSocketAddress socket = req.session() == null ? null : req.session().clientAddress();
            if (socket == null || socket.getAddress() == null) {
                return null;
            }
            kv(b, "socketIP", socket.getAddress().getHostAddress());
        }
        if (sign.useClientIp()) {
            // the client address as mod_trust_clientip left it (the peer unless the source is trusted)
            InetSocketAddress client = req.clientAddress();
            if (client == null || client.getAddress() == null) {
                return null;
            }
            kv(b, "clientIP", client.getAddress().getHostAddress());
        }
        if (sign.useConnectId()) {
            kv(b, "connectID", req.session() == null ? "" : Long.toString(req.session().id()));
        }
        if (sign.useUrl()) {
            kv(b, "url", req.uri());
        }
        if (sign.useHost()) {
            kv(b, "host", req.host());
        }
        if (sign.usePath()) {
            kv(b, "path", req.path());
        }
        if (sign.urlRegexp() != null) {
            Matcher m = sign.urlRegexp().matcher(req.uri());
            if (!m.find()) {
                return null;
            }
            StringBuilder groups = new StringBuilder();
            for (int g = 1; g <= m.groupCount(); g++) {
                groups.append(g > 1 ? "," : "").append(m.group(g) == null ? "" : m.group(g));
            }
            kv(b, "urlpattern", groups.toString());
        }
        for (String h : sign.header()) {
            String v = req.header(h);
            if (v == null || v.isEmpty()) {
                return null;
            }
            kv(b, h, v);
        }
        for (String c : sign.cookie()) {
            String v = req.cookie(c);
            if (v == null) {
                return null;
            }
            kv(b, c, v);
        }
        Map<String, List<String>> q = sign.query().isEmpty() ? Map.of() : req.queryParams();
        for (String keys : sign.query()) {
            // BFE: "q1|q2" are equivalent keys; their values are concatenated
            b.append('&').append(keys).append('=');
            boolean any = false;
            for (String k : keys.split("\\|")) {
                List<String> v = q.get(k);
                if (v != null && !v.isEmpty() && !v.get(0).isEmpty()) {
                    b.append(v.get(0));
                    any = true;
                }
            }
            if (!any) {
                return null;
            }
        }
        if (sign.useHeaders()) {
            for (String h : req.headerNames()) {
                kv(b, h, h.equalsIgnoreCase("Host") ? req.host() : req.header(h));
            }
        }
        return DigestUtils.md5Hex(b.toString());
    }

    private static void kv(StringBuilder b, String k, String v) {
        b.append('&').append(k).append('=').append(v);
    }

    /** An access-ordered map that forgets its least recently used entry past its capacity. */
    static final class LruMap<K, V> extends LinkedHashMap<K, V> {
        int capacity;

        LruMap(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
            return size() > capacity;
        }
    }
}
