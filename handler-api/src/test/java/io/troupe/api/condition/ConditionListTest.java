package io.troupe.api.condition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ConditionList#firstMatch} answers as a loop calling {@link Condition#match} on each condition in order:
 * random rule lists of the shapes it evaluates directly (path, header value, client-IP range) mixed with the
 * others, over requests that match some and none.
 */
class ConditionListTest {
    private static final String[] CONDITIONS = {
        "req_path_prefix_in(\"/admin/|/internal/\", false)",
        "req_path_prefix_in(\"/API/\", true)",
        "req_path_prefix_in(\"/a|/x\", false)",
        "req_path_prefix_in(\"/index|/in\", false)",
        "req_path_prefix_in(\"/admin/x\", false)",
        "req_path_prefix_in(\"\", false)",
        "req_path_in(\"/index.html\", false)",
        "req_path_suffix_in(\".php\", false)",
        "req_header_value_in(\"X-Block-Token\", \"bad-1|worse-1\", false)",
        "req_header_value_in(\"x-block-token\", \"BAD-2\", true)",
        "req_header_value_in(\"X-Block-Token\", \"\", false)",
        "req_header_value_in(\"X-Block-Token\", \"bad-2|bad-1\", false)",
        "req_header_value_in(\"X-Block-Token\", \"bad-3\", false)",
        "req_header_value_in(\"X-Other\", \"so evil|\", false)",
        "req_header_value_prefix_in(\"User-Agent\", \"curl\", true)",
        "req_header_value_contain(\"X-Other\", \"evil\", false)",
        "req_cip_range(\"10.0.0.0\", \"10.0.255.255\")",
        "req_cip_range(\"10.1.0.0\", \"10.1.255.255\")",
        "req_cip_range(\"::1\", \"::1\")",
        "req_vip_range(\"192.168.1.0\", \"192.168.1.255\")",
        "req_path_prefix_in(\"/api/\", false) && req_method_in(\"POST|PUT|DELETE\")",
        "req_path_prefix_in(\"/a|/api/v1\", false) && req_cip_range(\"10.1.0.0\", \"10.1.255.255\")",
        "req_path_prefix_in(\"/\", false) && req_header_value_in(\"X-Block-Token\", \"bad-3\", false)",
        "req_path_prefix_in(\"/API/\", true) && req_method_in(\"POST\")",
        "req_path_in(\"/x\", false) && req_method_in(\"GET\")",
        "req_header_value_in(\"X-Block-Token\", \"bad-3\", false) || req_cip_range(\"10.2.0.0\", \"10.2.0.9\")",
        "!req_path_prefix_in(\"/\", false)",
        "req_method_in(\"DELETE\")",
        "default_t()",
    };

    private static List<FakeRequest> requests() {
        List<FakeRequest> out = new ArrayList<>();
        out.add(new FakeRequest().uri("/index.html").client("127.0.0.1"));
        out.add(new FakeRequest().uri("/admin/x").client("10.0.3.4"));
        out.add(new FakeRequest().uri("/api/v1").method("POST").client("10.1.0.1"));
        out.add(new FakeRequest().uri("/a.php").header("x-BLOCK-token", "bad-1").client("10.2.0.5"));
        out.add(new FakeRequest().uri("/").header("X-Block-Token", "bad-2").header("X-Block-Token", "bad-1"));
        out.add(new FakeRequest().uri("/").header("X-Block-Token", "bad-3").method("DELETE"));
        out.add(new FakeRequest().uri("/").header("User-Agent", "CURL/8").client("::1"));
        out.add(new FakeRequest().uri("/").header("X-Other", "so evil"));
        FakeRequest noClient = new FakeRequest().uri("/x");
        noClient.session.client = null;
        out.add(noClient);
        return out;
    }

    @Test
    void firstMatchIsTheFirstConditionThatMatches() throws ConditionException {
        Random random = new Random(9);
        List<FakeRequest> requests = requests();
        int matched = 0;
        for (int round = 0; round < 300; round++) {
            int n = 1 + random.nextInt(12);
            List<Condition> conditions = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                conditions.add(Conditions.build(CONDITIONS[random.nextInt(CONDITIONS.length)]));
            }
            ConditionList list = ConditionList.of(conditions);
            assertEquals(n, list.size());
            for (FakeRequest r : requests) {
                for (int from = 0; from <= n; from++) {
                    int expected = -1;
                    for (int i = from; i < n; i++) {
                        if (conditions.get(i).match(r)) {
                            expected = i;
                            break;
                        }
                    }
                    assertEquals(expected, list.firstMatch(r, from),
                            () -> "conditions " + conditions + " on " + r.uri());
                    if (expected >= 0) {
                        matched++;
                    }
                }
            }
        }
        // the lists matched often enough, and missed often enough, to test both
        assertEquals(true, matched > 1000, "matches " + matched);
    }

    @Test
    void mergedHeaderRulesKeepTheirPlaceInTheOrder() throws ConditionException {
        ConditionList list = ConditionList.of(List.of(
                Conditions.build("req_path_prefix_in(\"/x\", false)"),
                Conditions.build("req_header_value_in(\"X-Block-Token\", \"bad-1\", false)"),
                Conditions.build("req_cip_range(\"10.0.0.0\", \"10.0.255.255\")"),
                Conditions.build("req_header_value_in(\"X-Block-Token\", \"bad-1|bad-2\", false)")));
        FakeRequest bad1 = new FakeRequest().uri("/a").header("X-Block-Token", "bad-1").client("10.0.0.1");
        assertEquals(1, list.firstMatch(bad1, 0));
        assertEquals(2, list.firstMatch(bad1, 2));
        assertEquals(3, list.firstMatch(bad1, 3));
        assertEquals(-1, list.firstMatch(bad1, 4));
        FakeRequest bad2 = new FakeRequest().uri("/x").header("x-block-token", "bad-2").client("127.0.0.1");
        assertEquals(0, list.firstMatch(bad2, 0));
        assertEquals(3, list.firstMatch(bad2, 1));
        assertEquals(-1, list.firstMatch(new FakeRequest().uri("/a").header("X-Block-Token", "BAD-1").client("127.0.0.1"), 0));
    }

    @Test
    void mergedPrefixRulesWithAConditionOnTheRightKeepTheirPlaceInTheOrder() throws ConditionException {
        ConditionList list = ConditionList.of(List.of(
                Conditions.build("req_path_prefix_in(\"/api/\", false) && req_method_in(\"POST\")"),
                Conditions.build("req_cip_range(\"10.0.0.0\", \"10.0.255.255\")"),
                Conditions.build("req_path_prefix_in(\"/api/v1|/b\", false) && req_method_in(\"GET\")"),
                Conditions.build("req_path_prefix_in(\"/api/v1/x\", false)")));
        FakeRequest get = new FakeRequest().uri("/api/v1/x").method("GET").client("127.0.0.1");
        assertEquals(2, list.firstMatch(get, 0));
        assertEquals(3, list.firstMatch(get, 3));
        FakeRequest post = new FakeRequest().uri("/api/v1/x").method("POST").client("10.0.0.1");
        assertEquals(0, list.firstMatch(post, 0));
        assertEquals(1, list.firstMatch(post, 1));
        assertEquals(3, list.firstMatch(post, 2));
        assertEquals(-1, list.firstMatch(new FakeRequest().uri("/api").method("POST").client("127.0.0.1"), 0));
    }

    @Test
    void anEmptyListMatchesNothing() {
        assertEquals(-1, ConditionList.of(List.of()).firstMatch(new FakeRequest(), 0));
    }
}
