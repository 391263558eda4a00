package io.troupe.module.rewrite;

import io.troupe.api.proxy.Request;
import java.util.List;
import java.util.Set;

/** What each rewrite action does to a request, as BFE's {@code bfe_basic/action} does it. */
final class Rewrites {
    private Rewrites() {}

    static void apply(Request r, RewriteRules.Action a) {
        List<String> p = a.params();
        switch (a.cmd()) {
            case HOST_SET -> r.setHeader("Host", p.get(0));
            case HOST_SET_FROM_PATH_PREFIX -> hostFromPathPrefix(r);
            case PATH_SET -> r.setPath(p.get(0));
            case PATH_PREFIX_ADD -> {
                String path = p.get(0) + stripLeadingSlash(r.path());
                r.setPath(path.startsWith("/") ? path : "/" + path);
            }
            case PATH_PREFIX_TRIM -> {
                String path = r.path();
                if (path.startsWith(p.get(0))) {
                    path = path.substring(p.get(0).length());
                }
                r.setPath(path.startsWith("/") ? path : "/" + path);
            }
            case QUERY_ADD -> r.setRawQuery(queryAdd(r.rawQuery(), p));
            case QUERY_RENAME -> r.setRawQuery(queryRename(r.rawQuery(), p.get(0), p.get(1)));
            case QUERY_DEL -> r.setRawQuery(queryDel(r.rawQuery(), Set.copyOf(p), false));
            case QUERY_DEL_ALL_EXCEPT -> r.setRawQuery(queryDel(r.rawQuery(), Set.copyOf(p), true));
        }
    }

    private static String stripLeadingSlash(String s) {
        return s.startsWith("/") ? s.substring(1) : s;
    }

    /** {@code /x.example.com/rest} → Host {@code x.example.com}, path {@code /rest}; other paths are left alone. */
    private static void hostFromPathPrefix(Request r) {
        String[] segs = r.path().split("/", 3);
        if (segs.length < 3) {
            return;
        }
        r.setHeader("Host", segs[1]);
        r.setPath("/" + segs[2]);
    }

    static String queryAdd(String raw, List<String> params) {
        StringBuilder add = new StringBuilder();
        for (int i = 0; i + 1 < params.size(); i += 2) {
            add.append('&').append(params.get(i)).append('=').append(params.get(i + 1));
        }
        return raw.isEmpty() ? add.substring(1) : raw + add;
    }

    static String queryRename(String raw, String from, String to) {
        String q = "&" + raw;
        if (!hasKey(raw, from)) {
            return raw;
        }
        return q.replace("&" + from + "=", "&" + to + "=").substring(1);
    }

    /** Removes {@code key=value} pairs whose key is (or, with {@code except}, is not) in {@code keys}. */
    static String queryDel(String raw, Set<String> keys, boolean except) {
        if (raw.isEmpty()) {
            return raw;
        }
        StringBuilder out = new StringBuilder();
        for (String pair : raw.split("&", -1)) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            // BFE only removes "key=value" pairs; a bare key without '=' stays
            boolean drop = eq >= 0 && keys.contains(key) != except;
            if (!drop) {
                if (out.length() > 0) {
                    out.append('&');
                }
                out.append(pair);
            }
        }
        return out.toString();
    }

    private static boolean hasKey(String raw, String key) {
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if ((eq < 0 ? pair : pair.substring(0, eq)).equals(key)) {
                return true;
            }
        }
        return false;
    }
}
