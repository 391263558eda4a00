package io.troupe.api.condition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every kind of build error: where it is reported and why. */
class ConditionBuildErrorTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '~', quoteCharacter = '\u0000', value = {
        // syntax
        "~0~syntax error: empty condition",
        "   // only a comment~0~syntax error: empty condition",
        "default_t() &&~14~syntax error: unexpected end of condition",
        "(default_t()~12~syntax error: unexpected end of condition, expecting ')'",
        "default_t())~11~syntax error: unexpected ')'",
        "default_t() default_t()~12~syntax error: unexpected identifier 'default_t'",
        "req_host_in(\"a.com\",)~20~syntax error: unexpected ')', expecting an argument",
        "req_host_in(\"a.com\" \"b.com\")~20~syntax error: unexpected string b.com, expecting ',' or ')'",
        "&& default_t()~0~syntax error: unexpected '&&'",
        "default_t();~11~syntax error: unexpected ';'",
        // scanner
        "default_t() & default_t()~12~unrecognized token '&'",
        "default_t() | default_t()~12~unrecognized token '|'",
        "default_t() / x~12~unrecognized token '/'",
        "req_host_in('a.com')~12~unrecognized character '''",
        "req_host_in(\"a.com)~12~string literal not terminated",
        "req_host_in(`a.com)~12~raw string literal not terminated",
        "req_path_regmatch(\"\\d+\")~20~unknown escape sequence '\\d'",
        "req_path_in(\"\\x4g\", false)~16~illegal character 'g' in escape sequence",
        "req_path_in(\"\\uD800\", false)~14~escape sequence is invalid Unicode code point",
        "req_path_in(\"\\400\", false)~14~escape sequence is invalid Unicode code point",
        "if~0~keyword 'if' can't be used",
        "$ && default_t()~0~'$' must be followed by a variable name",
        "req_path_in(\"/a\", 08)~18~illegal octal number 08",
        // prototypes
        "req_hots_in(\"a.com\")~0~primitive req_hots_in not found",
        "default_t() && req_host_in()~15~primitive req_host_in args len error, expect 1, got 0",
        "req_path_in(\"/a\")~0~primitive req_path_in args len error, expect 2, got 1",
        "default_t(true)~0~primitive default_t args len error, expect 0, got 1",
        "req_path_in(\"/a\", \"false\")~18~primitive req_path_in arg 1 expect BOOL, got STRING",
        "req_host_in(true)~12~primitive req_host_in arg 0 expect STRING, got BOOL",
        "req_port_in(8080)~12~primitive req_port_in arg 0 expect STRING, got INT",
        "req_ai_intent_in(\"a\", \"b\", \"0.9\")~27~primitive req_ai_intent_in arg 2 expect NUMBER, got STRING",
        // argument values
        "req_host_in(\"a.com|b.com:80\")~12~port should not be included in host(b.com:80)",
        "req_path_regmatch(`(unclosed`)~18~compile regexp err",
        "req_header_value_regmatch(\"X\", `[z-a]`)~31~compile regexp err",
        "req_vip_in(\"10.0.0.1|10.0.0.256\")~11~invalid IP addr string:10.0.0.256",
        "req_cip_range(\"10.0.0.01\", \"10.0.0.9\")~14~invalid IP addr string:10.0.0.01",
        "req_cip_range(\"10.0.0.1\", \"example.com\")~26~invalid IP addr string:example.com",
        "req_cip_range(\"10.0.0.9\", \"10.0.0.1\")~14~startIP[10.0.0.9] must <= endIP[10.0.0.1]",
        "ses_sip_range(\"10.0.0.1\", \"::1\")~14~startIP[10.0.0.1] and endIP[::1] has different addr type(IPv4/IPv6)",
        "req_cip_hash_in(\"100-200-300\")~16~hash value section 100-200-300 length error",
        "req_cip_hash_in(\"10000\")~16~hash value check section 10000 number 10000 overlimit",
        "req_header_value_hash_in(\"X\", \"200-100\", false)~30~hash value check section 200-100 err, start is larger",
        "req_cookie_value_hash_in(\"X\", \"1|\", false)~30~hash value check section  number  is not a number",
        "req_query_value_hash_in(\"X\", \"a-b\", false)~29~hash value check section a-b number a is not a number",
        "bfe_time_range(\"20190230000000H\", \"20190301000000H\")~15~startTime format invalid",
        "bfe_time_range(\"20190204200000H\", \"20190204210000J\")~34~endTime format invalid, err:invalid zone J",
        "bfe_time_range(\"20190204200000\", \"20190204210000H\")~15~startTime format invalid",
        "bfe_time_range(\"20190204210000H\", \"20190204200000H\")~15~startTime[20190204210000H] must <= endTime[20190204200000H]",
        "bfe_periodic_time_range(\"200000H\", \"213000H\", \"Monday\")~46~periodStr is not supported",
        "bfe_periodic_time_range(\"220000H\", \"213000H\", \"\")~24~startTime[220000H] must <= endTime[213000H]",
        "bfe_periodic_time_range(\"200000R\", \"213000H\", \"\")~35~timezone of startime and endtime should be same!",
        "bfe_periodic_time_range(\"246000H\", \"250000H\", \"\")~24~startTime format invalid",
        "bfe_periodic_time_range(\"200000\", \"213000H\", \"\")~24~startTime format invalid",
    })
    void buildErrorCarriesPositionAndReason(String condition, int position, String reasonStart) {
        ConditionException e = assertThrows(ConditionException.class, () -> Conditions.build(condition));
        assertTrue(e.reason().startsWith(reasonStart), "reason was: " + e.reason());
        assertEquals(position, e.position(), "position for " + condition + " (" + e.reason() + ")");
        assertTrue(e.getMessage().contains("position " + position), e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '~', quoteCharacter = '\u0000', value = {
        // prototype errors come before unresolved variables and value errors, as in BFE
        "req_cip_range(\"x\", \"y\") && nope && req_host_in(1)~47~primitive req_host_in arg 0 expect STRING, got INT",
        "req_cip_range(\"x\", \"y\") && nope~27~found unresolved variable nope",
        // scanning is on demand: a syntax error before a bad escape is the one reported
        "default_t() default_t() && req_path_regmatch(\"\\d\")~12~syntax error: unexpected identifier 'default_t'",
        "req_path_regmatch(\"\\d\") default_t()~20~unknown escape sequence",
    })
    void checksRunInBfesOrder(String condition, int position, String reasonStart) {
        ConditionException e = assertThrows(ConditionException.class, () -> Conditions.build(condition));
        assertTrue(e.reason().startsWith(reasonStart), "reason was: " + e.reason());
        assertEquals(position, e.position());
    }

    @org.junit.jupiter.api.Test
    void deepNestingIsRefusedWithoutStackOverflow() {
        String deep = "!".repeat(100_000) + "default_t()";
        ConditionException e = assertThrows(ConditionException.class, () -> Conditions.build(deep));
        assertTrue(e.reason().contains("nested deeper"), e.reason());
        String parens = "(".repeat(100_000) + "default_t()" + ")".repeat(100_000);
        assertThrows(ConditionException.class, () -> Conditions.build(parens));
    }
}
