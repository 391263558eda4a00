package io.troupe.booster.exec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where this installation's booster-exec is: the native binary when there is one, else the command line
 * of the Java fallback {@link BoosterExec}.
 *
 * <p>Looked up in this order: system property {@code troupe.booster-exec} (a native binary),
 * {@code <troupe.home>/bin/booster-exec} (system property {@code troupe.home}, set by the launcher scripts,
 * else environment {@code TROUPE_HOME}), then the Java fallback with {@code <troupe.home>/lib/*} or, in a
 * development tree, this JVM's classpath.
 *
 * @param nativeBinary the native booster-exec, if found
 * @param command the command line that runs booster-exec (just the binary, or java ... BoosterExec)
 */
public record BoosterExecLocation(Optional<Path> nativeBinary, List<String> command) {

    /** System property naming the native booster-exec explicitly. */
    public static final String NATIVE_PROPERTY = "troupe.booster-exec";
    /** System property naming the installation directory (with bin/ and lib/). */
    public static final String HOME_PROPERTY = "troupe.home";

    public BoosterExecLocation {
        command = List.copyOf(command);
    }

    /** Finds booster-exec for this JVM's installation. */
    public static BoosterExecLocation locate() {
        String explicit = System.getProperty(NATIVE_PROPERTY);
        if (explicit != null && isNative(Path.of(explicit))) {
            return ofNative(Path.of(explicit).toAbsolutePath());
        }
        Optional<Path> home = home();
        if (home.isPresent() && isNative(home.get().resolve("bin/booster-exec"))) {
            return ofNative(home.get().resolve("bin/booster-exec").toAbsolutePath());
        }
        String classpath = home.isPresent() && Files.isDirectory(home.get().resolve("lib"))
                ? home.get().resolve("lib").toAbsolutePath() + "/*"
                : System.getProperty("java.class.path");
        return javaFallback(classpath);
    }

    /** The installation directory, if the launcher said where it is. */
    public static Optional<Path> home() {
        String home = System.getProperty(HOME_PROPERTY, System.getenv("TROUPE_HOME"));
        return home == null || home.isBlank() ? Optional.empty() : Optional.of(Path.of(home));
    }

    /** The native binary at {@code binary}. */
    public static BoosterExecLocation ofNative(Path binary) {
        return new BoosterExecLocation(Optional.of(binary), List.of(binary.toString()));
    }

    /** The Java fallback, run by this JVM's java with {@code classpath}. */
    public static BoosterExecLocation javaFallback(String classpath) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // a short-lived client: start fast, stay small
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(classpath);
        command.add(BoosterExec.class.getName());
        return new BoosterExecLocation(Optional.empty(), command);
    }

    /** An executable ELF (or Mach-O) file, not a script that would only call the real thing. */
    static boolean isNative(Path file) {
        if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
            return false;
        }
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 4) < 4) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        boolean elf = head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
        boolean machO = (head[0] & 0xff) == 0xcf && (head[1] & 0xff) == 0xfa && (head[2] & 0xff) == 0xed
                && (head[3] & 0xff) == 0xfe;
        return elf || machO;
    }
}
