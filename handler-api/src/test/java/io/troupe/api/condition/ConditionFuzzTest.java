package io.troupe.api.condition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.troupe.api.fuzz.FuzzLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the condition parser and compiler (route rules, module rules): any text either builds a condition
 * that matches a request without throwing (alone and as a {@link ConditionList}), or fails with a {@link ConditionException} that says why.
 * Seeds: {@code ConditionFuzzTestInputs/build}. Runs with JAZZER_FUZZ in the surefire execution "fuzz".
 */
@Tag("fuzz")
class ConditionFuzzTest {
    private static final FakeRequest REQUEST = new FakeRequest()
            .method("GET").host("www.example.org").uri("/a/b.html?x=1&y=%41")
            .header("User-Agent", "fuzz").header("X-Forwarded-For", "10.1.2.3").cookie("uid", "42")
            .client("10.0.0.7");

    @FuzzTest(maxDuration = "30s")
    void build(byte[] input) {
        String expression = new String(input, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try {
            Condition condition = Conditions.build(expression, Map.of("v", Conditions.build("default_t()")));
            boolean matched = condition.match(REQUEST);
            // a rule list of it answers the same (it evaluates some primitives without Condition.match)
            assertEquals(matched ? 0 : -1, ConditionList.of(List.of(condition)).firstMatch(REQUEST, 0), expression);
        } catch (ConditionException e) {
            assertNotNull(e.getMessage(), "a build error says why");
        }
        FuzzLimits.checkTime(start, expression);
    }
}
