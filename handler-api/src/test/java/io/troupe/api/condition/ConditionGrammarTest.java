package io.troupe.api.condition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Grammar, precedence, warnings, literals and variables of the condition language. */
class ConditionGrammarTest {

    private static final String T = "default_t()";
    private static final String F = "!default_t()";

    private static boolean eval(String condition) throws ConditionException {
        return Conditions.build(condition).match(new FakeRequest());
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = ';', value = {
        // || binds tighter than &&: F && F || T is F && (F || T) = false; C would say (F && F) || T = true
        "!default_t() && !default_t() || default_t(); false",
        // T || F && F is (T || F) && F = false; C would say T || (F && F) = true
        "default_t() || !default_t() && !default_t(); false",
        // with parentheses the C reading is available
        "(!default_t() && !default_t()) || default_t(); true",
        "default_t() || (!default_t() && !default_t()); true",
        // ! binds tightest
        "!default_t() || default_t(); true",
        "!(default_t() || default_t()); false",
        "!!default_t(); true",
        "!default_t() && default_t(); false",
        // left associativity and plain chains
        "default_t() && default_t() && default_t(); true",
        "!default_t() || !default_t() || default_t(); true",
        "((default_t())); true",
    })
    void precedenceFollowsBfesParser(String condition, boolean expected) throws ConditionException {
        assertEquals(expected, eval(condition));
    }

    @Test
    void groupingIsVisibleInToString() throws ConditionException {
        Condition c = Conditions.build("req_method_in(\"GET\") && req_host_in(\"a.com\") || req_host_in(\"b.com\")");
        assertEquals("(req_method_in(\"GET\") && (req_host_in(\"a.com\") || req_host_in(\"b.com\")))", c.toString());
    }

    @Test
    void mixedOperatorsWithoutParenthesesWarnAtTheOrOperator() throws ConditionException {
        String cond = "req_method_in(\"GET\") && req_host_in(\"a.com\") || req_host_in(\"b.com\")";
        BuiltCondition built = Conditions.buildWithWarnings(cond);
        assertEquals(1, built.warnings().size());
        ConditionWarning w = built.warnings().get(0);
        assertEquals(cond.indexOf("||"), w.position());
        assertTrue(w.message().contains("(req_host_in(\"a.com\") || req_host_in(\"b.com\"))"), w.message());
        assertTrue(w.message().contains("tighter"), w.message());
    }

    @Test
    void orBeforeAndAlsoWarns() throws ConditionException {
        String cond = "default_t() || default_t() && default_t()";
        List<ConditionWarning> warnings = Conditions.buildWithWarnings(cond).warnings();
        assertEquals(1, warnings.size());
        assertEquals(cond.indexOf("||"), warnings.get(0).position());
    }

    @Test
    void parenthesisedMixIsNotWarned() throws ConditionException {
        assertEquals(List.of(), Conditions.buildWithWarnings("default_t() && (default_t() || default_t())").warnings());
        assertEquals(List.of(), Conditions.buildWithWarnings("(default_t() && default_t()) || default_t()").warnings());
        assertEquals(List.of(), Conditions.buildWithWarnings("default_t() && default_t() && !default_t()").warnings());
        assertEquals(List.of(), Conditions.buildWithWarnings("default_t() || default_t() || default_t()").warnings());
    }

    @Test
    void twoMixedGroupsGiveTwoWarnings() throws ConditionException {
        String cond = "default_t() || default_t() && default_t() || default_t()";
        List<ConditionWarning> warnings = Conditions.buildWithWarnings(cond).warnings();
        assertEquals(2, warnings.size());
        assertEquals(cond.indexOf("||"), warnings.get(0).position());
        assertEquals(cond.lastIndexOf("||"), warnings.get(1).position());
    }

