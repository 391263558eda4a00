package io.troupe.api.condition;

import io.troupe.api.condition.Primitives.HeaderFetched;
import io.troupe.api.condition.Primitives.IpRange;
import io.troupe.api.condition.Primitives.PathFetched;
import io.troupe.api.proxy.HeaderName;
import io.troupe.api.proxy.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The conditions of a rule list, checked in order where the first match wins (BFE's rule loops, such as
 * mod_block's). {@link #firstMatch} answers exactly as calling {@link Condition#match} on each condition in
 * turn would, with less work per rule: the primitives rule lists repeat most ({@code req_path_*} and
 * {@code req_header_value_*} matchers, {@code req_cip_range}, and a path matcher on the left of an {@code &&})
 * are called directly, not through one interface call site that sees every condition class; the path, a
 * header's value and the client address are fetched once per call instead of once per rule; and exact,
 * case-sensitive {@code req_header_value_in} rules on one header name are merged into one lookup of its value,
 * and case-sensitive {@code req_path_prefix_in} rules, alone or as the left of an {@code &&}, into one walk of
 * the path down a tree of their prefixes.
 * Conditions only read the request, so a value fetched once is the value every rule would have fetched, and
 * the order in which rules are tried does not change which is first to match. Immutable and thread-safe.
 */
public final class ConditionList {
    private static final byte OTHER = 0;
    private static final byte PATH = 1;
    private static final byte HEADER = 2;
    private static final byte CLIENT_IP_RANGE = 3;
    private static final byte PATH_AND = 4;
    private static final byte GROUPED = 5;

    private final Condition[] conditions;
    private final byte[] kinds;
    // per HEADER rule, its header name, one object per distinct name so that the loop compares references
    private final HeaderName[] names;
    // exact, case-sensitive req_header_value_in rules, two or more on one header name, merged: per name, each
    // value to the indices (ascending) of the rules it satisfies; these rules are GROUPED and cost one lookup
    private final HeaderName[] groupNames;
    private final List<Map<String, int[]>> groups;
    // case-sensitive req_path_prefix_in rules, alone or on the left of an &&, when two or more: merged into one
    // tree walk (the right of an && is checked only for the rules whose prefix the path has); null when fewer
    private final PrefixTrie pathPrefixes;

    private ConditionList(List<Condition> list) {
        int n = list.size();
        conditions = list.toArray(new Condition[0]);
        kinds = new byte[n];
        names = new HeaderName[n];
        Map<String, HeaderName> byText = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Condition c = conditions[i];
            if (c instanceof PathFetched) {
                kinds[i] = PATH;
            } else if (c instanceof HeaderFetched h) {
                kinds[i] = HEADER;
                // only names with the very same text share a fetch; the lookup itself stays case-insensitive
                names[i] = byText.computeIfAbsent(h.key().toString(), t -> h.key());
            } else if (c instanceof IpRange r && r.clientIp()) {
                kinds[i] = CLIENT_IP_RANGE;
            } else if (c instanceof Logic.And a && a.left() instanceof PathFetched) {
                kinds[i] = PATH_AND;
            } else {
                kinds[i] = OTHER;
            }
        }
        Map<HeaderName, Map<String, List<Integer>>> byName = new LinkedHashMap<>();
        Map<HeaderName, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            if (kinds[i] == HEADER && ((HeaderFetched) conditions[i]).matcher() instanceof Matchers.ExactIn) {
                counts.merge(names[i], 1, Integer::sum);
            }
        }
        for (int i = 0; i < n; i++) {
            if (kinds[i] == HEADER && ((HeaderFetched) conditions[i]).matcher() instanceof Matchers.ExactIn in
                    && counts.get(names[i]) >= 2) {
                kinds[i] = GROUPED;
                Map<String, List<Integer>> byValue = byName.computeIfAbsent(names[i], k -> new HashMap<>());
                for (String v : in.values()) {
                    byValue.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
                }
            }
        }
        groupNames = byName.keySet().toArray(new HeaderName[0]);
        List<Map<String, int[]>> g = new ArrayList<>();
        for (Map<String, List<Integer>> byValue : byName.values()) {
            Map<String, int[]> m = new HashMap<>();
            byValue.forEach((v, indices) -> m.put(v, indices.stream().mapToInt(Integer::intValue).toArray()));
            g.add(m);
        }
        groups = List.copyOf(g);
        List<Integer> prefixRules = new ArrayList<>();
        List<String[]> prefixes = new ArrayList<>();
        Condition[] rest = new Condition[n];
        for (int i = 0; i < n; i++) {
            String[] exact = kinds[i] == PATH ? exactPrefixes(conditions[i])
                    : kinds[i] == PATH_AND ? exactPrefixes(((Logic.And) conditions[i]).left()) : null;
            if (exact != null) {
                prefixRules.add(i);
                prefixes.add(exact);
                rest[i] = kinds[i] == PATH_AND ? ((Logic.And) conditions[i]).right() : null;
            }
        }
        if (prefixRules.size() >= 2) {
            for (int i : prefixRules) {
                kinds[i] = GROUPED;
            }
            pathPrefixes = PrefixTrie.of(prefixRules, prefixes, rest);
        } else {
            pathPrefixes = null;
        }
    }

    /** The patterns of a case-sensitive {@code req_path_prefix_in}-style path condition, else {@code null}. */
    private static String[] exactPrefixes(Condition c) {
        return ((PathFetched) c).matcher() instanceof Matchers.AnyPattern any ? any.exactPrefixes() : null;
    }

    /**
     * A list of {@code conditions} in their order.
     *
     * @throws NullPointerException when the list or one of its conditions is {@code null}
     */
    public static ConditionList of(List<? extends Condition> conditions) {
        return new ConditionList(List.copyOf(conditions));
    }

    /** How many conditions the list holds. */
    public int size() {
        return conditions.length;
    }

    /** The condition at {@code index}. */
    public Condition get(int index) {
        return conditions[index];
    }

    /**
     * The index of the first condition at or after {@code from} that {@code request} satisfies, or {@code -1}
     * when none does.
     */
    public int firstMatch(Request request, int from) {
        // conditions only read the request, so the merged rules can be looked up first: the first of them that
        // matches bounds the loop over the others
        int end = conditions.length;
        for (int g = 0; g < groupNames.length; g++) {
            String v = request.header(groupNames[g]);
            int[] indices = groups.get(g).get(v == null ? "" : v);
            if (indices != null) {
                for (int k : indices) {
                    if (k >= from) {
                        end = Math.min(end, k);
                        break;
                    }
                }
            }
        }
        String path = null;
        boolean havePath = false;
        if (pathPrefixes != null) {
            path = request.path();
            havePath = true;
            if (path != null) {
                end = pathPrefixes.first(path, from, end, request);
            }
        }
        HeaderName lastName = null;
        String lastValue = null;
        boolean haveIp = false;
        boolean noIp = false;
        long ipHi = 0;
        long ipLo = 0;
        for (int i = from; i < end; i++) {
            Condition c = conditions[i];
            boolean matched;
            switch (kinds[i]) {
                case PATH -> {
                    if (!havePath) {
                        path = request.path();
                        havePath = true;
                    }
                    matched = ((PathFetched) c).matchPath(path);
                }
                case HEADER -> {
                    HeaderName name = names[i];
                    if (name != lastName) {
                        lastValue = request.header(name);
                        lastName = name;
                    }
                    matched = ((HeaderFetched) c).matchValue(lastValue);
                }
                case CLIENT_IP_RANGE -> {
                    if (!haveIp) {
                        byte[] raw = Primitives.cip(request);
                        noIp = raw == null;
                        if (!noIp) {
                            ipHi = IpAddrs.hi(raw);
                            ipLo = IpAddrs.lo(raw);
                        }
                        haveIp = true;
                    }
                    matched = !noIp && ((IpRange) c).matchIp(ipHi, ipLo);
                }
                case PATH_AND -> {
                    if (!havePath) {
                        path = request.path();
                        havePath = true;
                    }
                    Logic.And and = (Logic.And) c;
                    matched = ((PathFetched) and.left()).matchPath(path) && and.right().match(request);
                }
                case GROUPED -> matched = false; // looked up above
                default -> matched = c.match(request);
            }
            if (matched) {
                return i;
            }
        }
        return end < conditions.length ? end : -1;
    }
}
