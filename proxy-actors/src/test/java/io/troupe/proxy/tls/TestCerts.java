package io.troupe.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** PEM certificates made with the openssl command for tests: a CA, and leaf certificates it or nobody signs. */
public final class TestCerts {
    private final Path dir;

    public TestCerts(Path dir) {
        this.dir = dir;
    }

    /** A self-signed CA: {@code <name>.crt} and {@code <name>.key}. */
    public Path ca(String name) throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", dir.resolve(name + ".key").toString(), "-out", dir.resolve(name + ".crt").toString(),
                "-days", "2", "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return dir.resolve(name + ".crt");
    }

    /**
     * A leaf for DNS name (and CN) {@code cn}, with {@code 127.0.0.1} as an IP name too: self-signed when
     * {@code ca} is null, else signed by it. {@code rsaTraditional} writes a PKCS#1 RSA key (as BFE's samples).
     */
    public Path leaf(String cn, String ca, boolean rsaTraditional) throws Exception {
        Path key = dir.resolve(cn + ".key");
        Path crt = dir.resolve(cn + ".crt");
        if (rsaTraditional) {
            openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
        } else {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", key.toString());
        }
        Path ext = dir.resolve(cn + ".ext");
        Files.writeString(ext, "subjectAltName=DNS:" + cn + ",IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
        if (ca == null) {
            openssl("req", "-x509", "-new", "-key", key.toString(), "-out", crt.toString(), "-days", "2",
                    "-subj", "/CN=" + cn, "-addext", "subjectAltName=DNS:" + cn + ",IP:127.0.0.1");
        } else {
            Path csr = dir.resolve(cn + ".csr");
            openssl("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + cn);
            openssl("x509", "-req", "-in", csr.toString(), "-CA", dir.resolve(ca + ".crt").toString(),
                    "-CAkey", dir.resolve(ca + ".key").toString(), "-CAcreateserial", "-out", crt.toString(),
                    "-days", "2", "-extfile", ext.toString());
        }
        return crt;
    }

    public Path dir() {
        return dir;
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
    }

    /** A client context trusting everything, presenting {@code clientCn}'s certificate when not null. */
    public SSLContext client(String clientCn) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = null;
        if (clientCn != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "pw".toCharArray();
            ks.setKeyEntry("client", PemFiles.privateKey(dir.resolve(clientCn + ".key")), pw,
                    PemFiles.certificates(dir.resolve(clientCn + ".crt")));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
        }
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {}
            public void checkServerTrusted(X509Certificate[] c, String a) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        return ctx;
    }

    /** A trust manager factory trusting only the certificates in {@code pem}. */
    public static TrustManagerFactory trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (X509Certificate c : PemFiles.certificates(pem)) {
            ks.setCertificateEntry("c" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }
}
