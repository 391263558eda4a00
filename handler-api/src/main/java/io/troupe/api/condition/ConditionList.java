package io.troupe.api.condition;

import io.troupe.api.condition.Primitives.HeaderFetched;
import io.troupe.api.condition.Primitives.IpRange;
import io.troupe.api.condition.Primitives.PathFetched;
import io.troupe.api.proxy.HeaderName;
import io.troupe.api.proxy.Request;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The conditions of a rule list, checked in order where the first match wins (BFE's rule loops, such as
 * mod_block's). {@link #firstMatch} answers exactly as calling {@link Condition#match} on each condition in
 * turn would, with less work per rule: the primitives rule lists repeat most ({@code req_path_*} and
 * {@code req_header_value_*} matchers, {@code req_cip_range}) are called directly, not through one interface
 * call site that sees every condition class, and the path, a header's value and the client address are
 * fetched once per call instead of once per rule. Conditions only read the request, so a value fetched once
 * is the value every rule would have fetched. Immutable and thread-safe.
 */
public final class ConditionList {
    private static final byte OTHER = 0;
    private static final byte PATH = 1;
    private static final byte HEADER = 2;
    private static final byte CLIENT_IP_RANGE = 3;

    private final Condition[] conditions;
    private final byte[] kinds;
    // per HEADER rule, its header name, one object per distinct name so that the loop compares references
    private final HeaderName[] names;

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
            } else {
                kinds[i] = OTHER;
            }
        }
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
        String path = null;
        boolean havePath = false;
        HeaderName lastName = null;
        String lastValue = null;
        boolean haveIp = false;
        boolean noIp = false;
        long ipHi = 0;
        long ipLo = 0;
        for (int i = from; i < conditions.length; i++) {
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
                default -> matched = c.match(request);
            }
            if (matched) {
                return i;
            }
        }
        return -1;
    }
}
