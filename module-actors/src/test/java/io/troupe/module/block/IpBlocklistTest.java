package io.troupe.module.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.config.ConfigFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ip_blocklist.data as BFE's ipdict text loader reads it. */
class IpBlocklistTest {

    @TempDir
    Path dir;

    private IpBlocklist load(String text) throws Exception {
        Path f = dir.resolve("ip_blocklist.data");
        Files.writeString(f, text);
        return IpBlocklist.load(f);
    }

    private ConfigFileException bad(String text) {
        return assertThrows(ConfigFileException.class, () -> load(text));
    }

    @Test
    void singlesRangesCommentsAndBlankLines() throws Exception {
        IpBlocklist l = load("""
                # a comment
                
                  10.0.0.1\t
                2001:db8::1
                10.1.0.10 10.1.0.20
                10.2.0.1\t\t10.2.0.3
                10.3.0.1  \t 10.3.0.2
                """);
        assertEquals(2, l.singleCount());
        assertEquals(3, l.pairCount());
        assertEquals("", l.version());
        assertTrue(l.contains("10.0.0.1"));
        assertFalse(l.contains("10.0.0.2"));
        assertTrue(l.contains("2001:db8::1"));
        assertTrue(l.contains("2001:0db8:0:0:0:0:0:1"));
        assertFalse(l.contains("2001:db8::2"));
        assertFalse(l.contains("10.1.0.9"));
        assertTrue(l.contains("10.1.0.10"));
        assertTrue(l.contains("10.1.0.15"));
        assertTrue(l.contains("10.1.0.20"));
        assertFalse(l.contains("10.1.0.21"));
        assertTrue(l.contains("10.2.0.2"));
        assertTrue(l.contains("10.3.0.2"));
        // IPv4-mapped IPv6 is the same address as the IPv4 one (16-byte form)
        assertTrue(l.contains("::ffff:10.0.0.1"));
    }

    @Test
    void cidrExpandsToItsNetworkRange() throws Exception {
        IpBlocklist l = load("192.168.1.250/20\n2001:db8:1::/48\n172.16.5.5/32\n");
        assertEquals(1, l.singleCount()); // a /32 is one address
        assertEquals(2, l.pairCount());
        assertFalse(l.contains("192.167.255.255"));
        assertTrue(l.contains("192.168.0.0"));
        assertTrue(l.contains("192.168.1.250"));
        assertTrue(l.contains("192.168.15.255"));
        assertFalse(l.contains("192.168.16.0"));
        assertTrue(l.contains("2001:db8:1::"));
        assertTrue(l.contains("2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
        assertFalse(l.contains("2001:db8:2::"));
        assertTrue(l.contains("172.16.5.5"));
        assertFalse(l.contains("172.16.5.6"));
        assertTrue(load("0.0.0.0/0\n").contains("255.255.255.255"));
    }

    @Test
    void overlappingRangesMerge() throws Exception {
        IpBlocklist l = load("10.0.0.50 10.0.0.100\n10.0.0.1 10.0.0.60\n10.0.0.200 10.0.0.210\n10.0.0.2 10.0.0.3\n");
        for (int i = 1; i <= 100; i++) {
            assertTrue(l.contains("10.0.0." + i), "10.0.0." + i);
        }
        assertFalse(l.contains("10.0.0.101"));
        assertTrue(l.contains("10.0.0.205"));
        assertFalse(l.contains("10.0.0.211"));
    }

    @Test
    void reversedMixedExtraTokensAndJunkAreRejectedNamingTheLine() {
        ConfigFileException r = bad("10.0.0.1\n10.0.0.9 10.0.0.1\n");
        assertTrue(r.getMessage().contains("ip_blocklist.data: line 2: range start 10.0.0.9 is after its end 10.0.0.1"),
                r.getMessage());
        ConfigFileException m = bad("10.0.0.1 ::2\n");
        assertTrue(m.getMessage().contains("line 1: range mixes IPv4 and IPv6"), m.getMessage());
        ConfigFileException x = bad("10.0.0.1 10.0.0.2 10.0.0.3\n");
        assertTrue(x.getMessage().contains("line 1: not an IP address"), x.getMessage());
        bad("10.0.0.1\t10.0.0.2 10.0.0.3\n");
        bad("10.0.0.256\n");
        bad("010.0.0.1\n"); // Go rejects leading zeros
        bad("localhost\n"); // never a name lookup
        bad("fe80::1%eth0\n");
        bad("10.0.0.1 # inline comment\n");
        bad("10.0.0.0/33\n");
        bad("10.0.0.1-10.0.0.2\n");
    }

    @Test
    void firstLineMetadataMakesCountsCapacities() throws Exception {
        IpBlocklist ok = load("# {\"version\": \"20240101\", \"singleIPNum\": 2, \"pairIPNum\": 1}\n"
                + "10.0.0.1\n10.0.0.2\n10.1.0.1 10.1.0.9\n");
        assertEquals("20240101", ok.version());
        assertTrue(ok.contains("10.1.0.5"));

        ConfigFileException singles = bad("#{\"version\":\"v\",\"singleIPNum\":1,\"pairIPNum\":5}\n10.0.0.1\n10.0.0.2\n");
        assertTrue(singles.getMessage().contains("line 3: more single addresses than the 1 declared by singleIPNum"),
                singles.getMessage());
        ConfigFileException pairs = bad("#{\"version\":\"v\",\"singleIPNum\":5,\"pairIPNum\":0}\n10.1.0.1/24\n");
        assertTrue(pairs.getMessage().contains("line 2: more ranges than the 0 declared by pairIPNum"), pairs.getMessage());

        // metadata that does not qualify (empty version, negative or missing count, not JSON): counts are not capped
        IpBlocklist noVersion = load("#{\"version\":\"\",\"singleIPNum\":0,\"pairIPNum\":0}\n10.0.0.1\n10.0.0.2\n");
        assertEquals("", noVersion.version());
        assertEquals(2, noVersion.singleCount());
        assertEquals(2, load("#{\"version\":\"v\",\"singleIPNum\":-1,\"pairIPNum\":0}\n10.0.0.1\n10.0.0.2\n").singleCount());
        assertEquals(2, load("#{\"version\":\"v\",\"pairIPNum\":0}\n10.0.0.1\n10.0.0.2\n").singleCount());
        assertEquals(2, load("# just a comment\n10.0.0.1\n10.0.0.2\n").singleCount());
        // metadata only counts on the first line
        assertEquals(2, load("\n#{\"version\":\"v\",\"singleIPNum\":0,\"pairIPNum\":0}\n10.0.0.1\n10.0.0.2\n").singleCount());
        // keys match case-insensitively, as Go's decoder does
        assertEquals("V", load("#{\"Version\":\"V\",\"SingleIPNum\":1,\"PairIPNum\":0}\n10.0.0.1\n").version());
    }

    @Test
    void emptyFileBlocksNothing() throws Exception {
        IpBlocklist l = load("");
        assertFalse(l.contains("10.0.0.1"));
        assertFalse(l.contains("::1"));
    }
}
