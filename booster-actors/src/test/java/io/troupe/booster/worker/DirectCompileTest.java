package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.FileTrees;
import io.troupe.booster.TestClusters;
import io.troupe.booster.toolchain.DriverCommands;
import io.troupe.booster.worker.SubWorkExecutor.Done;
import io.troupe.booster.worker.SubWorkExecutor.Execute;
import io.troupe.booster.worker.SubWorkExecutor.InputFile;
import io.troupe.booster.worker.SubWorkExecutor.Reply;
import io.troupe.booster.worker.SubWorkExecutor.Step;
import io.troupe.booster.worker.SubWorkExecutor.StepResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote gcc compile without the driver: the pipeline is learnt from the driver's {@code -###} once per shape,
 * refused when the driver's answer is anything but {@code cc1 | as} or its real answer differs, and in a real slot
 * makes the same object as the driver, with the compiler's own exit code and diagnostics on an error.
 */
class DirectCompileTest {

    @TempDir
    Path tmp;

    private static final String GCC = "/usr/bin/gcc";

    /** A driver answer for {@code params} as gcc 12 prints it with -pipe: names taken from the command line. */
    private static String answer(List<String> argv) {
        String input = argv.get(argv.size() - 1);
        String output = argv.get(argv.indexOf("-o") + 1);
        return "COLLECT_GCC=" + argv.get(0) + "\n"
                + "COLLECT_GCC_OPTIONS='-c' '-o' '" + output + "'\n"
                + " /usr/lib/gcc/x86_64-linux-gnu/12/cc1 -fpreprocessed " + input + " -quiet -dumpbase " + input
                + " \"-march=x86-64\" -o - |\n"
                + " as --64 -o " + output + "\n";
    }

