package io.troupe.module.header;

import io.troupe.api.proxy.HeaderName;
import io.troupe.api.proxy.Request;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One checked mod_header action: {@code REQ_|RSP_} and {@code HEADER_SET|ADD|DEL|MOD|RENAME} or
 * {@code COOKIE_SET|DEL}. A SET/ADD value is split into literal text and {@code %}-variables once, at load.
 */
final class HeaderAction {
    enum Op { SET, ADD, DEL, MOD, RENAME, COOKIE_SET, COOKIE_DEL }

    final boolean request;
    final Op op;
    /** Made once at load, so that the proxy does not hash the name per request. */
    final HeaderName header;
    private final List<Function<Request, String>> value;
    /** For MOD: SCHEME_SET or QUERY_ADD, and its arguments. */
    private final String modCmd;
    private final List<String> modArgs;
    /** For RENAME: the new name. */
    final HeaderName renamed;
    /** For COOKIE_SET and COOKIE_DEL: BFE's params (name, value, domain, path, expires, max-age, httponly, secure). */
    final List<String> cookie;

    private HeaderAction(boolean request, Op op, String header, List<Function<Request, String>> value,
                         String modCmd, List<String> modArgs) {
        this(request, op, header, value, modCmd, modArgs, null, null);
    }

    private HeaderAction(boolean request, Op op, String header, List<Function<Request, String>> value,
                         String modCmd, List<String> modArgs, String renamed, List<String> cookie) {
        this.request = request;
        this.op = op;
        this.header = HeaderName.of(header);
        this.value = value;
        this.modCmd = modCmd;
        this.modArgs = modArgs;
        this.renamed = renamed == null ? null : HeaderName.of(renamed);
        this.cookie = cookie;
    }

