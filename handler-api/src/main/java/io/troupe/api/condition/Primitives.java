package io.troupe.api.condition;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.troupe.api.condition.Lexer.Kind;
import io.troupe.api.condition.Lexer.Token;
import io.troupe.api.condition.Matchers.StringMatcher;
import io.troupe.api.condition.Parser.Call;
import io.troupe.api.proxy.HeaderName;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.Session;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BFE's primitive table: each name's argument types (checked at build time, as BFE's
 * {@code prototypeCheck}) and how it compiles into a {@link Condition}.
 */
final class Primitives {
    private Primitives() {}

    /** An argument type; {@code NUMBER} accepts an integer or a float literal. */
    enum Arg { STRING, BOOL, NUMBER }

    @FunctionalInterface
    interface Factory {
        Condition build(Args args) throws ConditionException;
    }

    /** A primitive's prototype: argument types, how many are required, and its factory. */
    record Spec(List<Arg> args, int required, Factory factory) {}

    /** Fetches the string a primitive looks at; {@code null} means "not available" and the primitive is false. */
    @FunctionalInterface
    interface Source {
        String fetch(Request request);
    }

    /** Fetches an IP's raw bytes (4 or 16), or {@code null} when there is none. */
    @FunctionalInterface
    interface IpSource {
        byte[] fetch(Request request);
    }

    /** Header name BFE reads to override "now" in time primitives (its documented test hook). */
    static final String DEBUG_TIME_HEADER = "X-Bfe-Debug-Time";
    private static final HeaderName DEBUG_TIME = HeaderName.of(DEBUG_TIME_HEADER);
    private static final HeaderName USER_AGENT = HeaderName.of("User-Agent");
    // the client-address fetch as one object, so that a rule list can tell req_cip_range from the other ranges
    private static final IpSource CIP = Primitives::cip;

    static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    private static void def(String name, Factory f, Arg... args) {
        SPECS.put(name, new Spec(List.of(args), args.length, f));
    }

    private static final Arg S = Arg.STRING;
    private static final Arg B = Arg.BOOL;

