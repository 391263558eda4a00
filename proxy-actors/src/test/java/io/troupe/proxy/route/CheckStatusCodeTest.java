package io.troupe.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CheckConf.StatusCode / StatusCodeRange judged as BFE judges a health-check answer. */
class CheckStatusCodeTest {
    @TempDir
    Path dir;

    private static final List<Integer> CODES = List.of(101, 200, 204, 301, 302, 404, 500, 503);

    /** The codes among {@link #CODES} that count as healthy under {@code checkConf}. */
    private String healthy(String checkConf) throws Exception {
        TestConf conf = new TestConf();
        conf.clusterConf = """
                {"Version": "cc", "Config": {"c_static": {"CheckConf": %s}, "c_blog": {}, "c_default": {}, "c_nogslb": {}}}
                """.formatted(checkConf);
        Path root = Files.createTempDirectory(dir, "conf");
        ClusterConf c = RouteTables.load(conf.write(root)).cluster("c_static").conf();
        return CODES.stream().filter(c::statusHealthy).map(String::valueOf).collect(Collectors.joining(","));
    }

    @Test
    void unsetStatusCodeIsBfesAnyStatusCode() throws Exception {
        // BFE's loader sets a missing StatusCode to 0 (AnyStatusCode): every answer passes
        assertEquals("101,200,204,301,302,404,500,503", healthy("{}"));
        assertEquals("101,200,204,301,302,404,500,503", healthy("{\"StatusCode\": 0}"));
    }

    @Test
    void exactCodesAndClassMasks() throws Exception {
        assertEquals("200", healthy("{\"StatusCode\": 200}"));
        // 0b00110: 2xx or 3xx
        assertEquals("200,204,301,302", healthy("{\"StatusCode\": 6}"));
        assertEquals("500,503", healthy("{\"StatusCode\": 16}"));
    }

    @Test
    void aStatusCodeRangeReplacesStatusCode() throws Exception {
        // as BFE's https/tls check: a non-empty StatusCodeRange decides alone
        assertEquals("301,302", healthy("{\"StatusCode\": 200, \"StatusCodeRange\": \"3xx\"}"));
        assertEquals("200,204,404", healthy("{\"StatusCode\": 16, \"StatusCodeRange\": \"2xx|404\"}"));
        assertEquals("503", healthy("{\"StatusCodeRange\": \"503\"}"));
    }
}