    @Test
    void commentsAndWhitespaceAreIgnored() throws ConditionException {
        String cond = "// route static files\n"
                + "req_path_prefix_in(\"/static\", false) // by prefix\r\n"
                + "\t&& req_method_in(\"GET\") // only reads";
        assertTrue(Conditions.build(cond).match(new FakeRequest().uri("/static/a.js")));
        assertFalse(Conditions.build(cond).match(new FakeRequest().uri("/static/a.js").method("POST")));
    }

    @Test
    void doubleQuotedStringsKeepTheirBackslashes() throws ConditionException {
        // "a\\b" in the condition is the three characters a \ \ b at match time: not unescaped
        Condition c = Conditions.build("req_path_in(\"/a\\\\b\", false)");
        assertTrue(c.match(new FakeRequest().uri("/a%5C%5Cb")), "two backslashes stay two");
        assertFalse(c.match(new FakeRequest().uri("/a%5Cb")), "not unescaped to one");
        // \" inside a string stays backslash + quote
        Condition q = Conditions.build("req_header_value_in(\"X\", \"say \\\"hi\\\"\", false)");
        assertTrue(q.match(new FakeRequest().header("X", "say \\\"hi\\\"")));
        assertFalse(q.match(new FakeRequest().header("X", "say \"hi\"")));
    }

    @Test
    void validGoEscapesAreAcceptedButNotInterpreted() throws ConditionException {
        Condition c = Conditions.build("req_header_value_in(\"X\", \"a\\tb\\x41\\u00e9\\101\", false)");
        assertTrue(c.match(new FakeRequest().header("X", "a\\tb\\x41\\u00e9\\101")));
        assertFalse(c.match(new FakeRequest().header("X", "a\tbAé A")));
    }

    @Test
    void backtickStringsAreRawSoRegexesNeedNoEscaping() throws ConditionException {
        Condition c = Conditions.build("req_path_regmatch(`^/item/\\d+$`)");
        assertTrue(c.match(new FakeRequest().uri("/item/42")));
        assertFalse(c.match(new FakeRequest().uri("/item/x")));
        // a raw string may span lines; carriage returns are dropped as in Go
        Condition multi = Conditions.build("req_header_value_in(\"X\", `a\r\nb`, false)");
        assertTrue(multi.match(new FakeRequest().header("X", "a\nb")));
    }

    @Test
    void listsSplitOnBarWithoutTrimming() throws ConditionException {
        Condition c = Conditions.build("req_method_in(\"GET| POST\")");
        assertTrue(c.match(new FakeRequest().method("GET")));
        assertFalse(c.match(new FakeRequest().method("POST")), "' POST' keeps its space");
        assertTrue(c.match(new FakeRequest().method(" post")));
        // an empty element matches an empty value
        Condition empty = Conditions.build("req_header_value_in(\"X-Missing\", \"a||b\", false)");
        assertTrue(empty.match(new FakeRequest()), "absent header reads as \"\" which is in the list");
    }

    @Test
    void caseInsensitiveUpperCasesBothSidesPerCodePoint() throws ConditionException {
        Condition c = Conditions.build("req_path_in(\"/straße\", true)");
        assertTrue(c.match(new FakeRequest().uri("/STRAßE")));
        // Go's ToUpper keeps ß as ß (Java's String.toUpperCase would make it SS)
        assertFalse(c.match(new FakeRequest().uri("/STRASSE")));
        Condition sigma = Conditions.build("req_header_value_suffix_in(\"X\", \"Σ\", true)");
        assertTrue(sigma.match(new FakeRequest().header("X", "οσ")));
        assertTrue(sigma.match(new FakeRequest().header("X", "ος")));
    }

    @Test
    void variablesResolveBareAndDollarNames() throws ConditionException {
        Condition isGet = Conditions.build("req_method_in(\"GET\")");
        Condition isStatic = Conditions.build("req_path_prefix_in(\"/static\", false)");
        Map<String, Condition> vars = Map.of("is_get", isGet, "static_path", isStatic);
        Condition both = Conditions.build("$is_get && static_path", vars);
        assertTrue(both.match(new FakeRequest().uri("/static/x")));
        assertFalse(both.match(new FakeRequest().uri("/static/x").method("POST")));
        assertEquals("($is_get && $static_path)", both.toString());
    }

