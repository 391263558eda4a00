package io.troupe.module.trustclientip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.module.testing.DataFiles;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** trust_client_ip.data: BFE's example, lookups, and every check naming file and field. */
class TrustIpTableTest {
    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        return DataFiles.write(dir.resolve("trust_client_ip.data"), json);
    }

    private String rejected(String json) throws Exception {
        return DataFiles.rejected(dir.resolve("trust_client_ip.data"), json, TrustIpTable::load);
    }

    @Test
    void shippedExampleLoadsAndMatches() throws Exception {
        TrustIpTable t = TrustIpTable.load(Path.of("../conf/mod_trust_clientip/trust_client_ip.data"));
        assertEquals("20190101000000", t.version());
        assertTrue(t.contains(InetAddress.getByName("10.0.0.0")));
        assertTrue(t.contains(InetAddress.getByName("10.200.3.4")));
        assertTrue(t.contains(InetAddress.getByName("10.255.255.255")));
        assertFalse(t.contains(InetAddress.getByName("11.0.0.0")));
        assertFalse(t.contains(InetAddress.getByName("9.255.255.255")));
        assertFalse(t.contains(InetAddress.getByName("::1")));
    }

    @Test
    void singlesOverlapsAndIpv6() throws Exception {
        TrustIpTable t = TrustIpTable.load(write("""
                {"version": "v2", "config": {
                  "a": [{"begin": "1.1.1.1", "end": "1.1.1.1"}, {"Begin": "2.0.0.0", "End": "2.0.0.255"}],
                  "b": [{"Begin": "2.0.0.0", "End": "2.255.255.255"}, {"Begin": "2001:db8::", "End": "2001:db8::ffff"}],
                  "empty": []}}"""));
        assertTrue(t.contains(InetAddress.getByName("1.1.1.1")));
        assertFalse(t.contains(InetAddress.getByName("1.1.1.2")));
        assertTrue(t.contains(InetAddress.getByName("2.100.0.1")));
        assertTrue(t.contains(InetAddress.getByName("2001:db8::10")));
        assertFalse(t.contains(InetAddress.getByName("2001:db8::1:0")));
        assertEquals(3, t.labels());
    }

    @Test
    void aRangeInsideALongerOneStillCountsAfterMerging() throws Exception {
        // sorted by begin, 10.0.0.10-20 comes after 10.0.0.0-100 and ends earlier: the merge keeps the longer end
        TrustIpTable t = TrustIpTable.load(write("""
                {"Version": "v3", "Config": {"x": [
                  {"Begin": "10.0.0.0", "End": "10.0.0.100"}, {"Begin": "10.0.0.10", "End": "10.0.0.20"},
                  {"Begin": "10.0.0.50", "End": "10.0.0.200"}, {"Begin": "10.0.1.0", "End": "10.0.1.9"}]}}"""));
        assertTrue(t.contains(InetAddress.getByName("10.0.0.30")));
        assertTrue(t.contains(InetAddress.getByName("10.0.0.150")));
        assertTrue(t.contains(InetAddress.getByName("10.0.0.200")));
        assertFalse(t.contains(InetAddress.getByName("10.0.0.201")));
        assertTrue(t.contains(InetAddress.getByName("10.0.1.5")));
        assertFalse(t.contains(InetAddress.getByName("10.0.1.10")));
    }

    @Test
    void badFilesAreRejectedNamingTheField() throws Exception {
        assertTrue(rejected("{\"Config\": {}}").contains("Version"));
        assertTrue(rejected("{\"Version\": \"1\"}").contains("Config"));
        assertTrue(rejected("{\"Version\": \"1\", \"Config\": {\"lbl\": null}}").contains("Config.lbl"));
        assertTrue(rejected("{\"Version\": \"1\", \"Config\": {\"lbl\": [{\"End\": \"1.1.1.1\"}]}}")
                .contains("Config.lbl[0].Begin: missing"));
        assertTrue(rejected("{\"Version\": \"1\", \"Config\": {\"lbl\": [{\"Begin\": \"1.1.1.1\"}]}}")
                .contains("Config.lbl[0].End: missing"));
        assertTrue(rejected("{\"Version\": \"1\", \"Config\": {\"lbl\": [{\"Begin\": \"1.1.1.300\", \"End\": \"1.1.1.1\"}]}}")
                .contains("Config.lbl[0].Begin: not an IP address"));
        assertTrue(rejected("{\"Version\": \"1\", \"Config\": {\"lbl\": [{\"Begin\": \"example.com\", \"End\": \"1.1.1.1\"}]}}")
                .contains("Config.lbl[0].Begin"));
        assertTrue(rejected("{\"Version\": \"1\", \"Config\": {\"lbl\": [{\"Begin\": \"1.1.1.9\", \"End\": \"1.1.1.1\"}]}}")
                .contains("Config.lbl[0]: Begin is after End"));
        assertTrue(rejected("{\"Version\": \"1\", \"Config\": {\"lbl\": [{\"Begin\": \"1.1.1.1\", \"End\": \"::ffff:fff0\"}]}}")
                .contains("mix IPv4 and IPv6"));
        assertTrue(rejected("{\"Version\": \"1\", \"Config\": {\"lbl\": [{\"Begin\": \"1.1.1.1\", \"End\": \"1.1.1.2\"},]}}")
                .contains("not valid JSON"));
    }
}
