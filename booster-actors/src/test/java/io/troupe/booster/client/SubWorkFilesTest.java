package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.booster.Command;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.GatewayProtocol;
import io.troupe.booster.worker.SubWorkExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker's answer may write into the build directory: only the files the sub-work asked for. */
class SubWorkFilesTest {
    @TempDir
    Path build;

    private SubWorkFiles files() {
        return new SubWorkFiles(build, new ExecutorGateway.Stdin(GatewayProtocol.StdinKind.NULL, null, null),
                1 << 30, 64 << 10, 1 << 20);
    }

    private static SubWorkExecutor.Done answer(SubWorkExecutor.ResultFile... results) {
        return new SubWorkExecutor.Done("s1", List.of(new SubWorkExecutor.StepResult(0, new byte[0], new byte[0],
                List.of(results))), null, 0, 0);
    }

    @Test
    void aResultTheStepDidNotAskForIsRefusedAndNotWritten() throws Exception {
        SubWorkFiles files = files();
        SubWorkFiles.RemotePlan plan = files.planOf(DistCommand.of(new Command(null, "cc", null, List.of("-c", "x.c"),
                List.of(), List.of("x.o"), List.of())), SubWorkFiles.Inputs.NONE);

        DistResult ok = files.writeResults(plan, answer(new SubWorkExecutor.ResultFile("x.o", "obj".getBytes())), Map.of());
        assertEquals("obj", Files.readString(build.resolve("x.o")));
        assertEquals(build.resolve("x.o").toString(), ok.results().get(0).resultFiles().get(0).localPath());

        // a worker, or a member posing as one, must not drop a Makefile or a git hook into the build
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> files.writeResults(plan,
                answer(new SubWorkExecutor.ResultFile("x.o", "obj".getBytes()),
                        new SubWorkExecutor.ResultFile(".git/hooks/pre-commit", "evil".getBytes(StandardCharsets.UTF_8))),
                Map.of()));
        assertTrue(e.getMessage().contains("'.git/hooks/pre-commit', which step 1 did not ask for"), e.getMessage());
        assertFalse(Files.exists(build.resolve(".git")));
    }
}
