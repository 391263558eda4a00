package io.troupe.booster.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.booster.exec.BoosterExecLocation;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.ExecutorGateway.SubWorkArrived;
import io.troupe.booster.gateway.ExecutorGateway.SubWorkReply;
import io.troupe.booster.testutil.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PATH shims installed from TBS rules, run by a real shell. */
@Tag("process")
class PathShimsTest {

    @TempDir
    Path dir;

    private static PreloadConfig rules(String src, String target) {
        return new PreloadConfig(List.of(new HookRule(src, target)));
    }

    private static BoosterExecLocation nativeExec() {
        assumeTrue(Proc.nativeBoosterExec().isPresent(), "native booster-exec not built (no C compiler)");
        return BoosterExecLocation.ofNative(Proc.nativeBoosterExec().get());
    }

    private Map<String, String> baseEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        return env;
    }

    @Test
    void catShimIsFirstOnPathAndRunsTheRealCatWithoutRecursion() throws Exception {
        Path shims = dir.resolve("shims");
        Map<String, String> env = PathShims.install(shims, rules("cat", "booster-exec $SRC_CMD"), baseEnv(), nativeExec());
        assertTrue(env.get("PATH").startsWith(shims + ":"), env.get("PATH"));
        assertEquals(shims.toString(), env.get("TROUPE_SHIM_DIR"));
        assertTrue(Files.isSymbolicLink(shims.resolve("cat")), "a booster-exec rule is a symlink to the native binary");
        Path file = Files.writeString(dir.resolve("hello.txt"), "hello from the real cat\n");

        Proc.Outcome which = Proc.run(List.of("sh", "-c", "command -v cat"), dir, env);
        assertEquals(shims.resolve("cat") + "\n", which.out());
        Proc.Outcome outcome = Proc.run(List.of("sh", "-c", "cat \"$1\" -", "sh", file.toString()), dir, env);
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("hello from the real cat\n", outcome.out());
    }

    @Test
    void catShimForwardsTheOriginalCommandLineToTheBooster() throws Exception {
        Path shims = dir.resolve("shims");
        Map<String, String> env = PathShims.install(shims, rules("cat", "/usr/local/bin/bk-dist-executor $SRC_CMD"),
                baseEnv(), nativeExec());
        ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                pekko.actor.serialization-bindings { "io.troupe.api.CborSerializable" = jackson-cbor }
                """));
        try {
            Path socket = dir.resolve("b.sock");
            TestProbe<SubWorkArrived> sink = testKit.createTestProbe();
            TestProbe<ExecutorGateway.Event> owner = testKit.createTestProbe();
            testKit.spawn(ExecutorGateway.create(socket, sink.getRef(), owner.getRef()));
            owner.expectMessageClass(ExecutorGateway.Bound.class);
            env.put("TROUPE_BOOSTER_SOCKET", socket.toString());

            Proc.Running build = Proc.start(List.of("sh", "-c", "cat -n '/etc/some file'; echo \"cat said $?\""), dir, env);
            SubWorkArrived arrived = sink.expectMessageClass(SubWorkArrived.class);
            assertEquals(List.of("cat", "-n", "/etc/some file"), arrived.argv());
            assertEquals("/usr/local/bin:/usr/bin:/bin", arrived.env().get("PATH"), "the sub-work's PATH has no shims");
            arrived.replyTo().tell(new SubWorkReply(3, "remote bytes\n".getBytes(), new byte[0]));
            Proc.Outcome outcome = build.await();
            assertEquals("remote bytes\ncat said 3\n", outcome.out());
        } finally {
            testKit.shutdownTestKit();
        }
    }

    @Test
    void aTargetThatIsNotBoosterExecRunsAsAScriptWithTheShimsOffPath() throws Exception {
        Path wrapper = dir.resolve("wrapper.sh");
        // fails loudly if the shim were entered twice (the wrapper's "cat" resolving to the shim again)
        Files.writeString(wrapper, """
                #!/bin/sh
                [ -z "$WRAPPED" ] || { echo "recursed into the shim" >&2; exit 99; }
                WRAPPED=1; export WRAPPED
                echo "wrapped: $*" >&2
                exec "$@"
                """);
        wrapper.toFile().setExecutable(true);
        Path shims = dir.resolve("shims");
        Map<String, String> env = PathShims.install(shims, rules("cat", wrapper + " $SRC_CMD"), baseEnv(),
                BoosterExecLocation.javaFallback("/nonexistent"));
        assertTrue(Files.isRegularFile(shims.resolve("cat")) && !Files.isSymbolicLink(shims.resolve("cat")));
        Path file = Files.writeString(dir.resolve("a b.txt"), "content\n");
        Proc.Outcome outcome = Proc.run(List.of("sh", "-c", "cat \"$1\"", "sh", file.toString()), dir, env);
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("content\n", outcome.out());
        assertEquals("wrapped: cat " + file + "\n", outcome.err());
    }

    @Test
    void withoutANativeBinaryTheShimRunsTheJavaFallback() throws Exception {
        Path shims = dir.resolve("shims");
        BoosterExecLocation java = BoosterExecLocation.javaFallback(System.getProperty("java.class.path"));
        Map<String, String> env = PathShims.install(shims, rules("cat", "booster-exec $SRC_CMD"), baseEnv(), java);
        String script = Files.readString(shims.resolve("cat"));
        assertTrue(script.contains("io.troupe.booster.exec.BoosterExec"), script);
        Path file = Files.writeString(dir.resolve("f.txt"), "via java\n");
        Proc.Outcome outcome = Proc.run(List.of("sh", "-c", "cat \"$1\"", "sh", file.toString()), dir, env);
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("via java\n", outcome.out());
    }

    @Test
    void globAndAbsoluteRulesAreLeftToLdPreload() throws Exception {
        Path shims = dir.resolve("shims");
        PreloadConfig config = new PreloadConfig(List.of(
                new HookRule("*/gcc", "booster-exec $SRC_CMD"),
                new HookRule("/usr/bin/cc", "booster-exec $SRC_CMD"),
                new HookRule("cat", "booster-exec $SRC_CMD"),
                new HookRule("cat", "something-else $SRC_CMD")));
        PathShims.install(shims, config, baseEnv(), BoosterExecLocation.javaFallback("/x"));
        try (Stream<Path> files = Files.list(shims)) {
            assertEquals(List.of("cat"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.readString(shims.resolve("cat")).contains("BoosterExec"), "the first cat rule wins");
    }

    @Test
    void aSourceCommandThatIsNotAName() {
        IOException e = assertThrows(IOException.class, () -> PathShims.install(dir.resolve("s"),
                rules("two words", "booster-exec $SRC_CMD"), baseEnv(), BoosterExecLocation.javaFallback("/x")));
        assertTrue(e.getMessage().contains("hook rule 0 (src_command \"two words\")"), e.getMessage());
    }

    @Test
    void malformedRulesJsonNamesTheFileAndLine() throws Exception {
        Path rulesFile = Files.writeString(dir.resolve("bk_rules.json"), """
                {
                  "hooks": [
                    {"src_command": "cat", "target_command": "booster-exec $SRC_CMD"},,
                  ]
                }
                """);
        IOException e = assertThrows(IOException.class,
                () -> PathShims.installFromFile(dir.resolve("s"), rulesFile, baseEnv()));
        assertTrue(e.getMessage().contains(rulesFile.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }
}
