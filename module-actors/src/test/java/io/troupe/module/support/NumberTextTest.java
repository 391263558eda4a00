package io.troupe.module.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class NumberTextTest {
    @Test
    void isIntegerToStringAndMadeOncePerNumber() {
        for (int n : new int[] {0, 9, 80, 200, 443, 50123, 65535, 65536, -1, Integer.MAX_VALUE}) {
            assertEquals(Integer.toString(n), NumberText.of(n));
        }
        assertSame(NumberText.of(50123), NumberText.of(50123));
    }
}