    static {
        def("default_t", a -> new Logic.Constant(true, a.source()));
        def("req_cip_trusted", a -> new Check(a.source(), r -> r.session().trustedSource()));
        def("req_vip_in", a -> ipIn(a, 0, Primitives::vip), S);
        def("req_vip_range", a -> ipRange(a, Primitives::vip), S, S);
        def("req_cip_range", a -> ipRange(a, CIP), S, S);
        def("req_cip_hash_in", a -> new IpHash(a.source(), Primitives::cip, hash(a, 0, false)), S);
        def("req_proto_match", a -> fetch(a, Primitives::proto, Matchers.exact(a.str(0), true)), S);
        def("req_proto_secure", a -> new Check(a.source(), r -> r.session().isSecure()));
        def("req_host_in", a -> fetch(a, Primitives::host, hostIn(a)), S);
        def("req_host_regmatch", a -> fetch(a, Primitives::host, regex(a, 0)), S);
        def("req_host_tag_in", a -> fetch(a, r -> orEmpty(r.hostTag()), Matchers.in(a.str(0), true)), S);
        def("req_host_suffix_in", a -> fetch(a, Primitives::host, Matchers.suffix(a.str(0), true)), S);
        def("req_path_in", a -> pathFetch(a, Matchers.in(a.str(0), a.bool(1))), S, B);
        def("req_path_prefix_in", a -> pathFetch(a, Matchers.prefix(a.str(0), a.bool(1))), S, B);
        def("req_path_suffix_in", a -> pathFetch(a, Matchers.suffix(a.str(0), a.bool(1))), S, B);
        def("req_path_contain", a -> pathFetch(a, Matchers.contain(a.str(0), a.bool(1))), S, B);
        def("req_path_regmatch", a -> pathFetch(a, regex(a, 0)), S);
        def("req_path_element_prefix_in",
                a -> pathFetch(a, Matchers.pathElementPrefix(a.str(0), a.bool(1))), S, B);
        def("req_query_key_prefix_in", a -> queryKeyPrefixIn(a), S);
        def("req_query_key_in", a -> queryKeyIn(a), S);
        def("req_query_exist", a -> new Check(a.source(), r -> !r.queryParams().isEmpty()));
        def("req_query_value_in", a -> fetch(a, query(a), Matchers.in(a.str(1), a.bool(2))), S, S, B);
        def("req_query_value_prefix_in", a -> fetch(a, query(a), Matchers.prefix(a.str(1), a.bool(2))), S, S, B);
        def("req_query_value_suffix_in", a -> fetch(a, query(a), Matchers.suffix(a.str(1), a.bool(2))), S, S, B);
        def("req_query_value_regmatch", a -> fetch(a, query(a), regex(a, 1)), S, S);
        def("req_query_value_contain", a -> fetch(a, query(a), Matchers.contain(a.str(1), a.bool(2))), S, S, B);
        def("req_query_value_hash_in", a -> fetch(a, query(a), hash(a, 1, a.bool(2))), S, S, B);
        def("req_url_regmatch", a -> fetch(a, Request::uri, regex(a, 0)), S);
        def("req_cookie_key_in", a -> cookieKeyIn(a), S);
        def("req_cookie_value_in", a -> fetch(a, cookie(a), Matchers.in(a.str(1), a.bool(2))), S, S, B);
        def("req_cookie_value_prefix_in", a -> fetch(a, cookie(a), Matchers.prefix(a.str(1), a.bool(2))), S, S, B);
        def("req_cookie_value_suffix_in", a -> fetch(a, cookie(a), Matchers.suffix(a.str(1), a.bool(2))), S, S, B);
        def("req_cookie_value_contain", a -> fetch(a, cookie(a), Matchers.contain(a.str(1), a.bool(2))), S, S, B);
        def("req_cookie_value_hash_in", a -> fetch(a, cookie(a), hash(a, 1, a.bool(2))), S, S, B);
        def("req_port_in", a -> fetch(a, Primitives::port, Matchers.in(a.str(0), false)), S);
        def("req_tag_match", a -> tagMatch(a), S, S);
        def("req_ua_regmatch", a -> fetch(a, r -> orEmpty(r.header(USER_AGENT)), regex(a, 0)), S);
        def("req_header_key_in", a -> headerKeyIn(a, false), S);
        def("req_header_value_in", a -> headerFetch(a, Matchers.in(a.str(1), a.bool(2))), S, S, B);
        def("req_header_value_prefix_in", a -> headerFetch(a, Matchers.prefix(a.str(1), a.bool(2))), S, S, B);
        def("req_header_value_suffix_in", a -> headerFetch(a, Matchers.suffix(a.str(1), a.bool(2))), S, S, B);
        def("req_header_value_regmatch", a -> headerFetch(a, regex(a, 1)), S, S);
        def("req_header_value_contain", a -> headerFetch(a, Matchers.contain(a.str(1), a.bool(2))), S, S, B);
        def("req_header_value_hash_in", a -> headerFetch(a, hash(a, 1, a.bool(2))), S, S, B);
        def("req_method_in", a -> fetch(a, Request::method, Matchers.in(a.str(0), true)), S);
        def("req_context_value_in", a -> fetch(a, context(a), Matchers.in(a.str(1), false)), S, S, B);
        def("req_body_json_in", a -> unavailable(a), S, S, B);
        def("req_body_json_prefix_in", a -> unavailable(a), S, S, B);
        def("res_code_in", a -> fetch(a, Primitives::status, Matchers.in(a.str(0), false)), S);
        def("res_header_key_in", a -> headerKeyIn(a, true), S);
        def("res_header_value_in", a -> fetch(a, resHeader(a), Matchers.in(a.str(1), a.bool(2))), S, S, B);
        def("ses_vip_range", a -> ipRange(a, Primitives::vip), S, S);
        def("ses_sip_range", a -> ipRange(a, Primitives::sip), S, S);
        def("ses_tls_sni_in", a -> fetch(a, Primitives::sni, Matchers.in(a.str(0), true)), S);
        def("ses_tls_client_auth", a -> new Check(a.source(), r -> r.session().isSecure() && r.session().tlsClientAuth()));
        def("ses_tls_client_ca_in", a -> fetch(a, Primitives::clientCa, Matchers.in(a.str(0), false)), S);
        def("bfe_time_range", a -> timeRange(a), S, S);
        def("bfe_periodic_time_range", a -> periodicTimeRange(a), S, S, S);
        SPECS.put("req_ai_intent_in", new Spec(List.of(S, S, Arg.NUMBER), 2, a -> unavailable(a)));
    }

