package io.troupe.node.works;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SubWorkIdsTest {

    @Test
    void theBoostersNumberedIdsAreBitsAndEachCountsOnce() {
        SubWorkIds ids = new SubWorkIds("demo-1a2b");
        for (int i = 1; i <= 200_000; i++) {
            assertTrue(ids.add("demo-1a2b-" + i));
        }
        assertFalse(ids.add("demo-1a2b-1"));
        assertFalse(ids.add("demo-1a2b-200000"));
        assertEquals(0, ids.othersSize(), "none kept as a string");
    }

    @Test
    void otherIdsAreKeptAsThemselvesAndCountOnceToo() {
        SubWorkIds ids = new SubWorkIds("w");
        for (String id : new String[] {"w-01", "x-1", "w-1#1", "w-" + SubWorkIds.MAX_BIT_INDEX, "w-99999999999"}) {
            assertTrue(ids.add(id), id);
            assertFalse(ids.add(id), id);
        }
        assertEquals(5, ids.othersSize());
        assertTrue(ids.add("w-1"), "w-1 is not w-01");
        assertEquals(5, ids.othersSize());
    }
}
