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
                "(?i)[0-[:]x[:\\x06-\uFFFD]"}) {
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
}
