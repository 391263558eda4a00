package io.troupe.module.access;

import io.troupe.api.proxy.HeaderName;
import io.troupe.api.proxy.Request;
import io.troupe.module.block.BlockInfo;
import io.troupe.module.support.AddressText;
import io.troupe.module.support.NumberText;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.Session;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A parsed BFE mod_access template: literal text and {@code $name} / {@code ${key}name} items, with BFE's
 * variable names. Request templates may use request variables, session templates session variables;
 * {@code $time} works in both.
 */
public final class LogTemplate {
    /** Address texts of the last client and server seen: every line names them, mostly the same ones. */
    private static final AddressText CLIENT_IP = new AddressText();
    private static final AddressText SERVER_IP = new AddressText();
    private static final AddressText SERVER_ADDR = new AddressText();


    enum Domain { ALL, REQUEST, SESSION }

    /** BFE's variables (log_items.go), plus the ones BFE's COMMON/COMBINED templates use and req_ctx. */
    static final Map<String, Domain> VARIABLES = Map.ofEntries(
            Map.entry("time", Domain.ALL),
            Map.entry("all_time", Domain.REQUEST), Map.entry("backend", Domain.REQUEST),
            Map.entry("req_body_len", Domain.REQUEST), Map.entry("res_body_len", Domain.REQUEST),
            Map.entry("cluster_name", Domain.REQUEST), Map.entry("cluster_duration", Domain.REQUEST),
            Map.entry("connect_time", Domain.REQUEST), Map.entry("error", Domain.REQUEST),
            Map.entry("host", Domain.REQUEST), Map.entry("is_trust_clientip", Domain.REQUEST),
            Map.entry("last_backend_duration", Domain.REQUEST), Map.entry("log_id", Domain.REQUEST),
            Map.entry("product", Domain.REQUEST), Map.entry("proxy_delay", Domain.REQUEST),
            Map.entry("read_req_duration", Domain.REQUEST), Map.entry("readwrite_serve_time", Domain.REQUEST),
            Map.entry("redirect", Domain.REQUEST), Map.entry("remote_addr", Domain.REQUEST),
            Map.entry("req_cookie", Domain.REQUEST), Map.entry("req_header", Domain.REQUEST),
            Map.entry("req_nth", Domain.REQUEST), Map.entry("req_uri", Domain.REQUEST),
            Map.entry("res_cookie", Domain.REQUEST), Map.entry("res_header", Domain.REQUEST),
            Map.entry("res_proto", Domain.REQUEST), Map.entry("response_duration", Domain.REQUEST),
            Map.entry("retry_num", Domain.REQUEST), Map.entry("server_addr", Domain.REQUEST),
            Map.entry("since_ses_start_time", Domain.REQUEST), Map.entry("status_code", Domain.REQUEST),
            Map.entry("subcluster", Domain.REQUEST), Map.entry("url", Domain.REQUEST),
            Map.entry("vip", Domain.REQUEST), Map.entry("write_serve_time", Domain.REQUEST),
            Map.entry("request_time", Domain.REQUEST), Map.entry("request_line", Domain.REQUEST),
            Map.entry("res_len", Domain.REQUEST), Map.entry("req_ctx", Domain.REQUEST),
            Map.entry("ses_clientip", Domain.SESSION), Map.entry("ses_end_time", Domain.SESSION),
            Map.entry("ses_error", Domain.SESSION), Map.entry("ses_is_secure", Domain.SESSION),
            Map.entry("ses_overhead", Domain.SESSION), Map.entry("ses_read_total", Domain.SESSION),
            Map.entry("ses_start_time", Domain.SESSION), Map.entry("ses_tls_client_random", Domain.SESSION),
            Map.entry("ses_tls_server_random", Domain.SESSION), Map.entry("ses_use100", Domain.SESSION),
            Map.entry("ses_write_total", Domain.SESSION), Map.entry("ses_keepalive_num", Domain.SESSION));

