package io.troupe.api.condition;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class Re2FoldGuardTest {

    @Test
    void caseInsensitivePatternsThatReachU1C80AreRefused() {
        for (String p : new String[] {"(?i)\\x{1C80}", "(?i)a[ᲀ]", "(?i)[\\x{1000}-\\x{1FFF}]", "x(?i:[0-\uFFFD]+)",
                "(?i)[\\x{1C00}-ᲈ]", "(?si)ᲄ", "(?i)r[]-\uFFFD]", "(?i)[^]-\uFFFD]", "(?i)\\Qaᲀ\\E", "(?i)[\\x41-\\x{1CFF}]",
                "(?i)ch[\\a-\uFFFD]", "(?i)[\\t-\uFFFD]", "(?i)[\\0-\\x{1CFF}]", "(?i)[\\101-\uFFFD]",
                "(?i)[0-[:]x[:\\x06-\uFFFD]", "(?i)\\x{00000000001C80}", "(?i)[0-\\x{0000000000FFFD}]"}) {
            assertNotNull(Re2FoldGuard.check(p), p);
        }
    }

    @Test
    void otherPatternsCompileAsBefore() {
        for (String p : new String[] {"(?i)[а-я]+", "\\x{1C80}", "[\\x{1000}-\\x{1FFF}]", "(?i)\\pL+", "(?i)[^a]",
                "(?i)curl/[0-9]+", "(?i)\\[x-y\\]", "(?i)[\\x{1C89}-\\x{1CBF}]", "(?i)[]a]", "(?i)[a-]Ᲊᲊ",
                "(?i)[[:alpha:]-]", "(?i)\\pL-\\x{1CFF}", "(?i)日本語", "(?i)[\\a-\\r]", "(?i)\\101\\n", "(?i)[0-[:]"}) {
            assertNull(Re2FoldGuard.check(p), p);
            com.google.re2j.Pattern.compile(p); // and RE2J compiles it
        }
    }

    /** The input ConditionFuzzTest found: RE2J looped forever compiling it. */
    @Test
    void theFuzzedConditionIsAnErrorNotAHang() {
        ConditionException e = assertThrows(ConditionException.class, () -> Conditions.build(
                "req_path_regmatch(\"/ml\") || req_ua_regmatch(\"(?i)req_ttag_matchcua/[0-\uFFFD]+\")", Map.of()));
        assertTrue(e.getMessage().contains("U+1C80"), e.getMessage());
    }

    /** A later find (CI's fuzzing): the class's range starts at RE2's \\a, the bell, which the guard took for a set. */
    @Test
    void aRangeFromAOneCharacterEscapeIsRefusedToo() {
        String fuzzed = new String(java.util.Base64.getDecoder().decode("cmVxX3VhX3JlZ21hdGNoKCIoP2kpY2hbXGEt31xh/3X/dG1kZWZhZCIp"),
                java.nio.charset.StandardCharsets.UTF_8); // req_ua_regmatch("(?i)ch[\\a-<0xDF>\\a<0xFF>u<0xFF>tmdefad")
        ConditionException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThrows(ConditionException.class, () -> Conditions.build(fuzzed, Map.of())));
        assertTrue(e.getMessage().contains("U+1C80"), e.getMessage());
    }

    /**
     * Another find of CI's fuzzing: in {@code [0-[:]...} the range ends at a plain {@code [} (RE2J reads no named class
     * there), but the guard took {@code [:} for one and skipped to a far {@code :]}, past the range that reaches U+1C80.
     */
    @Test
    void aRangeEndingAtABracketIsNoNamedClass() {
        String fuzzed = new String(java.util.Base64.getDecoder().decode("IHJlcV91YV9yZWdtYXRjaCgiKD9pKXIAAIHybWVudHByZWZbKgEGOgDbMC1bOl0tZmH"
                + "///////8AAFs6Bi3//////////////////////////////////////////////////////////////////////////////////////zBbOl0tqmZh/2UiKQ=="),
                java.nio.charset.StandardCharsets.UTF_8);
        ConditionException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThrows(ConditionException.class, () -> Conditions.build(fuzzed, Map.of())));
        assertTrue(e.getMessage().contains("U+1C80"), e.getMessage());
    }

    @Test
    void aHyphenBetweenHighCharactersOrEscapedIsNoRange() {
        for (String p : new String[] {"(?i)^/[a-z]+/产品-列表", "(?i)[a\\-\\x{FFFF}]", "(?i)[\\x{1D00}-\\x{1DFF}]", "(?i)[^-]日本"}) {
            assertNull(Re2FoldGuard.check(p), p);
            com.google.re2j.Pattern.compile(p);
        }
        // what the guard cannot tell from a range, it refuses: after a '[', an ASCII character, '-', a CJK one
        for (String p : new String[] {"(?i)[a\\\\-\\x{FFFF}]", "(?i)[a-z]+v1-日本"}) {
            assertTrue(Re2FoldGuard.check(p).contains("U+1C80"), p);
        }
    }

    /**
     * Patterns made of the pieces the fuzzer combined: whatever the guard lets through, RE2J compiles within a second.
     * A fixed seed, so a failure repeats.
     */
    @Test
    void everyPatternTheGuardPassesCompiles() throws Exception {
        String[] pieces = {"(?i)", "(?i:", ")", "[", "]", "^", "-", "\\", "\\\\", "a", "0", "z", "\uFFFD", "\u1C85",
                "\u1C89", "\u1C7F", "日", "\\x{1CFF}", "\\x{1C80}", "\\x{1C89}", "\\x{00000000001C84}", "\\x41", "\\101", "\\a", "[:alpha:]",
                "[:", ":]", "\\Q", "\\E", "\\pL", "\\-", "\\[", "x"};
        // inside a class, where the ranges are: ends of every height, and many hyphens
        String[] inClass = {"a", "0", "z", "-", "-", "-", "\\", "\\\\", "^", "]", "[:alpha:]", "[:", ":]", "\uFFFD",
                "\u1C89", "\u1C7F", "日", "\\x{1CFF}", "\\x{1C89}", "\\x{1D00}", "\\x{00000000FFFD}", "\\x41", "\\101", "\\a", "\\-", "\\[", "\\pL"};
        java.util.Random random = new java.util.Random(20261129);
        java.util.concurrent.ExecutorService compiler = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "re2j-compile");
            t.setDaemon(true); // a hang fails the test; the looping thread must not keep the JVM up
            return t;
        });
        try {
            int passed = 0;
            for (int n = 0; n < 6000; n++) {
                StringBuilder p = new StringBuilder(random.nextBoolean() ? "(?i)" : "");
                if (random.nextBoolean()) {
                    p.append("[");
                    for (int k = random.nextInt(5) + 1; k > 0; k--) {
                        p.append(inClass[random.nextInt(inClass.length)]);
                    }
                    p.append("]");
                }
                for (int k = random.nextInt(5); k > 0; k--) {
                    p.append(pieces[random.nextInt(pieces.length)]);
                }
                String pattern = p.toString();
                if (Re2FoldGuard.check(pattern) != null) {
                    continue;
                }
                passed++;
                java.util.concurrent.Future<?> compiled = compiler.submit(() -> {
                    try {
                        com.google.re2j.Pattern.compile(pattern);
                    } catch (com.google.re2j.PatternSyntaxException bad) {
                        // a syntax error is an answer too
                    }
                });
                try {
                    compiled.get(1, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError("the guard passed a pattern RE2J does not finish compiling: " + pattern);
                }
            }
            assertTrue(passed > 1000, "too few patterns passed the guard to say anything: " + passed);
        } finally {
            compiler.shutdownNow();
        }
    }
}