    @Test
    void aShapeIsLearntOnceAndFilledForEveryCompile() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of(GCC)), "no " + GCC);
        DirectCompile direct = new DirectCompile();
        List<List<String>> asked = new ArrayList<>();
        DirectCompile.Probe probe = argv -> {
            asked.add(argv);
            return answer(argv);
        };
        DirectCompile.Pipeline lapi = direct.pipelineFor(List.of(GCC, "-O2", "-c", "-pipe", "-o", "lapi.o", "-x",
                "cpp-output", "lapi.i"), Map.of("PATH", "/usr/bin:/bin"), probe).orElseThrow();
        assertEquals(List.of(List.of("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-fpreprocessed", "lapi.i", "-quiet",
                "-dumpbase", "lapi.i", "-march=x86-64", "-o", "-"), List.of("as", "--64", "-o", "lapi.o")), lapi.commands());
        assertEquals(Map.of("COLLECT_GCC", GCC, "COLLECT_GCC_OPTIONS", "'-c' '-o' 'lapi.o'"), lapi.env());
        assertEquals(2, asked.size(), "the template and the real names");
        assertTrue(asked.get(0).contains("-###"));

        DirectCompile.Pipeline lcode = direct.pipelineFor(List.of(GCC, "-O2", "-c", "-pipe", "-o", "lcode.o", "-x",
                "cpp-output", "lcode.i"), Map.of("PATH", "/usr/bin:/bin"), probe).orElseThrow();
        assertEquals(List.of("as", "--64", "-o", "lcode.o"), lcode.commands().get(1));
        assertEquals(2, asked.size(), "the same shape is not asked again");

        direct.pipelineFor(List.of(GCC, "-O1", "-c", "-pipe", "-o", "lcode.o", "-x", "cpp-output", "lcode.i"),
                Map.of("PATH", "/usr/bin:/bin"), probe).orElseThrow();
        assertEquals(4, asked.size(), "other flags are another shape");
    }

    @Test
    void anythingButAPipeFromCc1ToAsKeepsTheDriver() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of(GCC)), "no " + GCC);
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin");
        List<String> compile = List.of(GCC, "-c", "-o", "a.o", "a.i");
        // without -pipe: a temporary file between two programs run in turn
        assertTrue(new DirectCompile().pipelineFor(compile, env, argv -> " /usr/lib/gcc/12/cc1 a.i -o /tmp/cc1.s\n"
                + " as -o a.o /tmp/cc1.s\n").isEmpty());
        // a real answer that derives a name otherwise than the template's
        DirectCompile derived = new DirectCompile();
        assertTrue(derived.pipelineFor(compile, env, argv -> answer(argv).replace("-dumpbase " + argv.get(argv.size() - 1),
                "-dumpbase " + argv.get(argv.size() - 1).toUpperCase())).isEmpty());
        assertTrue(derived.pipelineFor(List.of(GCC, "-c", "-o", "b.o", "b.i"), env, argv -> answer(argv)).isEmpty(),
                "the refusal is kept for the shape");
        assertEquals(2, derived.probes());
        // a driver that failed, a program that is not gcc, a relative driver
        assertTrue(new DirectCompile().pipelineFor(compile, env, argv -> null).isEmpty());
        assertTrue(new DirectCompile().pipelineFor(List.of("/bin/cat", "-c", "-o", "a.o", "a.i"), env,
                DirectCompileTest::answer).isEmpty());
        assertTrue(new DirectCompile().pipelineFor(List.of("gcc", "-c", "-o", "a.o", "a.i"), env,
                DirectCompileTest::answer).isEmpty());
        // a variable the launcher would not give the programs
        assertFalse(DirectCompile.isCc1ToAs(DriverCommands.parse("GCC_EXEC_PREFIX=/x/\n" + answer(compile)).orElseThrow()));
        assertTrue(DirectCompile.isCc1ToAs(DriverCommands.parse(answer(compile)).orElseThrow()));
    }

    /** A real worker slot and gcc: the same object as the driver's, learnt once; a compile error is gcc's exit 1. */
    @Tag("process")
    @Test
    void aSlotCompilesWithoutTheDriverAsTheDriverWould() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SlotSandboxTest.LAUNCHER), "troupe-slot not built (no C compiler)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of(GCC)), "no " + GCC);
        Path root = Files.createTempDirectory("troupe-direct-compile-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        TestClusters.WorkerNode node = TestClusters.worker(Files.createDirectories(root.resolve("sandboxes")),
                List.of(GCC), "troupe.worker.heartbeat-interval = 0s\ntroupe.worker.slots = 1\n" + SlotSandboxTest.USE_LAUNCHER);
        ActorTestKit kit = node.kit();
        try {
            Files.writeString(tmp.resolve("unit.c"), "static int counter;\nint bump(int by) { counter += by; return counter * 3; }\n");
            Files.writeString(tmp.resolve("other.c"), "int twice(int x) { return 2 * x; }\n");
            long before = DirectCompile.SHARED.probes();
            for (String name : List.of("unit", "other")) {
                byte[] unit = local(List.of(GCC, "-O2", "-E", name + ".c", "-o", name + ".i"), name + ".i");
                byte[] object = local(List.of(GCC, "-O2", "-c", "-pipe", "-x", "cpp-output", name + ".i", "-o", name + ".o"),
                        name + ".o");
                StepResult result = compile(kit, node, name, unit);
                assertEquals(0, result.exitCode(), new String(result.stderr(), StandardCharsets.UTF_8));
                assertArrayEquals(object, result.files().get(0).content(), "the driver's object for " + name);
            }
            assertEquals(2, DirectCompile.SHARED.probes() - before, "the shape was learnt once, in the slot");

            StepResult broken = compile(kit, node, "broken", "int broken( { return 1; }\n".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, broken.exitCode(), "cc1's failure is the compile's, as the driver's exit code");
            assertTrue(new String(broken.stderr(), StandardCharsets.UTF_8).contains("error"),
                    new String(broken.stderr(), StandardCharsets.UTF_8));
            assertEquals(2, DirectCompile.SHARED.probes() - before, "the same shape");
        } finally {
            kit.shutdownTestKit();
            FileTrees.deleteTree(root);
        }
    }

    /**
     * A driver that hangs when asked for its {@code -###}: the run's timeout kills it, and the run answers; the
     * next run of that shape asks again, since a killed driver's silence says nothing about the shape.
     */
    @Tag("process")
    @Test
    void aDriverHangingOnItsCommandsIsKilledAtTheRunsTimeout() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SlotSandboxTest.LAUNCHER), "troupe-slot not built (no C compiler)");
        // not under /tmp, which a slot under bubblewrap does not see (SandboxLauncher#slotCanRun)
        Path root = Files.createTempDirectory(Path.of("/var/tmp"), "troupe-direct-compile-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path gcc = Files.createDirectories(root.resolve("bin")).resolve("gcc");
        // a sleep with a length no other process has, to find it afterwards
        Files.writeString(gcc, "#!/bin/sh\ncase \"$1\" in --version) echo 'gcc (Hangs) 1.0'; exit 0;;"
                + " -dumpmachine) echo x86_64-linux-gnu; exit 0;; esac\n"
                + "for a; do [ \"$a\" = '-###' ] && { sleep 293; exit 0; }; done\nexit 0\n");
        Files.setPosixFilePermissions(gcc, PosixFilePermissions.fromString("rwxr-xr-x"));
        TestClusters.WorkerNode node = TestClusters.worker(Files.createDirectories(root.resolve("sandboxes")),
                List.of(gcc.toString()), "troupe.worker.heartbeat-interval = 0s\ntroupe.worker.slots = 1\n"
                        + SlotSandboxTest.USE_LAUNCHER);
        ActorTestKit kit = node.kit();
        try {
            TestProbe<Reply> probe = kit.createTestProbe();
            Step step = new Step("gcc", gcc.toString(), List.of("-O2", "-c", "-pipe", "-o", "x.o", "-x", "cpp-output", "x.i"),
                    List.of(), List.of("x.o"));
            for (String run : List.of("hangs", "hangs-again")) {
                long asked = DirectCompile.SHARED.probes();
                node.worker().tell(new Execute(run, List.of(step), List.of(new InputFile("x.i", new byte[] {'\n'}, false)),
                        2_000, probe.getRef(), probe.getRef(), false));
                Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(30));
                // had the first taught "keeps the driver", the second would run the driver, which makes no x.o
                assertTrue(reply instanceof SubWorkExecutor.Failed failed && failed.failure() == SubWorkExecutor.Failure.TIMEOUT,
                        run + ": " + reply);
                assertEquals(asked + 1, DirectCompile.SHARED.probes(), run + ": the driver was asked for its commands");
            }
            for (ProcessHandle left : ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().orElse("").contains("sleep 293")).toList()) {
                // throws TimeoutException when the hung driver's sleep outlives the run
                left.onExit().get(10, TimeUnit.SECONDS);
            }
        } finally {
            kit.shutdownTestKit();
            FileTrees.deleteTree(root);
        }
    }

    private StepResult compile(ActorTestKit kit, TestClusters.WorkerNode node, String name, byte[] unit) {
        TestProbe<Reply> probe = kit.createTestProbe();
        Step step = new Step("gcc", GCC, List.of("-O2", "-c", "-pipe", "-o", name + ".o", "-x", "cpp-output", name + ".i"),
                List.of(), List.of(name + ".o"));
        node.worker().tell(new Execute(name, List.of(step), List.of(new InputFile(name + ".i", unit, false)), 60_000,
                probe.getRef(), probe.getRef(), false));
        Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(60));
        assertTrue(reply instanceof Done, reply.toString());
        return ((Done) reply).results().get(0);
    }

    private byte[] local(List<String> command, String output) throws Exception {
        Process process = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true).start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), printed);
        assertFalse(printed.contains("error"), printed);
        return Files.readAllBytes(tmp.resolve(output));
    }
}