    /** Variables that take a {@code ${key}} argument. */
    static final Set<String> KEYED = Set.of("req_header", "res_header", "req_cookie", "res_cookie", "req_ctx");

    /** Longest names first, so that a name that is a prefix of another never wins (BFE's map order is random). */
    private static final List<String> BY_LENGTH = VARIABLES.keySet().stream()
            .sorted(Comparator.comparingInt(String::length).reversed()).toList();

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter CLF_TIME = DateTimeFormatter.ofPattern("'['dd/MMM/yyyy:HH:mm:ss Z']'", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    record Item(String literal, String var, String key, HeaderName name, RequestValue value) {
        // the key as a header name, made once here, for ${...}req_header and ${...}res_header; the request value
        // resolved once here, so that a line switches on an enum instead of comparing strings per variable
        Item(String literal, String var, String key) {
            this(literal, var, key, key == null ? null : HeaderName.of(key), RequestValue.of(var));
        }
    }

    /** What a variable prints in a request line; variables BFE has and Troupe does not fill print "-". */
    enum RequestValue {
        TIME, REQUEST_TIME, REQUEST_LINE, ALL_TIME, BACKEND, CLUSTER_NAME, HOST, PRODUCT, REMOTE_ADDR, SERVER_ADDR,
        VIP, IS_TRUST_CLIENTIP, REQ_URI, STATUS_CODE, RES_PROTO, RES_LEN, REQ_BODY_LEN, REQ_HEADER, RES_HEADER,
        REQ_COOKIE, RES_COOKIE, REDIRECT, SINCE_SES_START_TIME, REQ_CTX, DASH;

        static RequestValue of(String var) {
            if (var == null) {
                return null;
            }
            return switch (var) {
                case "url" -> REQ_URI;
                case "res_body_len" -> RES_LEN;
                default -> {
                    try {
                        yield valueOf(var.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException none) {
                        yield DASH;
                    }
                }
            };
        }
    }

    private static final HeaderName CONTENT_LENGTH = HeaderName.of("Content-Length");
    private static final HeaderName LOCATION = HeaderName.of("Location");
    private static final HeaderName SET_COOKIE = HeaderName.of("Set-Cookie");

    /** The last second a time variable printed, and its text. */
    private record Second(long epochSecond, String text) {}

    /** Formatting a zoned time costs more than the rest of a line: each time variable formats once per second. */
    private static final java.util.concurrent.atomic.AtomicReference<Second> LAST_TIME =
            new java.util.concurrent.atomic.AtomicReference<>(new Second(Long.MIN_VALUE, ""));
    private static final java.util.concurrent.atomic.AtomicReference<Second> LAST_CLF_TIME =
            new java.util.concurrent.atomic.AtomicReference<>(new Second(Long.MIN_VALUE, ""));

    private final List<Item> items;

    /** Whether a line needs the request's start time ($all_time). */
    private final boolean usesStartTime;

    private LogTemplate(List<Item> items) {
        this.items = items;
        this.usesStartTime = items.stream().anyMatch(it -> it.value == RequestValue.ALL_TIME);
    }

    /** Whether {@link #render(Request, Response, long)} reads its {@code startNanos}. */
    boolean usesStartTime() {
        return usesStartTime;
    }

    /** BFE's shorthand templates, expanded as BFE's Convert does. */
    static String expand(String template) {
        return switch (template) {
            case "COMMON" -> "$host - - $request_time \"$request_line\" $status_code $res_len";
            case "COMBINED" -> "$host - - $request_time \"$request_line\" $status_code $res_len "
                    + "\"${Referer}req_header\" \"${User-Agent}req_header\"";
            default -> template;
        };
    }

    /** Parses a template; the message of the exception says what is wrong and where. */
    static LogTemplate parse(String template, Domain domain) {
        List<Item> items = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        int n = template.length();
        while (i < n) {
            char c = template.charAt(i);
            if (c != '$') {
                lit.append(c);
                i++;
                continue;
            }
            if (i + 1 == n) {
                throw new IllegalArgumentException("$ at the end of the template must be followed by a variable");
            }
            String key = null;
            int at = i + 1;
            if (template.charAt(at) == '{') {
                int close = template.indexOf('}', at);
                if (close < 0) {
                    throw new IllegalArgumentException("${ at offset " + i + " must be terminated by a }");
                }
                key = template.substring(at + 1, close);
                at = close + 1;
            }
            String var = null;
            for (String name : BY_LENGTH) {
                if (template.startsWith(name, at)) {
                    var = name;
                    break;
                }
            }
            if (var == null) {
                throw new IllegalArgumentException("no such variable at offset " + i + ": "
                        + template.substring(i, Math.min(n, i + 24)));
            }
            Domain d = VARIABLES.get(var);
            if (d != Domain.ALL && d != domain) {
                throw new IllegalArgumentException("$" + var + " cannot be used in a "
                        + domain.name().toLowerCase(Locale.ROOT) + " template");
            }
            if (key != null && !KEYED.contains(var)) {
                throw new IllegalArgumentException("$" + var + " takes no ${key}");
            }
            if (key == null && KEYED.contains(var)) {
                throw new IllegalArgumentException("$" + var + " needs a key: ${Name}" + var);
            }
            if (!lit.isEmpty()) {
                items.add(new Item(lit.toString(), null, null));
                lit.setLength(0);
            }
            items.add(new Item(null, var, key));
            i = at + var.length();
        }
        if (!lit.isEmpty()) {
            items.add(new Item(lit.toString(), null, null));
        }
        return new LogTemplate(List.copyOf(items));
    }

    /**
     * Each event loop's builder for request lines: the line's String is the one copy a request allocates. BFE's
     * request template with its values runs to ~200 characters.
     */
    private static final ThreadLocal<StringBuilder> LINE = ThreadLocal.withInitial(() -> new StringBuilder(256));

    /** One request line. {@code startNanos} is when the request was first seen, or 0 when unknown. */
    String render(Request req, Response res, long startNanos) {
        StringBuilder sb = LINE.get();
        if (sb.capacity() > 16384) {
            sb = new StringBuilder(256); // a line with a huge value does not keep its buffer
            LINE.set(sb);
        }
        sb.setLength(0);
        for (Item it : items) {
            if (it.literal != null) {
                sb.append(it.literal);
            } else {
                sb.append(requestValue(it, req, res, startNanos));
            }
        }
        return sb.toString();
    }

    /** One session line; {@code endMillis} is when the connection ended. */
    String render(Session s, long endMillis) {
        StringBuilder sb = new StringBuilder(96);
        for (Item it : items) {
            if (it.literal != null) {
                sb.append(it.literal);
            } else {
                sb.append(sessionValue(it, s, endMillis));
            }
        }
        return sb.toString();
    }

    private static String requestValue(Item it, Request req, Response res, long startNanos) {
        Session s = req.session();
        return switch (it.value) {
            case TIME -> now();
            case REQUEST_TIME -> thisSecond(CLF_TIME, LAST_CLF_TIME);
            case REQUEST_LINE -> req.method() + " " + req.uri() + " " + req.protocol();
            case ALL_TIME -> startNanos == 0 ? "-" : Long.toString((System.nanoTime() - startNanos) / 1_000_000);
            case BACKEND -> dash(req.cluster()) + ",-," + dash(req.backend()) + ",-";
            case CLUSTER_NAME -> dash(req.cluster());
            case HOST -> req.host();
            case PRODUCT -> dash(req.product());
            case REMOTE_ADDR -> ip(CLIENT_IP, req.clientAddress());
            case SERVER_ADDR -> addr(s == null ? null : s.localAddress());
            case VIP -> ip(SERVER_IP, s == null ? null : s.localAddress());
            case IS_TRUST_CLIENTIP -> Boolean.toString(s != null && s.trustedSource());
            case REQ_URI -> req.uri();
            case STATUS_CODE -> res == null ? "-" : NumberText.of(res.status());
            case RES_PROTO -> res == null ? "-" : "HTTP/1.1";
            case RES_LEN -> res == null ? "-" : contentLength(res);
            case REQ_BODY_LEN -> dash(req.header(CONTENT_LENGTH));
            case REQ_HEADER -> dash(req.header(it.name));
            case RES_HEADER -> res == null ? "-" : joined(res.headers(it.name));
            case REQ_COOKIE -> dash(req.cookie(it.key));
            case RES_COOKIE -> resCookie(res, it.key);
            case REDIRECT -> redirect(res);
            case SINCE_SES_START_TIME -> s == null ? "-" : Long.toString(System.currentTimeMillis() - s.startTimeMillis());
            case REQ_CTX -> contextValue(req.getContext(it.key));
            case DASH -> "-";
        };
    }

    private static String sessionValue(Item it, Session s, long endMillis) {
        return switch (it.var) {
            case "time" -> now();
            case "ses_clientip" -> ip(CLIENT_IP, s.clientAddress());
            case "ses_start_time" -> TIME.format(Instant.ofEpochMilli(s.startTimeMillis()));
            case "ses_end_time" -> TIME.format(Instant.ofEpochMilli(endMillis));
            case "ses_overhead" -> Long.toString(endMillis - s.startTimeMillis());
            case "ses_is_secure" -> Boolean.toString(s.isSecure());
            default -> "-";
        };
    }

    /** {@code $time}: now as {@code yyyy-MM-dd HH:mm:ss} in local time. */
    static String now() {
        return thisSecond(TIME, LAST_TIME);
    }

    private static String thisSecond(DateTimeFormatter format, java.util.concurrent.atomic.AtomicReference<Second> last) {
        long sec = System.currentTimeMillis() / 1000;
        Second s = last.get();
        if (s.epochSecond() != sec) {
            s = new Second(sec, format.format(Instant.ofEpochSecond(sec)));
            last.set(s);
        }
        return s.text();
    }

    /** A response header's values joined by commas, or "-" when it has none. */
    private static String joined(List<String> values) {
        return values.isEmpty() ? "-" : String.join(",", values);
    }

    /** "Location,status" of a redirect, else "-". */
    private static String redirect(Response res) {
        if (res == null || res.status() / 100 != 3) {
            return "-";
        }
        String location = res.header(LOCATION);
        return location == null ? "-" : location + "," + res.status();
    }

    private static String contentLength(Response res) {
        String cl = res.header(CONTENT_LENGTH);
        if (cl != null) {
            return cl;
        }
        return res.body().length > 0 ? Integer.toString(res.body().length) : "-";
    }

    private static String resCookie(Response res, String name) {
        if (res == null) {
            return "-";
        }
        for (String sc : res.headers(SET_COOKIE)) {
            int eq = sc.indexOf('=');
            if (eq > 0 && sc.substring(0, eq).strip().equals(name)) {
                int semi = sc.indexOf(';', eq);
                return sc.substring(eq + 1, semi < 0 ? sc.length() : semi);
            }
        }
        return "-";
    }

    /** A context value as text: mod_block's BlockInfo by its rule name, anything else by toString. */
    static String contextValue(Object v) {
        if (v == null) {
            return "-";
        }
        if (v instanceof BlockInfo b) {
            return b.blockRuleName();
        }
        return v.toString();
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static String ip(AddressText cache, InetSocketAddress a) {
        return a == null || a.getAddress() == null ? "-" : cache.host(a.getAddress());
    }

    private static String addr(InetSocketAddress a) {
        return a == null || a.getAddress() == null ? "-" : SERVER_ADDR.hostPort(a);
    }
}
