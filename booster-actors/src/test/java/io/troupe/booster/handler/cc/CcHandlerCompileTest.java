package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Command;
import io.troupe.api.booster.DeterministicFailure;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.FileDesc;
import io.troupe.api.booster.Result;
import io.troupe.api.booster.Sandbox;
import io.troupe.booster.toolchain.Toolchains;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real compiles: the handler's local preprocess plus its remote command, run in a separate "worker" directory
 * exactly as a worker's sandbox would, against a plain local build of the same command line.
 */
@Tag("process")
class CcHandlerCompileTest {

    @TempDir
    Path tmp;

    private Path client;
    private Path worker;
    /** The inode of the unit the last {@link #distributed} compile sent. */
    private Object lastUnitInode;
    /** Whether the handler said the last distributed command's unit was an earlier one's. */
    private boolean lastShared;

    private void project() throws IOException {
        client = Files.createDirectories(tmp.resolve("client/build"));
        worker = Files.createDirectories(tmp.resolve("worker-sandbox"));
        Files.createDirectories(tmp.resolve("client/src/inc"));
        Files.writeString(tmp.resolve("client/src/inc/defs.h"), "#define SCALE 3\nstruct point { int x, y; };\n");
        Files.writeString(tmp.resolve("client/src/unit.c"), """
                #include <stdio.h>
                #include "defs.h"
                static int counter;
                int bump(struct point p) { counter += p.x * SCALE + p.y; printf("%d\\n", counter); return counter; }
                """);
        Files.writeString(tmp.resolve("client/src/unit.cc"), """
                #include <string>
                #include "defs.h"
                namespace { std::string hidden(int n) { return std::to_string(n * SCALE); } }
                std::string visible(int n) { return hidden(n) + "!"; }
                """);
        Files.writeString(tmp.resolve("client/src/warn.c"), "#warning from the preprocessor\nint w;\n");
        Files.writeString(tmp.resolve("client/src/broken.c"), "int f(void) { return undeclared; }\n");
    }