    // ---- prototype check and build ----

    /** BFE's {@code prototypeCheck}: the name exists, the count and each argument's type fit. */
    static void check(Call call) throws ConditionException {
        Spec spec = SPECS.get(call.name());
        if (spec == null) {
            throw new ConditionException(call.pos(), "primitive " + call.name() + " not found");
        }
        int n = call.args().size();
        if (n < spec.required() || n > spec.args().size()) {
            String expect = spec.required() == spec.args().size()
                    ? String.valueOf(spec.required())
                    : spec.required() + " to " + spec.args().size();
            throw new ConditionException(call.pos(), "primitive " + call.name() + " args len error, expect "
                    + expect + ", got " + n);
        }
        for (int i = 0; i < n; i++) {
            Token arg = call.args().get(i);
            Arg want = spec.args().get(i);
            boolean ok = switch (want) {
                case STRING -> arg.kind() == Kind.STRING;
                case BOOL -> arg.kind() == Kind.BOOL;
                case NUMBER -> arg.kind() == Kind.INT || arg.kind() == Kind.FLOAT;
            };
            if (!ok) {
                throw new ConditionException(arg.pos(), "primitive " + call.name() + " arg " + i + " expect "
                        + want + ", got " + arg.kind());
            }
        }
    }

    static Condition build(Call call) throws ConditionException {
        return SPECS.get(call.name()).factory().build(new Args(call));
    }

    /** A checked call's arguments, with positions for error messages. */
    static final class Args {
        private final Call call;

        Args(Call call) {
            this.call = call;
        }

        String str(int i) {
            return call.args().get(i).value();
        }

        boolean bool(int i) {
            return "true".equals(call.args().get(i).value());
        }

        int pos(int i) {
            return call.args().get(i).pos();
        }

        String name() {
            return call.name();
        }

        String source() {
            return call.source();
        }
    }