    @Test
    void unresolvedVariableIsABuildErrorAtItsPosition() {
        ConditionException e = assertThrows(ConditionException.class,
                () -> Conditions.build("default_t() && $nope"));
        assertEquals(15, e.position());
        assertTrue(e.reason().startsWith("found unresolved variable nope"), e.reason());
        ConditionException bare = assertThrows(ConditionException.class,
                () -> Conditions.build("!host_a", Map.of("host_b", Conditions.build("default_t()"))));
        assertEquals(1, bare.position());
        assertEquals("found unresolved variable host_a", bare.reason());
    }

    @Test
    void identifiersMayContainDashesAndDigits() throws ConditionException {
        Condition v = Conditions.build("rule-2 || x", Map.of("rule-2", Conditions.build("default_t()"),
                "x", Conditions.build("!default_t()")));
        assertTrue(v.match(new FakeRequest()));
    }

    @Test
    void leadingByteOrderMarkIsSkippedButNulIsRefused() throws ConditionException {
        assertTrue(eval("\uFEFFdefault_t()"));
        ConditionException e = assertThrows(ConditionException.class, () -> Conditions.build("default_t()\0"));
        assertEquals(11, e.position());
        assertEquals("illegal character NUL", e.reason());
    }

    @Test
    void nonAsciiLettersMayNameVariables() throws ConditionException {
        Condition c = Conditions.build("!$灰度", Map.of("灰度", Conditions.build("req_cookie_key_in(\"gray\")")));
        assertTrue(c.match(new FakeRequest()));
        assertFalse(c.match(new FakeRequest().cookie("gray", "1")));
    }

    @Test
    void trueIsOnlyLowercase() {
        ConditionException e = assertThrows(ConditionException.class,
                () -> Conditions.build("req_path_in(\"/a\", TRUE)"));
        assertEquals(18, e.position());
        assertTrue(e.reason().contains("unexpected identifier 'TRUE'"), e.reason());
    }

    @Test
    void everyDocumentedPrimitiveIsKnown() {
        for (String name : List.of("default_t", "req_cip_trusted", "req_vip_in", "req_vip_range", "req_cip_range",
                "req_cip_hash_in", "req_proto_match", "req_proto_secure", "req_method_in", "req_host_in",
                "req_host_regmatch", "req_host_tag_in", "req_host_suffix_in", "req_path_in", "req_path_prefix_in",
                "req_path_suffix_in", "req_path_contain", "req_path_regmatch", "req_path_element_prefix_in",
                "req_query_exist", "req_query_key_in", "req_query_key_prefix_in",
                "req_query_value_in", "req_query_value_prefix_in", "req_query_value_suffix_in",
                "req_query_value_regmatch", "req_query_value_contain", "req_query_value_hash_in", "req_url_regmatch",
                "req_cookie_key_in", "req_cookie_value_in", "req_cookie_value_prefix_in", "req_cookie_value_suffix_in",
                "req_cookie_value_hash_in", "req_cookie_value_contain", "req_port_in", "req_tag_match",
                "req_ua_regmatch", "req_header_key_in", "req_header_value_in", "req_header_value_prefix_in",
                "req_header_value_suffix_in", "req_header_value_regmatch", "req_header_value_contain",
                "req_header_value_hash_in", "req_context_value_in", "req_body_json_in", "req_body_json_prefix_in",
                "req_ai_intent_in", "res_code_in", "res_header_key_in", "res_header_value_in", "ses_vip_range",
                "ses_sip_range", "ses_tls_sni_in", "ses_tls_client_auth", "ses_tls_client_ca_in", "bfe_time_range",
                "bfe_periodic_time_range")) {
            assertTrue(Conditions.primitiveNames().contains(name), name);
        }
    }
}
