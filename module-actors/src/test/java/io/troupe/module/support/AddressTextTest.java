package io.troupe.module.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressTextTest {

    @Test
    void theSameIpv4AddressGetsTheSameTextWithoutFormattingAgain() throws Exception {
        AddressText t = new AddressText();
        String first = t.host(InetAddress.getByName("10.1.2.3"));
        assertEquals("10.1.2.3", first);
        // an equal address from another connection (another object) reuses the text
        assertSame(first, t.host(InetAddress.getByAddress(new byte[] {10, 1, 2, 3})));
        assertEquals("10.1.2.4", t.host(InetAddress.getByName("10.1.2.4")));
    }

    @Test
    void hostAndPortChangeWithEitherPart() throws Exception {
        AddressText t = new AddressText();
        InetAddress a = InetAddress.getByName("127.0.0.1");
        String first = t.hostPort(new InetSocketAddress(a, 8080));
        assertEquals("127.0.0.1:8080", first);
        assertSame(first, t.hostPort(new InetSocketAddress(a, 8080)));
        assertEquals("127.0.0.1:8081", t.hostPort(new InetSocketAddress(a, 8081)));
        assertEquals("127.0.0.2:8081", t.hostPort(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 8081)));
    }

    @Test
    void ipv6TextKeepsItsScope() throws Exception {
        AddressText t = new AddressText();
        byte[] linkLocal = InetAddress.getByName("fe80::1").getAddress();
        // equal as addresses, different as text: each gets its own
        assertEquals("fe80:0:0:0:0:0:0:1%1", t.host(java.net.Inet6Address.getByAddress(null, linkLocal, 1)));
        assertEquals("fe80:0:0:0:0:0:0:1%2", t.host(java.net.Inet6Address.getByAddress(null, linkLocal, 2)));
    }
}
