package io.troupe.booster.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code troupe-slot}'s {@code pipe} request, spoken to the binary directly: the first command's stdout reaches the
 * second's stdin, and the run's status is the first's when that failed, else the second's, as gcc's driver reports
 * a {@code cc1 | as} pipeline.
 */
@Tag("process")
class SlotLauncherPipeTest {

    @TempDir
    Path tmp;

    private Process launcher;
    private OutputStream requests;
    private BufferedReader replies;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SlotSandboxTest.LAUNCHER), "troupe-slot not built (no C compiler)");
        launcher = new ProcessBuilder(SlotSandboxTest.LAUNCHER.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        requests = launcher.getOutputStream();
        replies = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", replies.readLine());
    }

    @AfterEach
    void stop() throws Exception {
        if (launcher != null) {
            requests.close();
            launcher.waitFor();
        }
    }

    /** Sends a pipe request for {@code first | second}; the launcher's replies (started, then exit or error). */
    private List<String> pipe(List<String> first, List<String> second) throws Exception {
        List<String> fields = new ArrayList<>(List.of("pipe", tmp.toString(), "/dev/null", tmp.resolve("out").toString(),
                tmp.resolve("err").toString()));
        for (List<String> command : List.of(first, second)) {
            fields.add(Integer.toString(command.size()));
            fields.addAll(command);
        }
        fields.add("1");
        fields.add("PATH=/usr/bin:/bin");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String field : fields) {
            body.write(field.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        requests.write((body.size() + "\n").getBytes(StandardCharsets.UTF_8));
        body.writeTo(requests);
        requests.flush();
        List<String> got = new ArrayList<>(List.of(replies.readLine()));
        if (got.get(0).startsWith("started ")) {
            got.add(replies.readLine());
        }
        return got;
    }

    @Test
    void theFirstsOutputIsTheSecondsInput() throws Exception {
        List<String> got = pipe(List.of("echo", "hello"), List.of("tr", "a-z", "A-Z"));
        assertEquals("exit 0", got.get(1), got.toString());
        assertEquals("HELLO\n", Files.readString(tmp.resolve("out")));
    }

    @Test
    void aFailedFirstIsTheRunsStatusElseTheSeconds() throws Exception {
        assertEquals("exit 3", pipe(List.of("sh", "-c", "echo x; exit 3"), List.of("cat")).get(1), "the first failed");
        assertEquals("x\n", Files.readString(tmp.resolve("out")), "the second still read what the first wrote");
        assertEquals("exit 5", pipe(List.of("true"), List.of("sh", "-c", "cat; exit 5")).get(1), "the second failed");
        assertEquals("exit 127", pipe(List.of("no-such-program-troupe"), List.of("cat")).get(1));
        assertTrue(Files.readString(tmp.resolve("err")).contains("cannot run 'no-such-program-troupe'"));
        // the slot goes on with its next request
        assertEquals("exit 0", pipe(List.of("true"), List.of("true")).get(1));
    }

    @Test
    void aMalformedSecondCommandIsRefused() throws Exception {
        String body = "pipe\0" + tmp + "\0/dev/null\0" + tmp.resolve("out") + "\0" + tmp.resolve("err")
                + "\0" + "1\0true\0" + "5\0cat\0" + "1\0PATH=/bin\0";
        requests.write((body.getBytes(StandardCharsets.UTF_8).length + "\n" + body).getBytes(StandardCharsets.UTF_8));
        requests.flush();
        assertEquals("error malformed second argv in pipe request", replies.readLine());
    }
}