    // ---- fetchers ----

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    // BFE strips an optional port: everything from the first ':' on
    static String host(Request r) {
        String h = orEmpty(r.host());
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    // BFE takes the port from the Host header after its first ':' (index > 0), else "80"
    static String port(Request r) {
        String h = orEmpty(r.host());
        int colon = h.indexOf(':');
        return colon > 0 ? h.substring(colon + 1) : "80";
    }

    // BFE's Request.Protocol(): the session's protocol over TLS, else the request line's
    static String proto(Request r) {
        Session s = r.session();
        return s.isSecure() ? orEmpty(s.protocol()) : orEmpty(r.protocol());
    }

    private static String status(Request r) {
        Response res = r.response();
        return res == null ? null : Integer.toString(res.status());
    }

    private static String sni(Request r) {
        Session s = r.session();
        String name = s.isSecure() ? s.serverName() : null;
        return name == null || name.isEmpty() ? null : name;
    }

    private static String clientCa(Request r) {
        Session s = r.session();
        if (!s.isSecure() || !s.tlsClientAuth()) {
            return null;
        }
        String ca = s.tlsClientCaName();
        return ca == null || ca.isEmpty() ? null : ca;
    }


    private static Source resHeader(Args a) {
        HeaderName key = HeaderName.of(a.str(0));
        return r -> {
            Response res = r.response();
            return res == null ? null : orEmpty(res.header(key));
        };
    }

    // first value of the key, "" when absent (Go's url.Values.Get)
    private static Source query(Args a) {
        String key = a.str(0);
        return r -> {
            List<String> values = r.queryParams().get(key);
            return values == null || values.isEmpty() ? "" : values.get(0);
        };
    }

    // an absent cookie fails the fetch, so the primitive is false whatever the patterns
    private static Source cookie(Args a) {
        String key = a.str(0);
        return r -> r.cookie(key);
    }

    // only string values can match; an empty key never matches (as BFE)
    private static Source context(Args a) {
        String key = a.str(0);
        if (key.isEmpty()) {
            return r -> null;
        }
        return r -> r.getContext(key) instanceof String s ? s : null;
    }

    // BFE's req_cip_* read req.ClientAddr, which mod_trust_clientip's trusted sources may take from headers
    static byte[] cip(Request r) {
        return IpAddrs.raw(r.clientAddress());
    }

    static byte[] sip(Request r) {
        return IpAddrs.raw(r.session().clientAddress());
    }

    static byte[] vip(Request r) {
        return IpAddrs.raw(r.session().localAddress());
    }

    // ---- builders ----

    private static Condition fetch(Args a, Source source, StringMatcher matcher) {
        return new Fetched(a.source(), source, matcher);
    }

    private static Condition pathFetch(Args a, StringMatcher matcher) {
        return new PathFetched(a.source(), matcher);
    }

    // an absent header is the empty string (Go's Header.Get)
    private static Condition headerFetch(Args a, StringMatcher matcher) {
        return new HeaderFetched(a.source(), HeaderName.of(a.str(0)), matcher);
    }

    private static StringMatcher hostIn(Args a) throws ConditionException {
        for (String h : Matchers.split(a.str(0))) {
            if (h.contains(":")) {
                throw new ConditionException(a.pos(0), "port should not be included in host(" + h + ")");
            }
        }
        return Matchers.in(a.str(0), true);
    }

    private static StringMatcher regex(Args a, int i) throws ConditionException {
        String refused = Re2FoldGuard.check(a.str(i));
        if (refused != null) {
            throw new ConditionException(a.pos(i), "compile regexp err " + refused);
        }
        try {
            return Matchers.regex(Pattern.compile(a.str(i)));
        } catch (PatternSyntaxException e) {
            throw new ConditionException(a.pos(i), "compile regexp err " + e.getMessage());
        }
    }

    private static StringMatcher hash(Args a, int i, boolean insensitive) throws ConditionException {
        try {
            return new Matchers.HashBuckets(Matchers.HashBuckets.parse(a.str(i)), insensitive);
        } catch (IllegalArgumentException e) {
            throw new ConditionException(a.pos(i), e.getMessage());
        }
    }

    private static byte[] ip(Args a, int i, String s) throws ConditionException {
        byte[] ip = IpAddrs.parse(s);
        if (ip == null) {
            throw new ConditionException(a.pos(i), "invalid IP addr string:" + s);
        }
        return ip;
    }

    private static Condition ipIn(Args a, int i, IpSource source) throws ConditionException {
        List<String> parts = Matchers.split(a.str(i));
        byte[][] ips = new byte[parts.size()][];
        for (int k = 0; k < ips.length; k++) {
            ips[k] = ip(a, i, parts.get(k));
        }
        return new IpIn(a.source(), source, ips);
    }

    private static Condition ipRange(Args a, IpSource source) throws ConditionException {
        byte[] start = ip(a, 0, a.str(0));
        byte[] end = ip(a, 1, a.str(1));
        if (IpAddrs.isV4(start) != IpAddrs.isV4(end)) {
            throw new ConditionException(a.pos(0), "startIP[" + a.str(0) + "] and endIP[" + a.str(1)
                    + "] has different addr type(IPv4/IPv6)");
        }
        if (IpAddrs.compare(IpAddrs.hi(end), IpAddrs.lo(end), IpAddrs.hi(start), IpAddrs.lo(start)) < 0) {
            throw new ConditionException(a.pos(0), "startIP[" + a.str(0) + "] must <= endIP[" + a.str(1) + "]");
        }
        return new IpRange(a.source(), source, start, end, source == CIP);
    }

    private static Condition queryKeyIn(Args a) {
        String[] keys = Matchers.split(a.str(0)).toArray(new String[0]);
        return new Check(a.source(), r -> {
            Map<String, List<String>> q = r.queryParams();
            for (String k : keys) {
                if (q.containsKey(k)) {
                    return true;
                }
            }
            return false;
        });
    }

    private static Condition queryKeyPrefixIn(Args a) {
        String[] prefixes = Matchers.split(a.str(0)).toArray(new String[0]);
        return new Check(a.source(), r -> {
            for (String k : r.queryParams().keySet()) {
                for (String p : prefixes) {
                    if (k.startsWith(p)) {
                        return true;
                    }
                }
            }
            return false;
        });
    }

    private static Condition cookieKeyIn(Args a) {
        String[] keys = Matchers.split(a.str(0)).toArray(new String[0]);
        return new Check(a.source(), r -> {
            for (String k : keys) {
                if (r.cookie(k) != null) {
                    return true;
                }
            }
            return false;
        });
    }

    // a header counts as present only with a non-empty first value (Go's Header.Get(k) != "")
    private static Condition headerKeyIn(Args a, boolean response) {
        HeaderName[] keys = Matchers.split(a.str(0)).stream().map(HeaderName::of).toArray(HeaderName[]::new);
        return new Check(a.source(), r -> {
            Response res = response ? r.response() : null;
            if (response && res == null) {
                return false;
            }
            for (HeaderName k : keys) {
                String v = response ? res.header(k) : r.header(k);
                if (v != null && !v.isEmpty()) {
                    return true;
                }
            }
            return false;
        });
    }

    // a tag value matches when its part before the first ':' equals the wanted value
    private static Condition tagMatch(Args a) {
        String key = a.str(0);
        String value = a.str(1);
        return new Check(a.source(), r -> {
            Map<String, List<String>> tags = r.tags();
            List<String> values = tags == null ? null : tags.get(key);
            if (values == null) {
                return false;
            }
            for (String t : values) {
                int colon = t.indexOf(':');
                if ((colon < 0 ? t : t.substring(0, colon)).equals(value)) {
                    return true;
                }
            }
            return false;
        });
    }

    private static Condition timeRange(Args a) throws ConditionException {
        long start;
        long end;
        try {
            start = BfeTime.parseInstant(a.str(0));
        } catch (BfeTime.BadTime e) {
            throw new ConditionException(a.pos(0), "startTime format invalid, err:" + e.getMessage());
        }
        try {
            end = BfeTime.parseInstant(a.str(1));
        } catch (BfeTime.BadTime e) {
            throw new ConditionException(a.pos(1), "endTime format invalid, err:" + e.getMessage());
        }
        if (start > end) {
            throw new ConditionException(a.pos(0), "startTime[" + a.str(0) + "] must <= endTime[" + a.str(1) + "]");
        }
        return new TimeRange(a.source(), start * 1000, end * 1000);
    }

    private static Condition periodicTimeRange(Args a) throws ConditionException {
        if (!a.str(2).isEmpty()) {
            throw new ConditionException(a.pos(2), "periodStr is not supported, should not be set (use \"\": the period is one day)");
        }
        int[] start;
        int[] end;
        try {
            start = BfeTime.parseTimeOfDay(a.str(0));
        } catch (BfeTime.BadTime e) {
            throw new ConditionException(a.pos(0), "startTime format invalid, err:" + e.getMessage());
        }
        try {
            end = BfeTime.parseTimeOfDay(a.str(1));
        } catch (BfeTime.BadTime e) {
            throw new ConditionException(a.pos(1), "endTime format invalid, err:" + e.getMessage());
        }
        if (start[0] > end[0]) {
            throw new ConditionException(a.pos(0), "startTime[" + a.str(0) + "] must <= endTime[" + a.str(1)
                    + "] (a range cannot wrap past midnight; use two conditions joined by ||)");
        }
        if (start[1] != end[1]) {
            throw new ConditionException(a.pos(1), "timezone of startime and endtime should be same!");
        }
        return new PeriodicTimeRange(a.source(), start[0], end[0], start[1]);
    }

    // primitives whose input Troupe does not have: they build, and are always false (see docs/conditions.md)
    private static Condition unavailable(Args a) {
        return new Logic.Constant(false, a.source());
    }

    /** The names of all primitives, in table order. */
    static Set<String> names() {
        return SPECS.keySet();
    }

    /** "Now" in epoch milliseconds for time primitives, or {@code -1} when the debug header is malformed. */
    static long now(Request r) {
        String debug = r.header(DEBUG_TIME);
        if (debug == null) {
            return System.currentTimeMillis();
        }
        try {
            return BfeTime.parseInstant(debug) * 1000;
        } catch (BfeTime.BadTime e) {
            return -1;
        }
    }

    // ---- compiled primitive shapes ----

    /** A compiled primitive: prints as the source text it was built from. */
    abstract static class Primitive implements Condition {
        private final String source;

        Primitive(String source) {
            this.source = source;
        }

        @Override
        public final String toString() {
            return source;
        }
    }

    /** A primitive that is a direct predicate on the request. */
    static final class Check extends Primitive {
        interface Predicate {
            boolean test(Request r);
        }

        private final Predicate predicate;

        Check(String source, Predicate predicate) {
            super(source);
            this.predicate = predicate;
        }

        @Override
        public boolean match(Request request) {
            return predicate.test(request);
        }
    }

    /** BFE's fetcher + matcher pair; a fetch that yields nothing makes the primitive false. */
    static final class Fetched extends Primitive {
        private final Source fetcher;
        private final StringMatcher matcher;

        Fetched(String source, Source fetcher, StringMatcher matcher) {
            super(source);
            this.fetcher = fetcher;
            this.matcher = matcher;
        }

        @Override
        public boolean match(Request request) {
            String v = fetcher.fetch(request);
            return v != null && matcher.match(v);
        }
    }

    /*
     * The two fetches rule lists repeat most, each in a class of its own: a shared Fetched.match calls every
     * primitive's fetch lambda from one call site, which the JIT cannot inline; here path() and header() are
     * called from sites that see one Request class.
     */

    /** A matcher on the request's path. */
    static final class PathFetched extends Primitive {
        private final StringMatcher matcher;

        PathFetched(String source, StringMatcher matcher) {
            super(source);
            this.matcher = matcher;
        }

        @Override
        public boolean match(Request request) {
            return matchPath(request.path());
        }

        boolean matchPath(String path) {
            return path != null && matcher.match(path);
        }

        StringMatcher matcher() {
            return matcher;
        }
    }

    /** A matcher on a request header's first value, the empty string when absent. */
    static final class HeaderFetched extends Primitive {
        private final HeaderName key;
        private final StringMatcher matcher;

        HeaderFetched(String source, HeaderName key, StringMatcher matcher) {
            super(source);
            this.key = key;
            this.matcher = matcher;
        }

        @Override
        public boolean match(Request request) {
            return matchValue(request.header(key));
        }

        HeaderName key() {
            return key;
        }

        StringMatcher matcher() {
            return matcher;
        }

        /** The match on the header's first value, {@code null} when absent. */
        boolean matchValue(String value) {
            return matcher.match(value == null ? "" : value);
        }
    }

    static final class IpIn extends Primitive {
        private final IpSource fetcher;
        private final long[] his;
        private final long[] los;

        IpIn(String source, IpSource fetcher, byte[][] ips) {
            super(source);
            this.fetcher = fetcher;
            this.his = new long[ips.length];
            this.los = new long[ips.length];
            for (int i = 0; i < ips.length; i++) {
                his[i] = IpAddrs.hi(ips[i]);
                los[i] = IpAddrs.lo(ips[i]);
            }
        }

        @Override
        public boolean match(Request request) {
            byte[] raw = fetcher.fetch(request);
            if (raw == null) {
                return false;
            }
            long hi = IpAddrs.hi(raw);
            long lo = IpAddrs.lo(raw);
            for (int i = 0; i < his.length; i++) {
                if (his[i] == hi && los[i] == lo) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class IpRange extends Primitive {
        private final IpSource fetcher;
        private final long startHi;
        private final long startLo;
        private final long endHi;
        private final long endLo;
        private final boolean clientIp;

        IpRange(String source, IpSource fetcher, byte[] start, byte[] end, boolean clientIp) {
            super(source);
            this.fetcher = fetcher;
            this.clientIp = clientIp;
            this.startHi = IpAddrs.hi(start);
            this.startLo = IpAddrs.lo(start);
            this.endHi = IpAddrs.hi(end);
            this.endLo = IpAddrs.lo(end);
        }

        @Override
        public boolean match(Request request) {
            byte[] raw = fetcher.fetch(request);
            if (raw == null) {
                return false;
            }
            return matchIp(IpAddrs.hi(raw), IpAddrs.lo(raw));
        }

        /** Whether this is {@code req_cip_range}, which fetches {@link Primitives#cip}. */
        boolean clientIp() {
            return clientIp;
        }

        boolean matchIp(long hi, long lo) {
            return IpAddrs.compare(hi, lo, startHi, startLo) >= 0 && IpAddrs.compare(hi, lo, endHi, endLo) <= 0;
        }
    }

    /** Hashes the IP's Go text form ({@code 10.0.0.1}, {@code 2001:db8::1}). */
    static final class IpHash extends Primitive {
        private final IpSource fetcher;
        private final StringMatcher buckets;

        IpHash(String source, IpSource fetcher, StringMatcher buckets) {
            super(source);
            this.fetcher = fetcher;
            this.buckets = buckets;
        }

        @Override
        public boolean match(Request request) {
            byte[] ip = fetcher.fetch(request);
            return ip != null && buckets.match(IpAddrs.format(ip));
        }
    }

    /** Inclusive absolute range; "now" may be set by the {@code X-Bfe-Debug-Time} header as in BFE. */
    static final class TimeRange extends Primitive {
        private final long startMillis;
        private final long endMillis;

        TimeRange(String source, long startMillis, long endMillis) {
            super(source);
            this.startMillis = startMillis;
            this.endMillis = endMillis;
        }

        @Override
        public boolean match(Request request) {
            long now = now(request);
            // BFE compares with sub-second precision: the end second itself is included only at .000
            return now >= 0 && now >= startMillis && now <= endMillis;
        }
    }

    /** Daily inclusive range of seconds of day in a fixed zone. */
    static final class PeriodicTimeRange extends Primitive {
        private final int startSecond;
        private final int endSecond;
        private final int offsetSeconds;

        PeriodicTimeRange(String source, int startSecond, int endSecond, int offsetSeconds) {
            super(source);
            this.startSecond = startSecond;
            this.endSecond = endSecond;
            this.offsetSeconds = offsetSeconds;
        }

        @Override
        public boolean match(Request request) {
            long now = now(request);
            if (now < 0) {
                return false;
            }
            long second = Math.floorMod(Math.floorDiv(now, 1000) + offsetSeconds, 86400L);
            return second >= startSecond && second <= endSecond;
        }
    }
}
