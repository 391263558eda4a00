package io.troupe.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/booster} on a JDK of 24 or later (when the machine has one under /usr/lib/jvm): the README's first
 * command runs, and the build's stderr carries none of that JDK's start-up warnings (Pekko's sun.misc.Unsafe
 * calls, JEP 498; the deprecated VFORK launch mechanism).
 */
@Tag("process")
class NewerJdkIT {
    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    @TempDir
    Path tmp;

    @Test
    void theReadmeCommandRunsQuietlyOnAJdkOf24OrLater() throws Exception {
        Optional<Path> jdk = newerJdk();
        assumeTrue(jdk.isPresent(), "no JDK of 24 or later under /usr/lib/jvm");
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        ProcessBuilder builder = new ProcessBuilder(ProcessNodes.REPO.resolve("bin/booster").toString(), "-bt", "echo",
                "-p", "demo", "--hook", "--hook_config", "docs/examples/echo-rules.json", "-a", "cat /etc/os-release")
                .directory(ProcessNodes.REPO.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("JAVA_HOME", jdk.get().toString());
        Process process = builder.start();
        int exit = ProcessNodes.awaitExit(process, Duration.ofSeconds(120), "bin/booster on " + jdk.get(),
                () -> ProcessNodes.read(err));
        String stderr = ProcessNodes.read(err);
        assertEquals(0, exit, stderr);
        assertEquals(Files.readString(Path.of("/etc/os-release")), ProcessNodes.read(out), "the command's output");
        assertTrue(stderr.contains("total 1, remote ok 1"), stderr);
        assertFalse(stderr.contains("sun.misc.Unsafe"), stderr);
        assertFalse(stderr.contains("VFORK"), stderr);
    }

    private static Optional<Path> newerJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : homes.sorted().toList()) {
                Path release = home.resolve("release");
                if (Files.isExecutable(home.resolve("bin/java")) && Files.isReadable(release)) {
                    Matcher version = VERSION.matcher(Files.readString(release));
                    if (version.find() && Integer.parseInt(version.group(1)) >= 24) {
                        return Optional.of(home);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
