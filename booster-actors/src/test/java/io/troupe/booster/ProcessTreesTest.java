package io.troupe.booster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTreesTest {
    @TempDir
    Path tmp;

    @Test
    void aShellAndItsChildEndAndTheShellRunsNoFurtherCommand() throws Exception {
        assertTreeEnds(false, 143);
    }

    @Test
    void forciblyKillsTheShellAndItsChild() throws Exception {
        assertTreeEnds(true, 137);
    }

    @Test
    void whoeverWatchesIsToldWhatWillBeSignalledBeforeTheRootDies() throws Exception {
        Process shell = new ProcessBuilder("bash", "-c", "sh -c 'echo $$; exec sleep 300'; true")
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))) {
            long child = Long.parseLong(out.readLine().trim());
            boolean[] rootAliveWhenTold = new boolean[1];
            List<ProcessHandle> told = new java.util.ArrayList<>();
            List<ProcessHandle> signalled = ProcessTrees.end(shell, true, descendants -> {
                rootAliveWhenTold[0] = shell.isAlive();
                told.addAll(descendants);
            });
            assertTrue(rootAliveWhenTold[0], "told before the root was signalled");
            assertEquals(signalled, told);
            assertTrue(told.stream().anyMatch(p -> p.pid() == child), "the child is among them: " + told);
            assertTrue(shell.waitFor(10, TimeUnit.SECONDS), "the shell ends");
            assertEquals(137, shell.exitValue());
        }
    }

    private void assertTreeEnds(boolean forcibly, int shellExit) throws Exception {
        Path after = tmp.resolve("after");
        // the child prints its pid before it becomes sleep: once read, the child is in the shell's tree
        Process shell = new ProcessBuilder("bash", "-c", "sh -c 'echo $$; exec sleep 300'; touch " + after)
                .redirectErrorStream(true).start();
        long child;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))) {
            child = Long.parseLong(out.readLine().trim());
            List<ProcessHandle> signalled = ProcessTrees.end(shell, forcibly);
            assertTrue(signalled.stream().anyMatch(p -> p.pid() == child), "the child is signalled: " + signalled);
            assertTrue(shell.waitFor(10, TimeUnit.SECONDS), "the shell ends");
            assertEquals(shellExit, shell.exitValue());
            ProcessHandle gone = ProcessHandle.of(child).orElse(null);
            if (gone != null) {
                gone.onExit().get(10, TimeUnit.SECONDS);
            }
        }
        assertFalse(Files.exists(after), "the shell ran its next command after its child ended");
    }
}
