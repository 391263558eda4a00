package io.troupe.booster.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.booster.testutil.Proc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TBS {@code --force_local_list}: booster-exec (native and Java) runs a command holding a key itself, without
 * asking the booster. The socket here leads nowhere: asking would print "unreachable".
 */
@Tag("process")
class ForceLocalKeysTest {

    @TempDir
    Path tmp;

    private void check(List<String> boosterExec) throws Exception {
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin",
                BoosterExec.SOCKET_ENV, tmp.resolve("no-booster.sock").toString(),
                BoosterExec.FORCE_LOCAL_KEYS_ENV, "conftest" + BoosterExec.KEY_SEPARATOR + "-c x.c");
        List<String> forced = new ArrayList<>(boosterExec);
        forced.addAll(List.of("echo", "-c", "x.c"));
        Proc.Outcome outcome = Proc.run(forced, tmp, env);
        assertEquals(0, outcome.exitCode(), outcome.err());
        assertEquals("-c x.c\n", outcome.out());
        assertEquals("", outcome.err(), "ran locally at once, without trying the booster");

        List<String> asked = new ArrayList<>(boosterExec);
        asked.addAll(List.of("echo", "y.c"));
        Proc.Outcome other = Proc.run(asked, tmp, env);
        assertEquals("y.c\n", other.out());
        assertTrue(other.err().contains("unreachable"), "no key: it asks the booster first: " + other.err());
    }

    @Test
    void theNativeBoosterExecRunsAKeyedCommandLocally() throws Exception {
        Path nativeExec = Proc.nativeBoosterExec().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(nativeExec != null, "no C compiler: native booster-exec not built");
        check(List.of(nativeExec.toString()));
    }

    @Test
    void theJavaBoosterExecRunsAKeyedCommandLocally() throws Exception {
        check(Proc.javaBoosterExec());
    }
}
