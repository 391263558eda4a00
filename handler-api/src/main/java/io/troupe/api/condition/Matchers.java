package io.troupe.api.condition;

import com.google.re2j.Pattern;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * Value matchers, prepared at build time. Lists are split on {@code |} with no trimming (as BFE's
 * {@code strings.Split}); with {@code foldCase} both the patterns and the value are upper-cased.
 */
final class Matchers {
    private Matchers() {}

    /** Tests one fetched string. */
    interface StringMatcher {
        boolean match(String value);
    }

    /** BFE's bucket count for hash primitives. */
    static final int HASH_BUCKETS = 10000;

    static List<String> split(String patterns) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        while (true) {
            int bar = patterns.indexOf('|', from);
            if (bar < 0) {
                parts.add(patterns.substring(from));
                return parts;
            }
            parts.add(patterns.substring(from, bar));
            from = bar + 1;
        }
    }

    private static String[] prepare(String patterns, boolean foldCase) {
        List<String> parts = split(patterns);
        String[] out = new String[parts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = foldCase ? GoText.upper(parts.get(i)) : parts.get(i);
        }
        return out;
    }

    /** One exact value, not a list ({@code req_proto_match}: BFE's {@code ExactMatcher} does not split on {@code |}). */
    static StringMatcher exact(String pattern, boolean foldCase) {
        if (!foldCase) {
            return pattern::equals;
        }
        String up = GoText.upper(pattern);
        return v -> GoText.hasSurrogates(v) ? GoText.upper(v).equals(up) : GoText.equalsUpper(v, up);
    }

    /** Exact membership ({@code _in}). */
    static StringMatcher in(String patterns, boolean foldCase) {
        String[] p = prepare(patterns, foldCase);
        if (!foldCase) {
            return new ExactIn(p);
        }
        if (p.length <= 8) {
            // a short list: compare folding on the fly, no allocation
            return v -> {
                if (GoText.hasSurrogates(v)) {
                    String up = GoText.upper(v);
                    for (String s : p) {
                        if (s.equals(up)) {
                            return true;
                        }
                    }
                    return false;
                }
                for (String s : p) {
                    if (GoText.equalsUpper(v, s)) {
                        return true;
                    }
                }
                return false;
            };
        }
        Set<String> set = new HashSet<>(List.of(dedupe(p)));
        return v -> set.contains(GoText.upper(v));
    }

    /** Exact, case-sensitive membership; its values are known, so a rule list can merge several into one lookup. */
    static final class ExactIn implements StringMatcher {
        private final String only;
        private final Set<String> values;

        ExactIn(String[] patterns) {
            this.values = new HashSet<>(List.of(patterns));
            this.only = patterns.length == 1 ? patterns[0] : null;
        }

        @Override
        public boolean match(String value) {
            return only != null ? only.equals(value) : values.contains(value);
        }

        Set<String> values() {
            return values;
        }
    }

    private static String[] dedupe(String[] p) {
        return new HashSet<>(List.of(p)).toArray(new String[0]);
    }

    static StringMatcher prefix(String patterns, boolean foldCase) {
        return new AnyPattern(AnyPattern.PREFIX, prepare(patterns, foldCase), foldCase);
    }

    static StringMatcher suffix(String patterns, boolean foldCase) {
        return new AnyPattern(AnyPattern.SUFFIX, prepare(patterns, foldCase), foldCase);
    }

    static StringMatcher contain(String patterns, boolean foldCase) {
        return new AnyPattern(AnyPattern.CONTAIN, prepare(patterns, foldCase), foldCase);
    }

    /**
     * True when the value starts with, ends with or contains any pattern. One class for the three tests, with
     * the string methods called directly: the primitives' call site sees one matcher class and inlines it.
     * With {@code foldCase} the value is compared against the upper-cased patterns without copying it, unless
     * it holds surrogates: then it is upper-cased once, Go's way, and compared exactly.
     */
    static final class AnyPattern implements StringMatcher {
        static final int PREFIX = 0;
        static final int SUFFIX = 1;
        static final int CONTAIN = 2;

        private final int kind;
        private final String[] patterns;
        private final boolean foldCase;

        AnyPattern(int kind, String[] patterns, boolean foldCase) {
            this.kind = kind;
            this.patterns = patterns;
            this.foldCase = foldCase;
        }

        /** The patterns when this is a case-sensitive prefix test, else {@code null}. */
        String[] exactPrefixes() {
            return kind == PREFIX && !foldCase ? patterns.clone() : null;
        }

        @Override
        public boolean match(String v) {
            if (foldCase && !GoText.hasSurrogates(v)) {
                for (String s : patterns) {
                    if (upperTest(v, s)) {
                        return true;
                    }
                }
                return false;
            }
            String up = foldCase ? GoText.upper(v) : v;
            for (String s : patterns) {
                if (test(up, s)) {
                    return true;
                }
            }
            return false;
        }

        private boolean test(String v, String s) {
            return switch (kind) {
                case PREFIX -> v.startsWith(s);
                case SUFFIX -> v.endsWith(s);
                default -> v.contains(s);
            };
        }

        private boolean upperTest(String v, String s) {
            return switch (kind) {
                case PREFIX -> GoText.startsWithUpper(v, s);
                case SUFFIX -> GoText.endsWithUpper(v, s);
                default -> GoText.containsUpper(v, s);
            };
        }
    }

    /**
     * BFE's {@code req_path_element_prefix_in}: a {@code /} is appended to the path and to each pattern
     * that lacks one, so {@code /a} matches {@code /a} and {@code /a/b} but not {@code /ab}.
     */
    static StringMatcher pathElementPrefix(String patterns, boolean foldCase) {
        List<String> parts = split(patterns);
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            String s = parts.get(i);
            joined.append(i == 0 ? "" : "|").append(s.endsWith("/") ? s : s + "/");
        }
        StringMatcher prefix = prefix(joined.toString(), foldCase);
        return v -> prefix.match(v.endsWith("/") ? v : v + "/");
    }

    /** An unanchored RE2 search, like Go's {@code regexp.MatchString}. */
    static StringMatcher regex(Pattern pattern) {
        return v -> pattern.matcher(v).find();
    }

    /**
     * BFE's hash buckets: {@code murmur3.Sum64} (the first 64 bits of MurmurHash3 x64 128, seed 0) of
     * the value's bytes, taken unsigned modulo 10000; {@code insensitive} lower-cases the value first.
     */
    static final class HashBuckets implements StringMatcher {
        private final long[] bits;
        private final boolean insensitive;

        HashBuckets(long[] bits, boolean insensitive) {
            this.bits = bits;
            this.insensitive = insensitive;
        }

        @Override
        public boolean match(String value) {
            int bucket = bucket(insensitive ? GoText.lower(value) : value);
            return (bits[bucket >>> 6] & (1L << bucket)) != 0;
        }

        static int bucket(String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            long h1 = MurmurHash3.hash128x64(bytes)[0];
            return (int) Long.remainderUnsigned(h1, HASH_BUCKETS);
        }

        /**
         * Parses {@code "0-99|200|300-399"}; spaces inside a section are ignored (BFE strips them).
         *
         * @throws IllegalArgumentException naming the bad section
         */
        static long[] parse(String patterns) {
            long[] bits = new long[(HASH_BUCKETS + 63) / 64];
            for (String section : split(patterns)) {
                String[] numbers = section.split("-", -1);
                if (numbers.length > 2) {
                    throw new IllegalArgumentException("hash value section " + section + " length error");
                }
                int start = number(section, numbers[0]);
                int end = start;
                if (numbers.length == 2) {
                    end = number(section, numbers[1]);
                    if (end < start) {
                        throw new IllegalArgumentException("hash value check section " + section + " err, start is larger");
                    }
                }
                for (int i = start; i <= end; i++) {
                    bits[i >>> 6] |= 1L << i;
                }
            }
            return bits;
        }

        private static int number(String section, String raw) {
            String digits = raw.replace(" ", "");
            String unsigned = digits.startsWith("+") ? digits.substring(1) : digits;
            if (unsigned.isEmpty() || unsigned.length() > 9 || !unsigned.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("hash value check section " + section + " number " + digits + " is not a number");
            }
            int n = Integer.parseInt(unsigned);
            if (n >= HASH_BUCKETS) {
                throw new IllegalArgumentException("hash value check section " + section + " number " + digits
                        + " overlimit (buckets are 0-" + (HASH_BUCKETS - 1) + ")");
            }
            return n;
        }
    }
}