    /**
     * Checks and builds an action as BFE's {@code ActionFileCheck} and {@code actionConvert} do.
     *
     * @throws IllegalArgumentException with the reason, which the caller prefixes with the file and field
     */
    static HeaderAction of(String cmd, List<String> params) {
        if (params == null) {
            params = List.of();
        }
        boolean req;
        if (cmd.startsWith("REQ_")) {
            req = true;
        } else if (cmd.startsWith("RSP_")) {
            req = false;
        } else {
            throw new IllegalArgumentException("invalid cmd:" + cmd);
        }
        Op op = switch (cmd.substring(4)) {
            case "HEADER_SET" -> Op.SET;
            case "HEADER_ADD" -> Op.ADD;
            case "HEADER_DEL" -> Op.DEL;
            case "HEADER_MOD" -> Op.MOD;
            case "HEADER_RENAME" -> Op.RENAME;
            case "COOKIE_SET" -> Op.COOKIE_SET;
            case "COOKIE_DEL" -> Op.COOKIE_DEL;
            default -> throw new IllegalArgumentException("invalid cmd:" + cmd);
        };
        switch (op) {
            case SET, ADD, RENAME -> requireCount(params, 2);
            case DEL -> requireCount(params, 1);
            case MOD -> checkMod(params);
            case COOKIE_SET -> {
                if (req) {
                    requireCount(params, 2);
                } else {
                    checkResponseCookie(params);
                }
            }
            case COOKIE_DEL -> requireCount(params, req ? 1 : 3);
        }
        for (String p : params) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException("empty Params");
            }
        }
        return switch (op) {
            case SET, ADD -> new HeaderAction(req, op, params.get(0), segments(params.get(1)), null, null);
            case DEL -> new HeaderAction(req, op, params.get(0), null, null, null);
            case MOD -> new HeaderAction(req, op, params.get(1), null, params.get(0).toUpperCase(),
                    List.copyOf(params.subList(2, params.size())));
            case RENAME -> new HeaderAction(req, op, params.get(0), null, null, null, params.get(1), null);
            case COOKIE_SET, COOKIE_DEL -> new HeaderAction(req, op, req ? "Cookie" : "Set-Cookie", null, null, null,
                    null, List.copyOf(params));
        };
    }

    /** RSP_COOKIE_SET: Name, Value, Domain, Path, Expires (RFC 1123), MaxAge, HttpOnly, Secure, as BFE checks them. */
    private static void checkResponseCookie(List<String> params) {
        requireCount(params, 8);
        if (Cookies.expires(params.get(4)) == null) {
            throw new IllegalArgumentException("expires format error, should be RFC1123 format");
        }
        try {
            Integer.parseInt(params.get(5));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("type of max age should be int");
        }
        if (Cookies.bool(params.get(6)) == null) {
            throw new IllegalArgumentException("type of http only should be bool");
        }
        if (Cookies.bool(params.get(7)) == null) {
            throw new IllegalArgumentException("type of secure should be bool");
        }
    }

    /** A cookie value: a whole {@code %variable} of mod_header's list is its value, else the text itself (BFE). */
    String cookieValue(Request r) {
        String v = cookie.get(1);
        if (v.startsWith("%")) {
            Function<Request, String> f = HeaderVariables.lookup(v.substring(1));
            if (f != null) {
                return f.apply(r);
            }
        }
        return v;
    }

    private static void requireCount(List<String> params, int n) {
        if (params.size() != n) {
            throw new IllegalArgumentException("num of params:[ok:" + n + ", now:" + params.size() + "]");
        }
    }

    private static void checkMod(List<String> params) {
        if (params.size() != 3 && params.size() != 4) {
            throw new IllegalArgumentException("num of params:[ok:3 or 4, now:" + params.size() + "]");
        }
        String cmd = params.get(0).toUpperCase();
        String header = params.get(1);
        boolean refOrLoc = header.equalsIgnoreCase("Referer") || header.equalsIgnoreCase("Location");
        switch (cmd) {
            case "SCHEME_SET" -> {
                if (params.size() != 3) {
                    throw new IllegalArgumentException("scheme_set should have 3 params, now: " + params.size());
                }
                if (!refOrLoc) {
                    throw new IllegalArgumentException("scheme_set only support referer/location, now: " + header);
                }
                if (!params.get(2).equals("http") && !params.get(2).equals("https")) {
                    throw new IllegalArgumentException("scheme_set only support http/https, now: " + params.get(2));
                }
            }
            case "QUERY_ADD" -> {
                if (params.size() != 4) {
                    throw new IllegalArgumentException("query_add should have 4 params, now: " + params.size());
                }
                if (!refOrLoc) {
                    throw new IllegalArgumentException("query_add only support referer/location, now: " + header);
                }
            }
            default -> throw new IllegalArgumentException("invalid headerModCmd:" + cmd);
        }
    }

    /** Splits a value into literals and variables: {@code %name} ([a-z0-9_]) is a variable, {@code %%} a literal {@code %}. */
    static List<Function<Request, String>> segments(String v) {
        List<Function<Request, String>> out = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < v.length()) {
            char c = v.charAt(i);
            if (c != '%') {
                lit.append(c);
                i++;
                continue;
            }
            if (i + 1 < v.length() && v.charAt(i + 1) == '%') {
                lit.append('%');
                i += 2;
                continue;
            }
            int j = i + 1;
            while (j < v.length() && (v.charAt(j) >= 'a' && v.charAt(j) <= 'z' || v.charAt(j) >= '0' && v.charAt(j) <= '9'
                    || v.charAt(j) == '_')) {
                j++;
            }
            String name = v.substring(i + 1, j);
            Function<Request, String> f = HeaderVariables.lookup(name);
            if (f == null) {
                throw new IllegalArgumentException("command's second param is not valid: %" + name);
            }
            if (lit.length() > 0) {
                String s = lit.toString();
                out.add(r -> s);
                lit.setLength(0);
            }
            out.add(f);
            i = j;
        }
        if (lit.length() > 0 || out.isEmpty()) {
            String s = lit.toString();
            out.add(r -> s);
        }
        return List.copyOf(out);
    }

    /** The value of a SET/ADD for this request. */
    String value(Request r) {
        if (value.size() == 1) {
            return value.get(0).apply(r);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < value.size(); i++) {
            sb.append(value.get(i).apply(r));
        }
        return sb.toString();
    }

    /** The new value of a MOD from the header's current value. */
    String modify(String current) {
        if (modCmd.equals("SCHEME_SET")) {
            if (!(current.startsWith("http://") || current.startsWith("https://"))) {
                return current;
            }
            return modArgs.get(0) + current.substring(current.indexOf(':'));
        }
        // QUERY_ADD
        try {
            URI u = new URI(current);
            String q = u.getRawQuery();
            String add = modArgs.get(0) + "=" + modArgs.get(1);
            String nq = q == null || q.isEmpty() ? add : q + "&" + add;
            int qm = current.indexOf('?');
            int hash = current.indexOf('#');
            String base = qm >= 0 ? current.substring(0, qm) : hash >= 0 ? current.substring(0, hash) : current;
            String frag = hash >= 0 ? current.substring(hash) : "";
            return base + "?" + nq + frag;
        } catch (URISyntaxException e) {
            return current;
        }
    }
}
