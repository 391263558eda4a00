package io.troupe.api.condition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.api.proxy.Response;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every primitive against requests that should and should not match, with BFE's edge behaviour.
 * Hash bucket numbers come from MurmurHash3 x64 128 reference values (spaolacci/murmur3's test vectors:
 * "hello" h1 = 0xcbd8a7b341bd9b02 → bucket 2306) and an independent implementation checked against them.
 */
class ConditionPrimitivesTest {

    private static Arguments c(String condition, Supplier<FakeRequest> request, boolean expected) {
        return Arguments.of(condition, request, expected);
    }

    private static FakeRequest req() {
        return new FakeRequest();
    }

    private static Response res(int status, String header, String value) {
        Response r = new Response.Simple(status, new byte[0]);
        if (header != null) {
            r.setHeader(header, value);
        }
        return r;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
            c("default_t()", FakeRequest::new, true),

            // client, virtual and socket IPs
            c("req_cip_range(\"10.0.0.0\", \"10.0.0.255\")", () -> req().client("10.0.0.7"), true),
            c("req_cip_range(\"10.0.0.0\", \"10.0.0.255\")", () -> req().client("10.0.1.7"), false),
            c("req_cip_range(\"2001:db8::\", \"2001:db8::ffff\")", () -> req().client("2001:db8::1"), true),
            c("req_cip_range(\"2001:db8::\", \"2001:db8::ffff\")", () -> req().client("10.0.0.1"), false),
            c("req_cip_range(\"::ffff:10.0.0.0\", \"10.0.0.9\")", () -> req().client("10.0.0.9"), true),
            // compared as 16 bytes like Go: an IPv6 range spanning ::ffff:0:0/96 contains IPv4 clients
            c("req_cip_range(\"::\", \"1::\")", () -> req().client("10.0.0.1"), true),
            c("req_cip_range(\"::\", \"::1\")", () -> req().client("10.0.0.1"), false),
            c("ses_sip_range(\"10.0.0.1\", \"10.0.0.1\")", () -> req().client("10.0.0.1"), true),
            c("ses_sip_range(\"10.0.0.2\", \"10.0.0.3\")", () -> req().client("10.0.0.1"), false),
            c("req_vip_in(\"192.168.1.1|192.168.1.2\")", () -> req().local("192.168.1.2", 80), true),
            c("req_vip_in(\"192.168.1.1|192.168.1.2\")", () -> req().local("192.168.1.3", 80), false),
            c("req_vip_in(\"2001:DB8::E13\")", () -> req().local("2001:db8:0:0::e13", 80), true),
            c("req_vip_range(\"192.168.0.0\", \"192.168.255.255\")", () -> req().local("192.168.3.4", 80), true),
            c("ses_vip_range(\"192.168.0.0\", \"192.168.0.255\")", () -> req().local("192.168.3.4", 80), false),
            c("req_cip_trusted()", () -> req(), false),
            c("req_cip_trusted()", () -> { FakeRequest r = req(); r.session.trusted = true; return r; }, true),

            // hash buckets: Go text of the IP, murmur3 h1 mod 10000
            c("req_cip_hash_in(\"4505\")", () -> req().client("10.0.0.1"), true),
            c("req_cip_hash_in(\"0-4504|4506-9999\")", () -> req().client("10.0.0.1"), false),
            c("req_cip_hash_in(\"4624\")", () -> req().client("2001:db8:0::1"), true),
            c("req_header_value_hash_in(\"X-Uid\", \"2306\", false)", () -> req().header("X-Uid", "hello"), true),
            c("req_header_value_hash_in(\"X-Uid\", \"2300-2305|2307\", false)", () -> req().header("X-Uid", "hello"), false),
            c("req_header_value_hash_in(\"X-Uid\", \"2306\", true)", () -> req().header("X-Uid", "HELLO"), true),
            c("req_header_value_hash_in(\"X-Uid\", \"797\", false)", () -> req().header("X-Uid", "HELLO"), true),
            c("req_header_value_hash_in(\"X-Uid\", \"0\", false)", FakeRequest::new, true),
            c("req_cookie_value_hash_in(\"uid\", \"3166\", false)", () -> req().cookie("uid", "hello, world"), true),
            c("req_cookie_value_hash_in(\"uid\", \"0-9999\", false)", FakeRequest::new, false),
            c("req_query_value_hash_in(\"uid\", \"2536\", true)", () -> req().uri("/?uid=UID-42"), true),
            c("req_query_value_hash_in(\"uid\", \"6121\", false)", () -> req().uri("/?uid=%E4%B8%AD%E6%96%87"), true),

            // protocol
            c("req_proto_secure()", () -> req(), false),
            c("req_proto_secure()", () -> req().secure("a.com", "h2"), true),
            c("req_proto_match(\"http/1.1\")", () -> req(), true),
            c("req_proto_match(\"HTTP/2.0\")", () -> req().protocol("HTTP/2.0"), true),
            c("req_proto_match(\"h2\")", () -> req().secure("a.com", "h2").protocol("HTTP/2.0"), true),
            c("req_proto_match(\"HTTP/2.0\")", () -> req().secure("a.com", "h2").protocol("HTTP/2.0"), false),
            // one exact value, not a list
            c("req_proto_match(\"h2|http/1.1\")", () -> req().secure("a.com", "h2"), false),

            // method
            c("req_method_in(\"GET|HEAD\")", () -> req().method("HEAD"), true),
            c("req_method_in(\"get\")", () -> req().method("GET"), true),
            c("req_method_in(\"GET|HEAD\")", () -> req().method("POST"), false),

            // host
            c("req_host_in(\"www.example.com|example.com\")", () -> req().host("WWW.Example.com:8080"), true),
            c("req_host_in(\"www.example.com\")", () -> req().host("a.example.com"), false),
            c("req_host_regmatch(`^[a-z]+\\.example\\.com$`)", () -> req().host("img.example.com:443"), true),
            c("req_host_regmatch(`^[a-z]+\\.example\\.com$`)", () -> req().host("IMG.example.com"), false),
            c("req_host_suffix_in(\".example.com\")", () -> req().host("a.EXAMPLE.com"), true),
            c("req_host_suffix_in(\".example.com\")", () -> req().host("example.com"), false),
            c("req_host_tag_in(\"blue|green\")", () -> req().hostTag("Blue"), true),
            c("req_host_tag_in(\"blue|green\")", () -> req(), false),

            // path
            c("req_path_in(\"/a/b|/c\", false)", () -> req().uri("/c?x=1"), true),
            c("req_path_in(\"/a/b\", false)", () -> req().uri("/A/B"), false),
            c("req_path_in(\"/a/b\", true)", () -> req().uri("/A/B"), true),
            c("req_path_in(\"/a b\", false)", () -> req().uri("/a%20b"), true),
            c("req_path_prefix_in(\"/static/|/img\", false)", () -> req().uri("/imgs/1.png"), true),
            c("req_path_prefix_in(\"/static/\", true)", () -> req().uri("/STATIC/1.png"), true),
            c("req_path_prefix_in(\"/static/\", false)", () -> req().uri("/STATIC/1.png"), false),
            c("req_path_suffix_in(\".jpg|.png\", true)", () -> req().uri("/a/B.PNG"), true),
            c("req_path_suffix_in(\".jpg\", false)", () -> req().uri("/a/b.JPG"), false),
            c("req_path_contain(\"admin\", false)", () -> req().uri("/x/admin/y"), true),
            c("req_path_contain(\"admin\", true)", () -> req().uri("/x/ADMIN/y"), true),
            c("req_path_contain(\"admin\", false)", () -> req().uri("/x/ADMIN/y"), false),
            c("req_path_regmatch(`^/v[0-9]+/`)", () -> req().uri("/v2/users"), true),
            c("req_path_regmatch(`/v[0-9]+/`)", () -> req().uri("/api/v2/users"), true),
            c("req_path_regmatch(`^/v[0-9]+/`)", () -> req().uri("/api/v2/users"), false),
            c("req_path_element_prefix_in(\"/path|/path/ab\", true)", () -> req().uri("/PATH/a/c"), true),
            c("req_path_element_prefix_in(\"/path\", false)", () -> req().uri("/path"), true),
            c("req_path_element_prefix_in(\"/path\", false)", () -> req().uri("/pathabc"), false),

            // query
            c("req_query_exist()", () -> req().uri("/?a"), true),
            c("req_query_exist()", () -> req().uri("/?"), false),
            c("req_query_key_in(\"a|b\")", () -> req().uri("/?b=1"), true),
            c("req_query_key_in(\"a|b\")", () -> req().uri("/?c=1"), false),
            c("req_query_key_prefix_in(\"utm_\")", () -> req().uri("/?utm_source=x"), true),
            c("req_query_key_prefix_in(\"utm_\")", () -> req().uri("/?UTM_source=x"), false),
            c("req_query_value_in(\"lang\", \"en|fr\", false)", () -> req().uri("/?lang=fr&lang=de"), true),
            c("req_query_value_in(\"lang\", \"de\", false)", () -> req().uri("/?lang=fr&lang=de"), false),
            c("req_query_value_in(\"lang\", \"EN\", true)", () -> req().uri("/?lang=en"), true),
            c("req_query_value_in(\"lang\", \"\", false)", () -> req().uri("/?x=1"), true),
            c("req_query_value_prefix_in(\"id\", \"abc\", false)", () -> req().uri("/?id=abcdef"), true),
            c("req_query_value_suffix_in(\"id\", \"DEF\", true)", () -> req().uri("/?id=abcdef"), true),
            c("req_query_value_suffix_in(\"id\", \"DEF\", false)", () -> req().uri("/?id=abcdef"), false),
            c("req_query_value_contain(\"q\", \"cat\", false)", () -> req().uri("/?q=concatenate"), true),
            c("req_query_value_regmatch(\"id\", `^[0-9]+$`)", () -> req().uri("/?id=123"), true),
            c("req_query_value_regmatch(\"id\", `^[0-9]+$`)", () -> req().uri("/?id=12a"), false),

            // url (request target as sent)
            c("req_url_regmatch(`\\?debug=1`)", () -> req().uri("/a?debug=1"), true),
            c("req_url_regmatch(`%20`)", () -> req().uri("/a%20b"), true),
            c("req_url_regmatch(`^/b`)", () -> req().uri("/a"), false),

            // cookies
            c("req_cookie_key_in(\"sid|uid\")", () -> req().cookie("uid", "1"), true),
            c("req_cookie_key_in(\"sid\")", () -> req().cookie("uid", "1"), false),
            c("req_cookie_value_in(\"env\", \"beta|gray\", false)", () -> req().cookie("env", "gray"), true),
            c("req_cookie_value_in(\"env\", \"\", false)", FakeRequest::new, false),
            c("req_cookie_value_prefix_in(\"env\", \"GR\", true)", () -> req().cookie("env", "gray"), true),
            c("req_cookie_value_suffix_in(\"env\", \"ay\", false)", () -> req().cookie("env", "gray"), true),
            c("req_cookie_value_contain(\"env\", \"RA\", false)", () -> req().cookie("env", "gray"), false),
            c("req_cookie_value_contain(\"env\", \"RA\", true)", () -> req().cookie("env", "gray"), true),

            // port from the Host header
            c("req_port_in(\"8080|8443\")", () -> req().host("a.com:8443"), true),
            c("req_port_in(\"80\")", () -> req().host("a.com"), true),
            c("req_port_in(\"80\")", () -> req().host("a.com").secure("a.com", "http/1.1"), true),
            c("req_port_in(\"443\")", () -> req().host("a.com").secure("a.com", "http/1.1"), false),

            // tags
            c("req_tag_match(\"mod_block\", \"bot\")", () -> req().tag("mod_block", "bot:rule7"), true),
            c("req_tag_match(\"mod_block\", \"bot:rule7\")", () -> req().tag("mod_block", "bot:rule7"), false),
            c("req_tag_match(\"mod_block\", \"bot\")", () -> req().tag("other", "bot"), false),

            // user agent and headers
            c("req_ua_regmatch(`(?i)curl/`)", () -> req().header("User-Agent", "Curl/8.1"), true),
            c("req_ua_regmatch(`curl/`)", FakeRequest::new, false),
            c("req_header_key_in(\"X-A|X-B\")", () -> req().header("x-b", "1"), true),
            c("req_header_key_in(\"X-A\")", () -> req().header("X-A", ""), false),
            c("req_header_value_in(\"Accept-Language\", \"en|fr\", false)", () -> req().header("accept-language", "fr"), true),
            c("req_header_value_in(\"X\", \"a\", false)", () -> req().header("X", "b").header("X", "a"), false),
            c("req_header_value_prefix_in(\"Referer\", \"https://a.com/\", true)", () -> req().header("Referer", "HTTPS://A.COM/x"), true),
            c("req_header_value_suffix_in(\"Referer\", \".cn\", false)", () -> req().header("Referer", "x.com"), false),
            c("req_header_value_contain(\"Accept\", \"json\", true)", () -> req().header("Accept", "application/JSON"), true),
            c("req_header_value_regmatch(\"X-Ver\", `^v[12]$`)", () -> req().header("X-Ver", "v2"), true),
            c("req_header_value_regmatch(\"X-Ver\", `^v[12]$`)", () -> req().header("X-Ver", "v3"), false),

            // context set by modules
            c("req_context_value_in(\"cmd\", \"add|del\", true)", () -> req().context("cmd", "del"), true),
            c("req_context_value_in(\"cmd\", \"add|del\", true)", () -> req().context("cmd", "DEL"), false),
            c("req_context_value_in(\"cmd\", \"1\", false)", () -> req().context("cmd", 1), false),
            c("req_context_value_in(\"\", \"\", false)", () -> req().context("", ""), false),

            // inputs Troupe does not have: always false
            c("req_body_json_in(\"model\", \"gpt\", false)", FakeRequest::new, false),
            c("req_body_json_prefix_in(\"model\", \"gpt\", false)", FakeRequest::new, false),
            c("req_ai_intent_in(\"task\", \"coding\", 0.9)", FakeRequest::new, false),
            c("req_ai_intent_in(\"task\", \"coding\")", FakeRequest::new, false),

            // response
            c("res_code_in(\"500|502\")", () -> req().response(res(502, null, null)), true),
            c("res_code_in(\"500|502\")", () -> req().response(res(200, null, null)), false),
            c("res_code_in(\"200\")", FakeRequest::new, false),
            c("res_header_key_in(\"Set-Cookie\")", () -> req().response(res(200, "set-cookie", "a=1")), true),
            c("res_header_key_in(\"Set-Cookie\")", FakeRequest::new, false),
            c("res_header_value_in(\"Content-Type\", \"TEXT/HTML\", true)", () -> req().response(res(200, "Content-Type", "text/html")), true),
            c("res_header_value_in(\"Content-Type\", \"TEXT/HTML\", false)", () -> req().response(res(200, "Content-Type", "text/html")), false),

            // TLS
            c("ses_tls_sni_in(\"a.com|b.com\")", () -> req().secure("B.com", "h2"), true),
            c("ses_tls_sni_in(\"a.com\")", () -> req(), false),
            c("ses_tls_sni_in(\"a.com\")", () -> req().secure(null, "h2"), false),
            c("ses_tls_client_auth()", () -> req().secure("a.com", "h2"), false),
            c("ses_tls_client_auth()", () -> { FakeRequest r = req().secure("a.com", "h2"); r.session.clientAuth = true; return r; }, true),
            c("ses_tls_client_ca_in(\"Corp CA\")", () -> { FakeRequest r = req().secure("a.com", "h2"); r.session.clientAuth = true; r.session.clientCa = "Corp CA"; return r; }, true),
            c("ses_tls_client_ca_in(\"corp ca\")", () -> { FakeRequest r = req().secure("a.com", "h2"); r.session.clientAuth = true; r.session.clientCa = "Corp CA"; return r; }, false),
            c("ses_tls_client_ca_in(\"Corp CA\")", () -> { FakeRequest r = req().secure("a.com", "h2"); r.session.clientCa = "Corp CA"; return r; }, false),

            // time: X-Bfe-Debug-Time stands in for "now", as in BFE
            c("bfe_time_range(\"20190204200000H\", \"20190205010000H\")", () -> req().header("X-Bfe-Debug-Time", "20190204120000Z"), true),
            c("bfe_time_range(\"20190204200000H\", \"20190205010000H\")", () -> req().header("X-Bfe-Debug-Time", "20190204115959Z"), false),
            c("bfe_time_range(\"20190204200000H\", \"20190205010000H\")", () -> req().header("X-Bfe-Debug-Time", "20190205010000h"), true),
            c("bfe_time_range(\"20190204200000H\", \"20190205010000H\")", () -> req().header("X-Bfe-Debug-Time", "20190205010001H"), false),
            c("bfe_time_range(\"20190204200000H\", \"20190205010000H\")", () -> req().header("X-Bfe-Debug-Time", "20190204150000R"), false),
            c("bfe_time_range(\"20190204200000H\", \"20190205010000H\")", () -> req().header("X-Bfe-Debug-Time", "20190204070000R"), true),
            c("bfe_time_range(\"20190204200000H\", \"20190205010000H\")", () -> req().header("X-Bfe-Debug-Time", "yesterday"), false),
            c("bfe_time_range(\"20000101000000Z\", \"20991231235959Z\")", FakeRequest::new, true),
            c("bfe_periodic_time_range(\"200000H\", \"213000H\", \"\")", () -> req().header("X-Bfe-Debug-Time", "20190204133000Z"), true),
            c("bfe_periodic_time_range(\"200000H\", \"213000H\", \"\")", () -> req().header("X-Bfe-Debug-Time", "20190204133001Z"), false),
            c("bfe_periodic_time_range(\"200000H\", \"213000H\", \"\")", () -> req().header("X-Bfe-Debug-Time", "20190204195959H"), false),
            c("bfe_periodic_time_range(\"000000Z\", \"235959Z\", \"\")", FakeRequest::new, true)
        );
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("cases")
    void primitiveMatchesAsBfe(String condition, Supplier<FakeRequest> request, boolean expected) throws ConditionException {
        assertEquals(expected, Conditions.build(condition).match(request.get()), condition);
    }
}