    private static ProcessResult run(Path dir, List<String> argv) throws Exception {
        Path err = Files.createTempFile("cc-test-", ".err");
        try {
            Process process = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(false)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + argv);
            return new ProcessResult(process.exitValue(), Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private record ProcessResult(int exit, String stderr) {}

    /**
     * Runs {@code commandLine} through the handler: preprocess here, then the remote command in the worker
     * directory, whose results are copied back as the booster does. Returns the command.
     */
    private Command distributed(CcHandler handler, String commandLine) throws Exception {
        List<String> argv = Arrays.asList(commandLine.split(" "));
        DistCommand dist = handler.preExecute(argv, new Sandbox(client, System.getenv()));
        Command command = dist.commands().get(0);
        lastShared = handler.sharesInput(dist.commands());
        Path sandbox = Files.createDirectories(worker.resolve("run-" + System.nanoTime()));
        for (FileDesc input : command.inputFiles()) {
            Path target = sandbox.resolve(input.remotePath());
            Files.createDirectories(target.getParent());
            Files.copy(Path.of(input.localPath()), target);
        }
        List<String> remote = new ArrayList<>();
        remote.add(Toolchains.find(command.exeName(), System.getenv("PATH"), sandbox).orElseThrow().toString());
        remote.addAll(command.params());
        lastUnitInode = Files.getAttribute(Path.of(command.inputFiles().get(0).localPath()), "unix:ino");
        ProcessResult result = run(sandbox, remote);
        Result outcome = new Result(result.exit(), new byte[0], result.stderr().getBytes(StandardCharsets.UTF_8), List.of());
        if (result.exit() == 0) {
            for (String file : command.resultFiles()) {
                Path back = Path.of(command.workDir()).resolve(file);
                Files.createDirectories(back.getParent());
                Files.copy(sandbox.resolve(file), back, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try {
            handler.postExecute(new DistResult(List.of(outcome)));
        } finally {
            handler.finalExecute(argv);
        }
        return command;
    }

    private void local(String commandLine) throws Exception {
        ProcessResult result = run(client, Arrays.asList(commandLine.split(" ")));
        assertEquals(0, result.exit(), result.stderr());
    }

    private byte[] read(String path) throws IOException {
        return Files.readAllBytes(client.resolve(path));
    }

    /** Builds {@code commandLine} locally (outputs renamed to .local) and distributed; the listed files must match. */
    private void assertSameAsLocal(String commandLine, List<String> outputs) throws Exception {
        local(commandLine);
        for (String output : outputs) {
            Files.move(client.resolve(output), client.resolve(output + ".local"));
        }
        distributed(new CcHandler(), commandLine);
        for (String output : outputs) {
            assertArrayEquals(read(output + ".local"), read(output), output + " differs from the local build's");
        }
    }

    @Test
    void objectsAndDependencyFilesEqualALocalBuildsWithoutDebugInfo() throws Exception {
        project();
        Files.createDirectories(client.resolve("obj"));
        assertSameAsLocal("gcc -O2 -I../src/inc -DEXTRA=1 -MD -MP -c ../src/unit.c -o obj/unit.o",
                List.of("obj/unit.o", "obj/unit.d"));
        assertSameAsLocal("gcc -O2 -I ../src/inc -MMD -MF deps.d -c ../src/unit.c", List.of("unit.o", "deps.d"));
        assertSameAsLocal("g++ -O2 -std=c++17 -I../src/inc -MD -MT custom-target -c ../src/unit.cc -o obj/unit-cc.o",
                List.of("obj/unit-cc.o", "obj/unit-cc.d"));
        assertSameAsLocal("gcc -O1 -I../src/inc -fstack-usage -c ../src/unit.c -o obj/su.o",
                List.of("obj/su.o", "obj/su.su"));
        String absolute = tmp.resolve("client/out/abs.o").toString();
        Files.createDirectories(tmp.resolve("client/out"));
        assertSameAsLocal("gcc -O2 -I../src/inc -MD -c ../src/unit.c -o " + absolute,
                List.of(absolute, absolute.replace(".o", ".d")));
        String deps = Files.readString(client.resolve("obj/unit.d"));
        assertTrue(deps.startsWith("obj/unit.o: ../src/unit.c"), deps);
    }

    @Test
    void withDebugInfoTheCompDirIsTheClientsDirectory() throws Exception {
        project();
        Files.createDirectories(client.resolve("obj"));
        distributed(new CcHandler(), "gcc -g -O2 -I../src/inc -c ../src/unit.c -o obj/g.o");
        assertEquals(client.toString(), compDir(client.resolve("obj/g.o")));
        Command split = distributed(new CcHandler(), "gcc -g -gsplit-dwarf -I../src/inc -c ../src/unit.c -o obj/s.o");
        assertEquals(List.of("obj/s.o", "obj/s.dwo"), split.resultFiles());
        assertTrue(Files.size(client.resolve("obj/s.dwo")) > 0);
        assertEquals(client.toString(), compDir(client.resolve("obj/s.o")));
    }

    @Test
    void withClangAndDebugInfoTheCompDirIsTheClientsDirectory() throws Exception {
        project();
        Files.createDirectories(client.resolve("obj"));
        assumeTrue(Toolchains.find("clang", System.getenv("PATH"), client).isPresent(), "clang is not installed");
        distributed(new CcHandler(), "clang -g -I../src/inc -c ../src/unit.c -o obj/clang.o");
        assertEquals(client.toString(), compDir(client.resolve("obj/clang.o")));
    }

    private static String compDir(Path object) throws Exception {
        Process process = new ProcessBuilder("readelf", "--debug-dump=info", object.toString()).redirectErrorStream(true).start();
        String dump = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        Matcher matcher = Pattern.compile("DW_AT_comp_dir[^\\n]*: (\\S+)").matcher(dump);
        assertTrue(matcher.find(), "no DW_AT_comp_dir in " + object + ":\n" + dump);
        return matcher.group(1);
    }

    @Test
    void aCompileErrorIsDeterministicAndAPreprocessorErrorRunsLocally() throws Exception {
        project();
        assertThrows(DeterministicFailure.class, () -> distributed(new CcHandler(), "gcc -c ../src/broken.c -o broken.o"));
        Exception missing = assertThrows(Exception.class, () -> new CcHandler().preExecute(
                List.of("gcc", "-c", "../src/unit.c"), new Sandbox(client, System.getenv())));
        assertTrue(missing.getMessage().contains("local preprocess exited"), missing.getMessage());
        Exception warning = assertThrows(Exception.class, () -> new CcHandler().preExecute(
                List.of("gcc", "-c", "../src/warn.c"),
                new Sandbox(client, System.getenv())));
        assertTrue(warning.getMessage().contains("printed messages"), warning.getMessage());
    }

    @Test
    void theCommandCarriesTheCompilersToolchainKeyAndTheUnitIsRemovedAfterwards() throws Exception {
        project();
        CcHandler handler = new CcHandler();
        List<String> argv = List.of("gcc", "-I../src/inc", "-c", "../src/unit.c");
        Command command = handler.preExecute(argv, new Sandbox(client, Map.of("PATH", System.getenv("PATH"),
                "LC_ALL", "C", "HOME", "/home/u"))).commands().get(0);
        // the build's locale goes along (its diagnostics in the build's language and quotes), nothing else of its env
        assertEquals(List.of("LC_ALL=C"), command.env());
        Path gcc = Toolchains.find("gcc", System.getenv("PATH"), client).orElseThrow();
        assertEquals(Toolchains.keyOf(gcc).key(), command.toolchain());
        assertEquals("toolchain:" + Toolchains.keyOf(gcc).key(), command.exePath());
        Path unit = Path.of(command.inputFiles().get(0).localPath());
        assertTrue(Files.readString(unit).contains("bump"));
        // the same command line finishing in another directory is another sub-work: this unit stays
        handler.finalExecute(argv, new Sandbox(client.resolveSibling("elsewhere"), Map.of()));
        assertTrue(Files.exists(unit));
        handler.finalExecute(argv, new Sandbox(client, Map.of()));
        assertTrue(Files.notExists(unit));
        Exception noDir = assertThrows(Exception.class, () -> handler.preExecute(List.of("gcc", "-c", "../src/unit.c",
                "-o", "missing/unit.o"), new Sandbox(client, System.getenv())));
        assertTrue(noDir.getMessage().contains("missing does not exist"), noDir.getMessage());
        Exception local = assertThrows(Exception.class, () -> handler.preExecute(List.of("gcc", "-march=native", "-c",
                "x.c"), new Sandbox(client, System.getenv())));
        assertTrue(local.getMessage().startsWith("-march=native"), local.getMessage());
        // a failed preprocess leaves neither its unit nor its messages behind
        assertThrows(Exception.class, () -> handler.preExecute(List.of("gcc", "-c", "../src/warn.c"),
                new Sandbox(client, System.getenv())));
        Path units = unit.getParent();
        try (var left = Files.list(units)) {
            // but the directory's own lock (UnitDirs)
            assertEquals(List.of(), left.filter(f -> !f.getFileName().toString().equals(UnitDirs.LOCK)).toList());
        }
        // the work's end removes the directory its units shared
        handler.postWork(new BoosterConfig("cc", "demo", "b1", "make", client, client, null, Map.of()));
        assertTrue(Files.notExists(units));
    }

    @Test
    void libtoolsSecondCompileOfASourceTakesTheFirstsUnitUnlessAFileTestsTheMacrosThatDiffer() throws Exception {
        project();
        Files.createDirectories(client.resolve(".libs"));
        String pic = "gcc -O2 -I../src/inc -c ../src/unit.c -fPIC -DPIC -o .libs/unit.o";
        String plain = "gcc -O2 -I../src/inc -c ../src/unit.c -o unit.o";
        Path defs = tmp.resolve("client/src/inc/defs.h");
        for (String header : List.of("#define SCALE 3\nstruct point { int x, y; };\n",
                "#ifdef PIC\n#define SCALE 5\n#else\n#define SCALE 3\n#endif\nstruct point { int x, y; };\n")) {
            Files.writeString(defs, header);
            local(pic);
            Files.move(client.resolve(".libs/unit.o"), client.resolve(".libs/unit.o.local"));
            local(plain);
            Files.move(client.resolve("unit.o"), client.resolve("unit.o.local"));
            CcHandler handler = new CcHandler(java.time.Duration.ZERO); // the files here are seconds old
            distributed(handler, pic);
            Object first = lastUnitInode;
            distributed(handler, plain);
            boolean testsPic = header.contains("PIC");
            assertEquals(!testsPic, first.equals(lastUnitInode), "shared the unit: " + first.equals(lastUnitInode));
            assertArrayEquals(read(".libs/unit.o.local"), read(".libs/unit.o"), "the PIC object");
            assertArrayEquals(read("unit.o.local"), read("unit.o"), "the plain object");
            handler.postWork(new BoosterConfig("cc", "demo", "b1", "make", client, client, null, Map.of()));
            for (String object : List.of(".libs/unit.o.local", "unit.o.local")) {
                Files.delete(client.resolve(object));
            }
        }
        // with -g the unit's working-directory line ("# 1 \"/dir//\"") names no file: still shared
        Files.writeString(defs, "#define SCALE 3\nstruct point { int x, y; };\n");
        CcHandler handler = new CcHandler(java.time.Duration.ZERO);
        distributed(handler, pic.replace("-O2", "-g -O2"));
        Object first = lastUnitInode;
        distributed(handler, plain.replace("-O2", "-g -O2"));
        assertEquals(first, lastUnitInode, "with -g");
        handler.postWork(new BoosterConfig("cc", "demo", "b1", "make", client, client, null, Map.of()));
    }

    @Test
    void automakesPairWithDependencyTrackingSharesTheUnitAndWritesTheDependencyFileALocalBuildWould() throws Exception {
        project();
        Files.createDirectories(client.resolve(".libs"));
        Files.createDirectories(client.resolve(".deps"));
        // as libtool runs automake's "-MT unit.lo -MD -MP -MF .deps/unit.Tpo" compile: both write the same file
        String deps = "-MT unit.lo -MD -MP -MF .deps/unit.Tpo";
        String pic = "gcc -O2 -I../src/inc " + deps + " -c ../src/unit.c -fPIC -DPIC -o .libs/unit.o";
        String plain = "gcc -O2 -I../src/inc " + deps + " -c ../src/unit.c -o unit.o";
        local(pic);
        local(plain);
        byte[] localDeps = read(".deps/unit.Tpo");
        byte[] localPic = read(".libs/unit.o");
        byte[] localPlain = read("unit.o");
        Files.delete(client.resolve(".deps/unit.Tpo"));
        Files.delete(client.resolve(".libs/unit.o"));
        Files.delete(client.resolve("unit.o"));
        CcHandler handler = new CcHandler(java.time.Duration.ZERO); // the files here are seconds old
        distributed(handler, pic);
        Object first = lastUnitInode;
        assertTrue(!lastShared, "the first compile's unit is its own");
        Files.delete(client.resolve(".deps/unit.Tpo"));
        distributed(handler, plain);
        assertEquals(first, lastUnitInode, "shared the unit");
        assertTrue(lastShared, "for --stats_json's shared_input");
        assertArrayEquals(localDeps, read(".deps/unit.Tpo"), "the dependency file");
        assertArrayEquals(localPic, read(".libs/unit.o"), "the PIC object");
        assertArrayEquals(localPlain, read("unit.o"), "the plain object");
        // without an explicit target each names its own object: nothing shared
        String picOwn = pic.replace(deps, "-MD"), plainOwn = plain.replace(deps, "-MD");
        distributed(handler, picOwn);
        Object own = lastUnitInode;
        distributed(handler, plainOwn);
        assertTrue(!own.equals(lastUnitInode), "each preprocessed");
        handler.postWork(new BoosterConfig("cc", "demo", "b1", "make", client, client, null, Map.of()));
    }

    @Test
    void unitsGoUnderTheBuildsTmpdirAsDistccPutsThem() throws Exception {
        project();
        Path tmpdir = Files.createDirectories(tmp.resolve("build-tmp"));
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("TMPDIR", tmpdir.toString());
        CcHandler handler = new CcHandler();
        Command command = handler.preExecute(List.of("gcc", "-I../src/inc", "-c", "../src/unit.c"),
                new Sandbox(client, env)).commands().get(0);
        assertTrue(command.inputFiles().get(0).localPath().startsWith(tmpdir + "/troupe-cc-"),
                command.inputFiles().get(0).localPath());
        env.put("TMPDIR", tmp.resolve("no-such-dir").toString());
        Exception missing = assertThrows(Exception.class, () -> new CcHandler().preExecute(
                List.of("gcc", "-I../src/inc", "-c", "../src/unit.c"), new Sandbox(client, env)));
        assertTrue(missing.getMessage().contains("no-such-dir (TMPDIR)"), missing.getMessage());
    }
}
