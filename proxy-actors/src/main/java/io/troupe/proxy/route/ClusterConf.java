package io.troupe.proxy.route;

import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import io.troupe.proxy.tls.BackendTls;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One cluster's entry in {@code cluster_conf.data}, with BFE's defaults filled in. Durations are in
 * milliseconds in the file. Fields Troupe parses but does not act on are listed in docs/proxy.md.
 */
public record ClusterConf(String name, BackendConf backendConf, CheckConf checkConf, GslbBasic gslbBasic,
                          ClusterBasic clusterBasic, BackendTls https) {

    /** A cluster spoken to in plain HTTP (no {@code https}). */
    public ClusterConf(String name, BackendConf backendConf, CheckConf checkConf, GslbBasic gslbBasic,
                       ClusterBasic clusterBasic) {
        this(name, backendConf, checkConf, gslbBasic, clusterBasic, null);
    }

    /** The backend protocols Troupe speaks ({@code ws} is HTTP/1.1 with the WebSocket upgrade passed through). */
    public static final Set<String> PROTOCOLS = Set.of("http", "https", "h2c", "ws");

    /** RetryLevel 0: retry only when connecting to the backend fails. */
    public static final int RETRY_CONNECT = 0;
    /** RetryLevel 1: also retry a GET (without body) whose forwarding failed. */
    public static final int RETRY_GET = 1;

    /** MaxIdleConnsPerHost when absent (BFE's loader); 0 turns keep-alive off, a negative value keeps none. */
    public static final int DEFAULT_MAX_IDLE_CONNS_PER_HOST = 2;

    /** HashStrategy values (BFE's ClientIdOnly, ClientIpOnly, ClientIdPreferred, RequestURI). */
    public static final int HASH_CLIENT_ID_ONLY = 0;
    public static final int HASH_CLIENT_IP_ONLY = 1;
    public static final int HASH_CLIENT_ID_PREFERRED = 2;
    public static final int HASH_REQUEST_URI = 3;

    /** BackendConf. */
    public record BackendConf(String protocol, int timeoutConnSrvMs, int timeoutResponseHeaderMs,
                              int maxIdleConnsPerHost, int maxConnsPerHost, int retryLevel, int slowStartTime,
                              String outlierDetectionHttpCode) {}

    /**
     * CheckConf. {@code checkTimeoutMs} 0 means BFE's "no timeout" (Troupe then bounds a probe by the interval).
     * {@code alwaysCheck} is Troupe's extension field {@code AlwaysCheck}: probe every backend all the time.
     */
    public record CheckConf(String schem, String uri, String host, int statusCode, String statusCodeRange,
                            int failNum, int succNum, int checkTimeoutMs, int checkIntervalMs,
                            boolean alwaysCheck) {}

    /** GslbBasic with its HashConf flattened; {@code balanceMode} is "WRR" or "WLC". */
    public record GslbBasic(int crossRetry, int retryMax, int hashStrategy, String hashHeader, boolean sessionSticky,
                            String balanceMode) {}

    /** ClusterBasic. */
    public record ClusterBasic(int timeoutReadClientMs, int timeoutWriteClientMs, int timeoutReadClientAgainMs,
                               int reqWriteBufferSize, int reqFlushIntervalMs, int resFlushIntervalMs,
                               boolean cancelOnClientClose, boolean disableHostHeader, boolean disableHealthCheck) {}

    static final Set<String> FIELDS = Set.of("BackendConf", "CheckConf", "GslbBasic", "ClusterBasic", "HTTPSConf",
            "AIConf");
    static final Set<String> BACKEND_FIELDS = Set.of("Protocol", "TimeoutConnSrv", "TimeoutResponseHeader",
            "MaxIdleConnsPerHost", "MaxConnsPerHost", "RetryLevel", "SlowStartTime", "OutlierDetectionHttpCode",
            "FCGIConf");
    static final Set<String> CHECK_FIELDS = Set.of("Schem", "Uri", "Host", "HostType", "StatusCode",
            "StatusCodeRange", "FailNum", "SuccNum", "CheckTimeout", "CheckInterval", "AlwaysCheck");
    static final Set<String> GSLB_FIELDS = Set.of("CrossRetry", "RetryMax", "HashConf", "BalanceMode", "EPPAddr");
    static final Set<String> HASH_FIELDS = Set.of("HashStrategy", "HashHeader", "SessionSticky");
    static final Set<String> BASIC_FIELDS = Set.of("TimeoutReadClient", "TimeoutWriteClient",
            "TimeoutReadClientAgain", "ReqWriteBufferSize", "ReqFlushInterval", "ResFlushInterval",
            "CancelOnClientClose", "DisableHostHeader", "DisableHealthCheck");
    private static final Pattern STATUS_RANGE = Pattern.compile("^[0-9xX|]+$");

    static ClusterConf parse(String name, ConfNode node, List<String> warnings) throws ConfigException {
        if (!node.present()) {
            throw node.error("cluster config is null");
        }
        node.warnUnknown(FIELDS, warnings);
        if (node.field("AIConf").present()) {
            warnings.add(node.file() + ": " + node.field("AIConf").path() + ": not supported by Troupe, ignored");
        }
        BackendConf backend = backend(node.field("BackendConf"), warnings);
        ConfNode httpsNode = node.field("HTTPSConf");
        BackendTls https = null;
        if (backend.protocol().equals("https")) {
            https = BackendTls.load(httpsNode, confRoot(node.file()), warnings);
        } else if (httpsNode.present()) {
            warnings.add(node.file() + ": " + httpsNode.path() + ": used only with BackendConf.Protocol \"https\", ignored");
        }
        return new ClusterConf(name, backend, check(node.field("CheckConf"), warnings),
                gslb(node.field("GslbBasic"), warnings), basic(node.field("ClusterBasic"), warnings), https);
    }

    /** The conf root: cluster_conf.data lives in {@code <root>/server_data_conf/}. */
    private static Path confRoot(String file) {
        Path dir = Path.of(file).toAbsolutePath().getParent();
        return dir == null || dir.getParent() == null ? dir : dir.getParent();
    }

    private static BackendConf backend(ConfNode n, List<String> warnings) throws ConfigException {
        n.warnUnknown(BACKEND_FIELDS, warnings);
        ConfNode protoNode = n.field("Protocol");
        String protocol = or(protoNode.asString(), "http").toLowerCase(Locale.ROOT);
        if (Set.of("tcp", "fcgi").contains(protocol)) {
            throw protoNode.error("protocol " + protocol + " is not supported by Troupe (supported: http, https, h2c, ws)");
        }
        if (!PROTOCOLS.contains(protocol)) {
            throw protoNode.error("protocol must be one of http/tcp/ws/fcgi/h2c/https, but is " + protocol);
        }
        if (n.field("FCGIConf").present()) {
            warnings.add(n.file() + ": " + n.field("FCGIConf").path() + ": FastCGI is not supported by Troupe, ignored");
        }
        int maxConns = or(n.field("MaxConnsPerHost").asInt(), 0);
        // as BFE: absent is 2 (its loader), and an explicit 0 turns keep-alive off (its transport's DisableKeepAlives)
        int maxIdle = or(n.field("MaxIdleConnsPerHost").asInt(), DEFAULT_MAX_IDLE_CONNS_PER_HOST);
        return new BackendConf(protocol,
                or(n.field("TimeoutConnSrv").asInt(), 2000),
                or(n.field("TimeoutResponseHeader").asInt(), 60000),
                maxIdle,
                Math.max(0, maxConns),
                or(n.field("RetryLevel").asInt(), RETRY_CONNECT),
                or(n.field("SlowStartTime").asInt(), 0),
                or(n.field("OutlierDetectionHttpCode").asString(), "").toLowerCase(Locale.ROOT));
    }

    private static CheckConf check(ConfNode n, List<String> warnings) throws ConfigException {
        n.warnUnknown(CHECK_FIELDS, warnings);
        ConfNode schemNode = n.field("Schem");
        String schem = or(schemNode.asString(), "http");
        if (!Set.of("http", "https", "tls", "tcp").contains(schem)) {
            throw schemNode.error("Schem must be http/https/tls/tcp, but is " + schem);
        }
        ConfNode uriNode = n.field("Uri");
        String uri = or(uriNode.asString(), "/health_check");
        ConfNode statusNode = n.field("StatusCode");
        int status = or(statusNode.asInt(), 0);
        ConfNode rangeNode = n.field("StatusCodeRange");
        String range = rangeNode.asString();
        ConfNode succNode = n.field("SuccNum");
        int succ = or(succNode.asInt(), 1);
        if (schem.equals("http") || schem.equals("https")) {
            if (!uri.startsWith("/")) {
                throw uriNode.error("Uri should start with '/', but is " + uri);
            }
            if (!(status >= 100 && status <= 599) && !(status >= 0 && status <= 31)) {
                throw statusNode.error("status code should be 100~599 (normal), 0~31 (special), but is " + status);
            }
            if (range != null && !range.isEmpty()) {
                String r = range.replace(" ", "");
                boolean ok = STATUS_RANGE.matcher(r).matches();
                for (String part : r.split("\\|", -1)) {
                    ok &= part.length() == 3;
                }
                if (!ok) {
                    throw rangeNode.error("StatusCodeRange format error: " + range + " (e.g. \"2xx|301\")");
                }
            }
        }
        if (succ < 1) {
            throw succNode.error("SuccNum should be bigger than 0");
        }
        String hostType = n.field("HostType").asString();
        if (hostType != null && !hostType.equals("HOST")) {
            warnings.add(n.file() + ": " + n.field("HostType").path() + ": only HOST is supported by Troupe, ignored");
        }
        return new CheckConf(schem, uri, or(n.field("Host").asString(), ""), status, range == null ? "" : range,
                or(n.field("FailNum").asInt(), 5), succ, or(n.field("CheckTimeout").asInt(), 0),
                or(n.field("CheckInterval").asInt(), 1000), or(n.field("AlwaysCheck").asBool(), false));
    }

    private static GslbBasic gslb(ConfNode n, List<String> warnings) throws ConfigException {
        n.warnUnknown(GSLB_FIELDS, warnings);
        ConfNode hash = n.field("HashConf");
        hash.warnUnknown(HASH_FIELDS, warnings);
        ConfNode strategyNode = hash.field("HashStrategy");
        int strategy = or(strategyNode.asInt(), HASH_CLIENT_IP_ONLY);
        ConfNode headerNode = hash.field("HashHeader");
        String header = headerNode.asString();
        if (strategy < HASH_CLIENT_ID_ONLY || strategy > HASH_REQUEST_URI) {
            throw strategyNode.error("HashStrategy " + strategy + " must be 0, 1, 2 or 3");
        }
        if (strategy == HASH_CLIENT_ID_ONLY || strategy == HASH_CLIENT_ID_PREFERRED) {
            if (header == null || header.isEmpty()) {
                throw headerNode.error("missing: HashStrategy " + strategy + " needs a HashHeader (BFE: no HashHeader)");
            }
            String cookie = cookieKey(header);
            if (cookie != null && cookie.isEmpty()) {
                throw headerNode.error("invalid HashHeader " + header + ": no cookie name after ':'");
            }
        }
        ConfNode modeNode = n.field("BalanceMode");
        String mode = or(modeNode.asString(), "WRR").toUpperCase(Locale.ROOT);
        if (!mode.equals("WRR") && !mode.equals("WLC")) {
            throw modeNode.error("unsupported balance mode " + mode + " (Troupe supports WRR and WLC)");
        }
        return new GslbBasic(or(n.field("CrossRetry").asInt(), 0), or(n.field("RetryMax").asInt(), 2), strategy,
                header == null ? "" : header, or(hash.field("SessionSticky").asBool(), false), mode);
    }

    private static ClusterBasic basic(ConfNode n, List<String> warnings) throws ConfigException {
        n.warnUnknown(BASIC_FIELDS, warnings);
        return new ClusterBasic(or(n.field("TimeoutReadClient").asInt(), 30000),
                or(n.field("TimeoutWriteClient").asInt(), 60000),
                or(n.field("TimeoutReadClientAgain").asInt(), 60000),
                or(n.field("ReqWriteBufferSize").asInt(), 512),
                or(n.field("ReqFlushInterval").asInt(), 0),
                or(n.field("ResFlushInterval").asInt(), -1),
                or(n.field("CancelOnClientClose").asBool(), false),
                or(n.field("DisableHostHeader").asBool(), false),
                or(n.field("DisableHealthCheck").asBool(), false));
    }

    /** For {@code Cookie:NAME} the trimmed NAME; {@code null} when the header has no ':'. */
    static String cookieKey(String hashHeader) {
        int i = hashHeader.indexOf(':');
        return i < 0 ? null : hashHeader.substring(i + 1).trim();
    }

    /**
     * Whether a health-check answer counts as healthy, as BFE's https/tls check judges it: a non-empty
     * StatusCodeRange decides alone; otherwise StatusCode (BFE's MatchStatusCode: 0, the default, is any code;
     * 100–599 that exact code; 1–31 a mask of classes, 1 = 1xx … 16 = 5xx).
     */
    public boolean statusHealthy(int code) {
        CheckConf c = checkConf;
        String range = c.statusCodeRange().replace(" ", "");
        if (!range.isEmpty()) {
            return inRange(code, range);
        }
        int expect = c.statusCode();
        if (expect >= 100 && expect <= 599) {
            return code == expect;
        }
        if (expect == 0) {
            return true;
        }
        int cls = code / 100 - 1;
        return cls >= 0 && cls < 5 && (expect & (1 << cls)) != 0;
    }

    /** StatusCodeRange: {@code |}-separated three-character patterns, {@code x} (or {@code X}) any digit. */
    private static boolean inRange(int code, String range) {
        String s = Integer.toString(code);
        for (String part : range.split("\\|")) {
            if (part.length() == s.length()) {
                boolean match = true;
                for (int i = 0; i < part.length() && match; i++) {
                    char p = part.charAt(i);
                    match = p == 'x' || p == 'X' ? Character.isDigit(s.charAt(i)) : p == s.charAt(i);
                }
                if (match) {
                    return true;
                }
            }
        }
        return false;
    }

    private static <T> T or(T value, T dflt) {
        return value == null ? dflt : value;
    }
}
