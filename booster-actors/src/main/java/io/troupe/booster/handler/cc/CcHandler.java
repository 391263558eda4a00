package io.troupe.booster.handler.cc;

import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Command;
import io.troupe.api.booster.DeterministicFailure;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.FileDesc;
import io.troupe.api.booster.Handler;
import io.troupe.api.booster.HookRule;
import io.troupe.api.booster.PreloadConfig;
import io.troupe.api.booster.Result;
import io.troupe.api.booster.Sandbox;
import io.troupe.booster.FileTrees;
import io.troupe.booster.handler.SharedInputs;
import io.troupe.booster.handler.StdinUse;
import io.troupe.booster.toolchain.ToolchainKey;
import io.troupe.booster.toolchain.Toolchains;
import io.troupe.booster.worker.SubWorkExecutor;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Built-in {@code -bt cc}: distributed C/C++ compilation in classic mode. PreExecute preprocesses the unit
 * locally (making any dependency file exactly as a local build would), and describes a remote compile of the
 * preprocessed unit that brings back the object and what the flags add ({@code .dwo}, {@code .su}). Commands that
 * cannot run remotely are refused with the reason ({@link CcArgs}); the booster then runs them locally. Every
 * remote command carries the toolchain key of the client's compiler, so only a worker holding the same compiler
 * runs it.
 */
public final class CcHandler implements Handler, StdinUse, SharedInputs {

    /** Environment variables that change what the compiler does in ways the remote side would not repeat. */
    private static final List<String> LOCAL_ENV = List.of("DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES",
            "COMPILER_PATH", "GCC_EXEC_PREFIX");
    private static final long PREPROCESS_TIMEOUT_MINUTES = 10;
    /** The build's locale goes with the remote compile: its messages come in the build's language and quotes. */
    private static final List<String> LOCALE_ENV = List.of("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE");

    /**
     * Preprocessed units by sub-work directory and command line, removed by finalExecute of the same sub-work: the
     * same line in two directories (a recursive make) keeps two entries.
     */
    private final Map<List<String>, Deque<Path>> units = new ConcurrentHashMap<>();
    /** Numbers each unit's file names in {@link #unitDir}. */
    private final AtomicLong unitSeq = new AtomicLong();
    /** Units that an earlier compile's preprocess made (shared preprocessing), until their sub-work ends. */
    private final java.util.Set<String> sharedUnits = ConcurrentHashMap.newKeySet();
    /**
     * One temporary directory for this work's units, made on the first and removed by postWork: a directory per
     * unit cost the controller a mkdir and a tree walk per compile (about 5 % of its CPU in a build).
     */
    private Path unitDir;
    /** The lock that marks {@link #unitDir} live, for other processes' sweeps ({@link UnitDirs}). */
    private UnitDirs.Held unitDirLock;
    /**
     * Earlier units a compile whose preprocess differs only in macros no file of the unit mentions takes instead
     * of preprocessing again (libtool's second compile of each source); the margin covers the file times' clock.
     */
    private final SharedUnits shared;

    public CcHandler() {
        this(Duration.ofSeconds(1));
    }

    /** @param sharedMargin how much older than an earlier preprocess its files must be for a later compile to share it */
    CcHandler(Duration sharedMargin) {
        this.shared = new SharedUnits(sharedMargin);
    }

    @Override
    public PreloadConfig getPreloadConfig(BoosterConfig config) throws Exception {
        if (config.hookConfig().isPresent()) {
            return PreloadConfig.fromFile(config.hookConfig().get());
        }
        List<HookRule> rules = new ArrayList<>();
        for (String name : Toolchains.defaultNames(buildEnv(config.env()).get("PATH"))) {
            rules.add(new HookRule(name, "booster-exec $SRC_CMD"));
        }
        return new PreloadConfig(rules);
    }

