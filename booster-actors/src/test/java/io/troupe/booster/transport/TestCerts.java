package io.troupe.booster.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a cluster CA and member key material with openssl, the same commands docs/operations.md gives:
 * RSA keys, member certificates signed by the root CA, every member named CN=troupe-cluster.
 */
public final class TestCerts {
    private TestCerts() {}

    /** A new CA in {@code dir} (ca.key, ca.crt). */
    public static Path ca(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=troupe-test-ca",
                "-keyout", "ca.key", "-out", "ca.crt");
        return dir;
    }

    /** A member's directory {@code dir} (tls.key, tls.crt, ca.crt) signed by the CA in {@code caDir}. */
    public static Path member(Path caDir, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:troupe-cluster\nextendedKeyUsage=serverAuth,clientAuth\n");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=troupe-cluster",
                "-keyout", "tls.key", "-out", "tls.csr");
        openssl(dir, "x509", "-req", "-in", "tls.csr", "-CA", caDir.resolve("ca.crt").toString(),
                "-CAkey", caDir.resolve("ca.key").toString(), "-CAcreateserial", "-days", "2",
                "-extfile", "ext.cnf", "-out", "tls.crt");
        Files.copy(caDir.resolve("ca.crt"), dir.resolve("ca.crt"));
        return dir;
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
