package io.troupe.api.condition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.commons.codec.digest.MurmurHash3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Go-compatible building blocks: IP parsing and printing, case mapping, hashing, time strings. */
class ConditionInternalsTest {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = ';', value = {
        "10.0.0.1; 10.0.0.1",
        "::ffff:10.0.0.1; 10.0.0.1",
        "2001:DB8::1; 2001:db8::1",
        "2001:db8:0:0:0:0:0:1; 2001:db8::1",
        "::; ::",
        "::1; ::1",
        "1::; 1::",
        "1:0:0:1:0:0:0:1; 1:0:0:1::1",
        "1:0:0:0:1:0:0:1; 1::1:0:0:1",
        "2001:db8:0:1:1:1:1:1; 2001:db8:0:1:1:1:1:1",
        "::1.2.3.4; ::102:304",
        "0:0:0:0:0:ffff:1.2.3.4; 1.2.3.4",
    })
    void ipParsesAndPrintsLikeGo(String text, String goString) {
        byte[] ip = IpAddrs.parse(text);
        assertEquals(16, ip.length);
        assertEquals(goString, IpAddrs.format(ip));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = ';', value = {
        "''", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "localhost",
        "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", ":1", "1:", "fe80::1%eth0", "1:2:3:4:5:6:7:8::",
        "::ffff:1.2.3", "1.2.3.4::", "' 1.2.3.4'",
    })
    void ipRejectsWhatGoRejects(String text) {
        assertNull(IpAddrs.parse(text), text);
    }

    @Test
    void murmurFirstHalfMatchesReferenceVectors() {
        // spaolacci/murmur3 (the library BFE uses) test vectors for Sum64 with seed 0
        assertEquals(0xcbd8a7b341bd9b02L, h1("hello"));
        assertEquals(0x342fac623a5ebc8eL, h1("hello, world"));
        assertEquals(0xb89e5988b737affcL, h1("19 Jan 2038 at 3:14:07 AM"));
        assertEquals(0xcd99481f9ee902c9L, h1("The quick brown fox jumps over the lazy dog."));
        assertEquals(0L, h1(""));
        // unsigned modulo: 0xcbd8a7b341bd9b02 is negative as a Java long
        assertEquals(2306, Matchers.HashBuckets.bucket("hello"));
        assertEquals(0, Matchers.HashBuckets.bucket(""));
    }

    private static long h1(String s) {
        return MurmurHash3.hash128x64(s.getBytes(StandardCharsets.UTF_8))[0];
    }

    @Test
    void hashSectionsAllowSpacesAndPlusButNothingElse() {
        long[] bits = Matchers.HashBuckets.parse(" 1 - 3 |+9999");
        assertTrue(isSet(bits, 1) && isSet(bits, 2) && isSet(bits, 3) && isSet(bits, 9999));
        assertFalse(isSet(bits, 0) || isSet(bits, 4));
        assertThrows(IllegalArgumentException.class, () -> Matchers.HashBuckets.parse("１"));
        assertThrows(IllegalArgumentException.class, () -> Matchers.HashBuckets.parse("-1"));
    }

    private static boolean isSet(long[] bits, int i) {
        return (bits[i >>> 6] & (1L << i)) != 0;
    }

    @Test
    void caseMappingIsPerCodePointLikeGo() {
        assertEquals("STRAßE", GoText.upper("straße"));
        assertEquals("οσ", GoText.lower("ΟΣ"));
        assertEquals("𐐨", GoText.lower("𐐀"));
        assertTrue(GoText.equalsUpper("aBc", "ABC"));
        assertTrue(GoText.containsUpper("xxabcxx", "ABC"));
        assertFalse(GoText.containsUpper("xxabxx", "ABC"));
        assertTrue(GoText.endsWithUpper("a.example.COM", ".EXAMPLE.COM"));
    }

    @Test
    void supplementaryLettersFoldOnTheSlowPath() throws ConditionException {
        Condition c = Conditions.build("req_header_value_in(\"X\", \"𐐨a\", true)");
        assertTrue(c.match(new FakeRequest().header("X", "𐐀A")));
        assertTrue(c.match(new FakeRequest().header("X", "𐐨a")));
        assertFalse(c.match(new FakeRequest().header("X", "𐐨b")));
    }

    @Test
    void bfeTimeStrings() throws BfeTime.BadTime {
        assertEquals(1549281600L, BfeTime.parseInstant("20190204200000H"));
        assertEquals(1549281600L, BfeTime.parseInstant("20190204120000z"));
        assertEquals(1549281600L, BfeTime.parseInstant("20190204070000R"));
        assertEquals(1549281600L, BfeTime.parseInstant("  20190204120000 Z trailing"));
        assertThrows(BfeTime.BadTime.class, () -> BfeTime.parseInstant("20190229120000Z"));
        assertThrows(BfeTime.BadTime.class, () -> BfeTime.parseInstant("20190204120000J"));
        assertThrows(BfeTime.BadTime.class, () -> BfeTime.parseInstant("2019020412000Z"));
        int[] tod = BfeTime.parseTimeOfDay("203000H");
        assertEquals(20 * 3600 + 30 * 60, tod[0]);
        assertEquals(8 * 3600, tod[1]);
        assertThrows(BfeTime.BadTime.class, () -> BfeTime.parseTimeOfDay("240000Z"));
        assertThrows(BfeTime.BadTime.class, () -> BfeTime.parseTimeOfDay("2030Z"));
    }
}
