package io.troupe.node.works;

import static io.troupe.node.TestNodes.awaitGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real browser: headless Debian chromium driven by playwright-core (src/test/ui, installed
 * with npm on first run) opens /ui/ of a two-node cluster while a work runs, and checks the members, the work
 * and its progress, and one timeline bar per finished sub-work; the screenshot lands in target/. The node has
 * an admin token: the page shows no reload button until the token is entered in its token field, then one
 * that reloads.
 */
@Tag("browser")
class DashboardBrowserTest {
    private static final Path UI_TEST = Path.of("src/test/ui").toAbsolutePath();
    private static final String ADMIN_TOKEN = "ui-s3cret";

    @Test
    void dashboardShowsMembersTheRunningWorkAndItsTimeline() throws Exception {
        String chromium = chromium();
        npm("ci", "--no-audit", "--no-fund");
        try (WorkCluster cluster = new WorkCluster("ui-test", ADMIN_TOKEN)) {
            cluster.second.webHandlers().registerReload("demo_conf", params -> "v7");
            cluster.startWork();
            cluster.runShort(3);
            cluster.subWork(List.of("sleep", "15")); // keeps the work running while the browser looks
            awaitGet(cluster.second, "/works/ui-test", WorkCluster.WAIT,
                    r -> r.body().contains("\"done\":3") && r.body().contains("\"running\":1"));

            Path screenshot = Path.of("target/dashboard.png").toAbsolutePath();
            Files.deleteIfExists(screenshot);
            ProcessBuilder node = new ProcessBuilder("node", "dashboard.test.mjs").directory(UI_TEST.toFile())
                    .redirectErrorStream(true);
            node.environment().putAll(Map.of(
                    "UI_URL", "http://127.0.0.1:" + cluster.second.adminAddress().getPort() + "/ui/?work=ui-test",
                    "BUILD_ID", "ui-test",
                    "MEMBERS", cluster.first.system().address() + "," + cluster.second.system().address(),
                    "EXPECT_BARS", "3",
                    "EXPECT_PROGRESS", "3 / 4",
                    "SCREENSHOT", screenshot.toString(),
                    "ADMIN_TOKEN", ADMIN_TOKEN,
                    "RELOAD_NAME", "demo_conf",
                    "CHROMIUM", chromium));
            Process process = node.start();
            String output = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "dashboard.test.mjs did not end: " + output);
            assertEquals(0, process.exitValue(), "dashboard.test.mjs failed:\n" + output);
            assertTrue(Files.size(screenshot) > 0, "no screenshot at " + screenshot);
        }
    }

    /** Debian's chromium (installed by .ci/run), or $CHROMIUM. */
    private static String chromium() {
        String given = System.getenv("CHROMIUM");
        for (String candidate : given != null ? List.of(given) : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("no chromium at /usr/bin/chromium (Debian package chromium; .ci/run installs it)"
                + " and $CHROMIUM not set");
    }

    /** Installs playwright-core from package-lock.json unless it is already there. */
    private static void npm(String... args) throws Exception {
        if (Files.exists(UI_TEST.resolve("node_modules/playwright-core/package.json"))) {
            return;
        }
        List<String> command = new java.util.ArrayList<>(List.of("npm"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(UI_TEST.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "npm " + String.join(" ", args) + " did not end");
        assertEquals(0, process.exitValue(), "npm " + String.join(" ", args) + " in " + UI_TEST + " failed:\n" + output);
    }
}
