package io.troupe.api.condition;

import io.troupe.api.proxy.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Prefixes of a rule list's case-sensitive {@code req_path_prefix_in} rules, one character per level: walking a
 * path down the tree passes every node whose prefix the path starts with, so one walk finds the first rule any of
 * whose prefixes the path has. A rule may carry a further condition (the right of {@code prefix && cond}), which
 * must match too. Immutable once built.
 */
final class PrefixTrie {
    private char[] keys = new char[0];
    private PrefixTrie[] children = new PrefixTrie[0];
    // the rules (ascending indices) with this node's prefix among their patterns
    private int[] rules = new int[0];
    // the root's only: per rule index, the condition that must match besides the prefix, or null
    private Condition[] rest;

    /**
     * Builds the tree; {@code prefixes.get(k)} are the patterns of rule {@code ruleIndices.get(k)}, ascending, and
     * rule {@code i} also needs {@code rest[i]} to match when that is not null.
     */
    static PrefixTrie of(List<Integer> ruleIndices, List<String[]> prefixes, Condition[] rest) {
        Builder root = new Builder();
        for (int k = 0; k < ruleIndices.size(); k++) {
            for (String p : prefixes.get(k)) {
                Builder b = root;
                for (int i = 0; i < p.length(); i++) {
                    b = b.children.computeIfAbsent(p.charAt(i), c -> new Builder());
                }
                List<Integer> r = b.rules;
                if (r.isEmpty() || r.get(r.size() - 1) != ruleIndices.get(k).intValue()) {
                    r.add(ruleIndices.get(k));
                }
            }
        }
        PrefixTrie t = root.build();
        t.rest = rest;
        return t;
    }

    /**
     * The least rule index {@code >= from} and {@code < end} one of whose prefixes {@code path} starts with (and
     * whose further condition {@code request} satisfies), else {@code end}.
     */
    int first(String path, int from, int end, Request request) {
        PrefixTrie n = this;
        int best = n.least(from, end, request, rest);
        for (int i = 0; i < path.length(); i++) {
            n = n.child(path.charAt(i));
            if (n == null) {
                break;
            }
            best = n.least(from, best, request, rest);
        }
        return best;
    }

    private int least(int from, int end, Request request, Condition[] rest) {
        for (int r : rules) {
            if (r >= end) {
                return end;
            }
            if (r >= from && (rest[r] == null || rest[r].match(request))) {
                return r;
            }
        }
        return end;
    }

    private PrefixTrie child(char c) {
        char[] k = keys;
        for (int i = 0; i < k.length; i++) {
            if (k[i] == c) {
                return children[i];
            }
        }
        return null;
    }

    private static final class Builder {
        final TreeMap<Character, Builder> children = new TreeMap<>();
        final List<Integer> rules = new ArrayList<>();

        PrefixTrie build() {
            PrefixTrie t = new PrefixTrie();
            t.keys = new char[children.size()];
            t.children = new PrefixTrie[children.size()];
            int i = 0;
            for (var e : children.entrySet()) {
                t.keys[i] = e.getKey();
                t.children[i] = e.getValue().build();
                i++;
            }
            t.rules = rules.stream().mapToInt(Integer::intValue).toArray();
            return t;
        }
    }
}
