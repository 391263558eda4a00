package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slot's launcher has no controlling terminal, so a sub-work cannot push input into the worker's terminal
 * (TIOCSTI), although the launcher is not started in a session of its own (docs/security.md): started from a
 * shell that has a terminal (util-linux {@code script} makes one), its sub-work has none and cannot open
 * {@code /dev/tty}, and the shell keeps its own. bubblewrap gets {@code --new-session} only for a sandbox of its
 * own and only when the worker has a terminal.
 */
@Tag("process")
class SlotTerminalTest {

    @TempDir
    Path dir;

    @Test
    void theLaunchersSubWorksHaveNoControllingTerminal() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SlotSandboxTest.LAUNCHER), "troupe-slot not built (no C compiler)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script is missing");
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        String probe = "sed 's/.*) //' /proc/self/stat | cut -d' ' -f5; echo x > /dev/tty && echo opened /dev/tty";
        Path request = dir.resolve("request");
        Files.write(request, request(List.of("run", dir.toString(), "/dev/null", out.toString(), err.toString(), "3",
                "/bin/sh", "-c", probe, "1", "PATH=/usr/bin:/bin")));
        // the driver, on the terminal script makes, speaks the launcher's protocol through a coprocess
        Path driver = dir.resolve("driver.sh");
        Files.writeString(driver, String.join("\n",
                "tty_nr() { sed 's/.*) //' /proc/$1/stat | cut -d' ' -f5; }",
                "echo \"driver $(tty_nr $$)\"",
                "coproc SLOT { exec '" + SlotSandboxTest.LAUNCHER + "'; }",
                "read -r line <&\"${SLOT[0]}\"; echo \"$line\"",
                "cat '" + request + "' >&\"${SLOT[1]}\"",
                "read -r line <&\"${SLOT[0]}\"; echo \"$line\"",
                "read -r line <&\"${SLOT[0]}\"; echo \"$line\"",
                "echo \"driver after $(tty_nr $$)\"", ""));
        Path log = dir.resolve("driver.log");
        Process script = new ProcessBuilder("/usr/bin/script", "-qec", "bash " + driver, "/dev/null")
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(log.toFile()).redirectErrorStream(true).start();
        try {
            assertTrue(script.waitFor(30, TimeUnit.SECONDS), "the driver did not end within 30 s");
        } finally {
            script.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().map(String::strip).toList();
        String driverTty = lines.stream().filter(l -> l.startsWith("driver ") && !l.startsWith("driver after"))
                .findFirst().map(l -> l.substring("driver ".length())).orElse("");
        Assumptions.assumeFalse(driverTty.isEmpty() || driverTty.equals("0"), "script gave the driver no terminal: " + lines);
        assertTrue(lines.contains("ready"), "launcher output: " + lines);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("started ")), "launcher output: " + lines);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("exit ")) && !lines.contains("exit 0"),
                "the sub-work could write to /dev/tty: " + lines);
        assertEquals("0", Files.readString(out).lines().findFirst().orElse("").strip(),
                "the sub-work's controlling terminal (tty_nr in /proc/self/stat)");
        assertFalse(Files.readString(out).contains("opened"), Files.readString(out));
        assertTrue(lines.contains("driver after " + driverTty), "the driver lost its terminal: " + lines);
    }

    /**
     * With --pidns the launcher kills every process it may signal after each sub-work (kill(-1)): right only as the
     * init of a PID namespace of its own. Started as any other pid it refuses at once, before it reads a request.
     */
    @Test
    void theLauncherRefusesPidnsOutsideAPidNamespaceOfItsOwn() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SlotSandboxTest.LAUNCHER), "troupe-slot not built (no C compiler)");
        Path err = dir.resolve("err");
        Process launcher = new ProcessBuilder(SlotSandboxTest.LAUNCHER.toString(), "--pidns")
                .redirectError(err.toFile()).start();
        try {
            assertTrue(launcher.waitFor(10, TimeUnit.SECONDS), "the launcher did not refuse within 10 s");
            assertEquals(2, launcher.exitValue());
            assertEquals("", new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                    "it must not say ready");
            assertTrue(Files.readString(err).contains("--pidns needs a PID namespace of its own"), Files.readString(err));
        } finally {
            launcher.destroyForcibly();
        }
    }

    /** A new session is a scheduler autogroup (docs/performance.md): only where it keeps a terminal away. */
    @Test
    void bubblewrapStartsANewSessionOnlyForAProcessThatWouldHaveTheWorkersTerminal() throws Exception {
        Path sandboxes = Files.createDirectories(dir.resolve("sandboxes"));
        WorkerSettings settings = WorkerSettings.fromConfig(com.typesafe.config.ConfigFactory.parseString(
                "sandbox-root = \"" + sandboxes + "\"").withFallback(com.typesafe.config.ConfigFactory.load()
                .getConfig("troupe.worker")));
        SandboxLauncher launcher = SandboxLauncher.of(settings);
        Path slot = Files.createDirectories(dir.resolve("slot"));
        List<String> slotCommand;
        List<String> ownCommand;
        try {
            slotCommand = launcher.slotBuilder(Path.of("/bin/true"), slot).command();
            Path run = Files.createDirectories(sandboxes.resolve("execution-1"));
            ownCommand = launcher.builder(List.of("true"), run, Files.createDirectories(run.resolve("work"))).command();
        } catch (SandboxRun.StepFailure e) {
            Assumptions.abort("this machine refuses sub-works: " + e.getMessage());
            return;
        }
        assertFalse(slotCommand.contains("--new-session"), slotCommand.toString());
        assertEquals(launcher.namespaced() && SandboxLauncher.WORKER_HAS_TERMINAL, ownCommand.contains("--new-session"),
                ownCommand.toString());
        assertEquals(launcher.namespaced(), slotCommand.contains("--unshare-pid"), slotCommand.toString());
    }

    @Test
    void controllingTerminalIsReadFromProcStat() throws Exception {
        Path stat = dir.resolve("stat");
        Files.writeString(stat, "4242 (a (b) c) S 1 4242 4242 34816 4242 4194560 107 0 0 0\n");
        assertEquals(34816, SandboxLauncher.controllingTerminal(stat));
        Files.writeString(stat, "17 (java) S 1 17 17 0 -1 4194560 107 0 0 0\n");
        assertEquals(0, SandboxLauncher.controllingTerminal(stat));
        assertEquals(-1, SandboxLauncher.controllingTerminal(dir.resolve("missing")));
    }

    private static byte[] request(List<String> fields) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (String field : fields) {
            payload.writeBytes(field.getBytes(StandardCharsets.UTF_8));
            payload.write(0);
        }
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        whole.writeBytes((payload.size() + "\n").getBytes(StandardCharsets.US_ASCII));
        whole.writeBytes(payload.toByteArray());
        return whole.toByteArray();
    }
}
