package io.troupe.proxy.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

/** Names checked once pass the header maps unchecked; every other name is checked as Netty checks it. */
class CheckedHeaderNamesTest {
    @Test
    void aValidNameIsCheckedOnceAndMadeOnce() {
        AsciiString name = CheckedHeaderNames.of("X-Checked-Once");
        assertTrue(CheckedHeaderNames.isChecked(name));
        assertSame(name, CheckedHeaderNames.of("X-Checked-Once"));
        assertEquals("X-Checked-Once", name.toString());
        HttpHeaders h = CheckedHeaderNames.HEADERS.newHeaders();
        h.add(name, "1");
        assertEquals("1", h.get("x-checked-once"), "looked up case-insensitively as any name");
    }

    @Test
    void anInvalidNameIsNotCheckedAndTheHeaderMapRefusesIt() {
        AsciiString bad = CheckedHeaderNames.of("Bad Name");
        assertFalse(CheckedHeaderNames.isChecked(bad));
        assertEquals("Bad Name", bad.toString());
        HttpHeaders h = CheckedHeaderNames.HEADERS.newHeaders();
        assertThrows(IllegalArgumentException.class, () -> h.set(bad, "1"));
        assertThrows(IllegalArgumentException.class, () -> h.add("X-Bad:", "1"));
        assertThrows(IllegalArgumentException.class, () -> h.add(new AsciiString("Bad\r\nName"), "1"));
    }

    @Test
    void otherNamesAreCheckedAsNettyChecksThem() {
        HttpHeaders h = CheckedHeaderNames.HEADERS.newHeaders();
        h.add("X-Plain", "1");
        h.add(AsciiString.cached("X-Cached"), "2");
        assertEquals("1", h.get("X-Plain"));
        assertEquals("2", h.get("X-Cached"));
        AsciiString checked = CheckedHeaderNames.of("X-Slice-Source");
        // a part of a checked name is a copy, so it is checked again like any other name
        assertFalse(CheckedHeaderNames.isChecked(checked.subSequence(2, 7)));
        assertFalse(CheckedHeaderNames.isChecked("X-Slice-Source"));
        assertThrows(IllegalArgumentException.class, () -> h.add("", "1"));
    }

    @Test
    void valuesAreStillChecked() {
        HttpHeaders h = CheckedHeaderNames.HEADERS.newHeaders();
        assertThrows(IllegalArgumentException.class, () -> h.set(CheckedHeaderNames.of("X-Value"), "a\r\nb: c"));
    }

    @Test
    void onceAnArenaIsFullNamesAreMadeUncheckedAndStillWork() {
        CheckedHeaderNames.Arena arena = new CheckedHeaderNames.Arena(32);
        AsciiString first = arena.make("X-Fill-0000001");
        AsciiString second = arena.make("X-Fill-0000002");
        AsciiString third = arena.make("X-Fill-0000003");
        assertTrue(arena.holds(first));
        assertTrue(arena.holds(second));
        assertFalse(arena.holds(third), "32 bytes hold two names of 14");
        assertFalse(arena.holds(arena.make("Bad Name")));
        assertTrue(arena.holds(arena.make("X-1")), "a shorter name still fits");
        // an unchecked name is checked by the header map like any other
        HttpHeaders h = CheckedHeaderNames.HEADERS.newHeaders();
        h.set(third, "1");
        assertEquals("1", h.get("X-Fill-0000003"));
        assertFalse(CheckedHeaderNames.isChecked(first), "only names of the shared arena pass unchecked");
    }
}
