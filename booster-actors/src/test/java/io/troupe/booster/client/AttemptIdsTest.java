package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AttemptIdsTest {

    @Test
    void anAttemptIdTheBoosterMadeReadsBackWhateverTheBuildIdHolds() {
        String subWork = AttemptIds.subWork("demo-1a2b-3c", 17);
        String attempt = AttemptIds.attempt(subWork, 2);
        assertEquals(Optional.of(new AttemptIds.Parsed("demo-1a2b-3c", 17, 2)), AttemptIds.parse(attempt));
        assertTrue(AttemptIds.isAttemptOf(attempt, subWork));
        assertFalse(AttemptIds.isAttemptOf(attempt, AttemptIds.subWork("demo-1a2b-3c", 1)),
                "an attempt of sub-work 17 is none of sub-work 1's");
    }

    @Test
    void anyOtherIdIsNoBoosters() {
        assertEquals(Optional.empty(), AttemptIds.parse("job-7"));
        assertEquals(Optional.empty(), AttemptIds.parse("b-x#1"));
        assertEquals(Optional.empty(), AttemptIds.parse(null));
        // numbers no booster makes are no booster's ids, not an exception in /workers
        assertEquals(Optional.empty(), AttemptIds.parse("b-1#99999999999"));
        assertEquals(Optional.empty(), AttemptIds.parse("b-99999999999999999999#1"));
        assertEquals(Optional.empty(), AttemptIds.parse("b-01#1"));
    }

    @Test
    void aSubWorkIdGivesItsIndexOnlyWhenTheBoosterCouldHaveMadeIt() {
        assertEquals(17, AttemptIds.subWorkIndex(AttemptIds.subWork("demo-1a2b-3c", 17), "demo-1a2b-3c"));
        assertEquals(0, AttemptIds.subWorkIndex("b-0", "b"));
        for (String other : new String[] {"b-", "b-01", "b-+1", "b-1x", "b1", "c-1", "bb-1", "b-1#1", "b-1234567890123456789"}) {
            assertEquals(-1, AttemptIds.subWorkIndex(other, "b"), other);
        }
    }
}