    /** {@code NAME=value} of the locale variables the build sets. */
    static List<String> localeOf(Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String name : LOCALE_ENV) {
            String value = env.get(name);
            if (value != null) {
                out.add(name + "=" + value);
            }
        }
        return out;
    }

    /**
     * The build's environment as the booster passed it; empty only from a caller that has none, where this JVM's
     * own stands in. Never this JVM's otherwise: in a controller that is whichever build started it.
     */
    private static Map<String, String> buildEnv(Map<String, String> given) {
        return given.isEmpty() ? System.getenv() : given;
    }

    /** A compiler reads stdin only for an input named {@code -} or a stdin path; a response file might name it too. */
    @Override
    public boolean readsStdin(List<String> command) {
        return command.isEmpty() || !CompilerNames.isCompiler(command.get(0))
                || command.stream().skip(1).anyMatch(arg -> arg.equals("-") || arg.startsWith("@") || isStdinOrDevice(arg));
    }

    /** {@code /dev/stdin}, {@code /dev/fd/N}, {@code /proc/self/fd/N} and other devices: bytes only this machine has. */
    static boolean isStdinOrDevice(String path) {
        return path.startsWith("/dev/") || path.startsWith("/proc/");
    }

    @Override
    public DistCommand preExecute(List<String> command) throws Exception {
        return preExecute(command, new Sandbox(Path.of(System.getProperty("user.dir")), System.getenv()));
    }

    @Override
    public DistCommand preExecute(List<String> command, Sandbox sandbox) throws Exception {
        Path cwd = sandbox.dir().toAbsolutePath();
        CcPlan plan = CcArgs.classify(command, cwd, file -> Files.readString(file, StandardCharsets.UTF_8));
        if (!plan.remote()) {
            throw new Exception(plan.localReason());
        }
        Map<String, String> env = buildEnv(sandbox.env());
        for (String name : LOCAL_ENV) {
            if (env.containsKey(name)) {
                throw new Exception("environment variable " + name + " is set: the compiler would act on it locally only");
            }
        }
        Path objectDir = Path.of(plan.workDir()).resolve(plan.resultFiles().get(0)).getParent();
        if (objectDir != null && !Files.isDirectory(objectDir)) {
            // the local run fails the way the build expects; a remote compile would not notice
            throw new Exception("the object's directory " + objectDir + " does not exist");
        }
        Path compiler = Toolchains.find(command.get(0), env.get("PATH"), cwd).orElseThrow(() ->
                new Exception("compiler '" + command.get(0) + "' not found on the sub-work's PATH"));
        ToolchainKey key = Toolchains.keyOf(compiler);
        String toolchain = key.key();
        long n = unitSeq.incrementAndGet();
        String name = plan.remoteInput().substring(plan.remoteInput().lastIndexOf('/') + 1);
        Path unit = unitDir(env, cwd).resolve(n + "-" + name);
        try {
            if (shared.reuse(compiler, key.target(), cwd, env, plan.preprocessArgs(), unit)) {
                sharedUnits.add(unit.toString());
            } else {
                FileTime started = FileTime.from(Instant.now());
                preprocess(compiler, toolchain, plan, unit, unit.resolveSibling(n + ".err"), cwd, env);
                shared.keep(compiler, key.target(), cwd, env, plan.preprocessArgs(), unit, started);
            }
            units.compute(unitKey(command, cwd), (k, files) -> {
                Deque<Path> all = files == null ? new ConcurrentLinkedDeque<>() : files;
                all.add(unit);
                return all;
            });
            String program = command.get(0).substring(command.get(0).lastIndexOf('/') + 1);
            // the worker runs its own compiler for the key (exePath toolchain:<key>), never the name sent
            return DistCommand.of(new Command(plan.workDir(), program, SubWorkExecutor.TOOLCHAIN_PREFIX + toolchain,
                    plan.remoteParams(),
                    List.of(new FileDesc(unit.toString(), plan.remoteInput(), Files.size(unit))),
                    plan.resultFiles(), localeOf(env), toolchain));
        } catch (Exception e) {
            sharedUnits.remove(unit.toString());
            Files.deleteIfExists(unit);
            throw e;
        }
    }

    /** Under the build's TMPDIR when it sets one, as distcc puts its preprocessor output; else Java's temp dir. */
    private synchronized Path unitDir(Map<String, String> env, Path cwd) throws IOException {
        if (unitDir == null || !Files.isDirectory(unitDir)) {
            String tmp = env.get("TMPDIR");
            boolean buildsTmp = tmp != null && !tmp.isBlank();
            // a relative TMPDIR is the build's, as the compiler would read it
            Path base = cwd.resolve(buildsTmp ? tmp : System.getProperty("java.io.tmpdir"));
            if (unitDirLock != null) {
                unitDirLock.close(); // its directory went: another is made
            }
            try {
                unitDirLock = UnitDirs.make(base);
                unitDir = unitDirLock.dir();
                UnitDirs.removeOrphans(base, unitDir, Instant.now());
            } catch (IOException e) {
                throw new IOException("cannot make a directory for preprocessed units in " + base
                        + (buildsTmp ? " (TMPDIR)" : "") + ": " + e, e);
            }
        }
        return unitDir;
    }

    @Override
    public boolean sharesInput(List<Command> commands) {
        return commands.stream().flatMap(c -> c.inputFiles().stream()).anyMatch(f -> sharedUnits.contains(f.localPath()));
    }

    /**
     * Runs the local preprocess, with gcc's {@code cc1} directly where the driver's command for the shape is known
     * ({@link DirectPreprocess}); any message from it sends the command local, so the user sees it once.
     */
    private static void preprocess(Path compiler, String toolchain, CcPlan plan, Path unit, Path err, Path cwd,
            Map<String, String> env) throws Exception {
        List<String> args = new ArrayList<>(plan.preprocessArgs());
        args.add("-o");
        args.add(unit.toString());
        Optional<DirectPreprocess.Direct> direct = plan.driver().family() == CompilerNames.Family.GCC
                ? DirectPreprocess.SHARED.commandFor(compiler, toolchain, args, plan.source(), cwd, env)
                : Optional.empty();
        List<String> argv = new ArrayList<>();
        if (direct.isPresent()) {
            argv.addAll(direct.get().argv());
        } else {
            argv.add(compiler.toString());
            argv.addAll(args);
        }
        ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        direct.ifPresent(d -> builder.environment().putAll(d.env()));
        String messages;
        int exit;
        try {
            Process process = builder.start();
            if (!process.waitFor(PREPROCESS_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new Exception("the local preprocess took longer than " + PREPROCESS_TIMEOUT_MINUTES + " minutes");
            }
            messages = Files.readString(err, StandardCharsets.UTF_8).strip();
            exit = process.exitValue();
        } finally {
            Files.deleteIfExists(err);
        }
        if (exit != 0) {
            throw new Exception("the local preprocess exited " + exit
                    + " (the local run shows its messages)");
        }
        if (!messages.isEmpty()) {
            throw new Exception("the local preprocess printed messages (the local run shows them once)");
        }
    }

    /**
     * Exit 1 is the compiler's "the source has errors": the same on any machine, so straight to the local re-run.
     * Anything else (a crash, a signal) may be the worker's fault and is retried as usual.
     */
    @Override
    public void postExecute(DistResult result) throws Exception {
        if (result == null || result.results().isEmpty()) {
            throw new Exception("remote compile returned no result");
        }
        Result compile = result.results().get(0);
        if (compile.retCode() == 1) {
            throw new DeterministicFailure("remote compile failed with exit code 1 (a compile error)");
        }
        if (compile.retCode() != 0) {
            throw new Exception("remote compile exited " + compile.retCode());
        }
    }

    @Override
    public void finalExecute(List<String> command, Sandbox sandbox) {
        List<String> key = unitKey(command, sandbox.dir());
        units.computeIfPresent(key, (k, files) -> {
            Path unit = files.poll();
            if (unit != null) {
                sharedUnits.remove(unit.toString());
                deleteQuietly(unit);
            }
            return files.isEmpty() ? null : files; // atomically with preExecute's add for the same key
        });
    }

    @Override
    public void finalExecute(List<String> command) {
        finalExecute(command, new Sandbox(Path.of("").toAbsolutePath(), Map.of()));
    }

    private static List<String> unitKey(List<String> command, Path cwd) {
        List<String> key = new ArrayList<>(command.size() + 1);
        key.add(cwd.toAbsolutePath().normalize().toString());
        key.addAll(command);
        return key;
    }

    @Override
    public void postWork(BoosterConfig config) {
        units.clear();
        sharedUnits.clear();
        shared.clear();
        Path dir;
        UnitDirs.Held lock;
        synchronized (this) {
            dir = unitDir;
            unitDir = null;
            lock = unitDirLock;
            unitDirLock = null;
        }
        if (dir != null) {
            try {
                FileTrees.deleteTree(dir);
            } catch (IOException e) {
                // a temporary unit left behind costs disk space only; the compile results are unaffected
            }
        }
        if (lock != null) {
            lock.close();
        }
    }

    private static void deleteQuietly(Path unit) {
        try {
            Files.deleteIfExists(unit);
        } catch (IOException e) {
            // a temporary unit left behind costs disk space only; the compile result is unaffected
        }
    }
}
