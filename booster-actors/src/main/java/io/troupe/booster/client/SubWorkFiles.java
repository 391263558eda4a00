package io.troupe.booster.client;

import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.FileDesc;
import io.troupe.api.booster.Result;
import io.troupe.booster.cas.Digests;
import io.troupe.booster.gateway.ExecutorGateway;
import io.troupe.booster.gateway.GatewayProtocol;
import io.troupe.booster.worker.SandboxPaths;
import io.troupe.booster.worker.SubWorkExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of one sub-work on the booster side: reading its input files into the request (inline or by
 * digest), turning PreExecute's commands into worker steps, and writing the worker's result files where
 * the client expects them. Blocking file I/O: called on {@code troupe.blocking-dispatcher} (only
 * {@link #planOf} with no input files and {@link #resultsOf} without writing run on the actor's thread).
 */
final class SubWorkFiles {

    /** The sandbox file a forwarded stdin is written to (a dot file: no result file or build output is named so). */
    static final String STDIN_FILE = ".troupe-stdin";

    /** digests of local input files, shared by every sub-work: a header is hashed once per change */
    private static final Digests.Cache DIGESTS = new Digests.Cache(200_000);

    /** Input files as sent (by digest) and where their bytes are here, by digest. */
    record Inputs(List<SubWorkExecutor.InputFile> files, Map<String, Path> localFiles) {
        static final Inputs NONE = new Inputs(List.of(), Map.of());
    }

    /** What is sent to a worker, and what is needed to take its answer back. */
    record RemotePlan(List<io.troupe.api.booster.Command> commands, List<SubWorkExecutor.Step> steps,
            List<SubWorkExecutor.InputFile> inputs, Map<String, Path> localFiles) {}

    private final Path cwd;
    private final ExecutorGateway.Stdin stdin;
    private final long maxFileBytes;
    private final long inlineInputBytes;
    private final long inlinePackedBytes;

    /**
     * @param maxFileBytes an input file past this size makes the sub-work run locally
     * @param inlineInputBytes inputs totalling at most this ride inside the request instead of by digest
     * @param inlinePackedBytes larger inputs that LZ4 packs into at most this ride packed inside the request
     */
    SubWorkFiles(Path cwd, ExecutorGateway.Stdin stdin, long maxFileBytes, long inlineInputBytes, long inlinePackedBytes) {
        this.cwd = cwd;
        this.stdin = stdin;
        this.maxFileBytes = maxFileBytes;
        this.inlineInputBytes = inlineInputBytes;
        this.inlinePackedBytes = inlinePackedBytes;
    }

    static DistCommand checked(DistCommand dist) {
        if (dist == null || dist.commands().isEmpty()) {
            throw new IllegalStateException("PreExecute returned no command");
        }
        return dist;
    }

    static boolean hasInputFiles(DistCommand dist) {
        return dist.commands().stream().anyMatch(command -> !command.inputFiles().isEmpty());
    }

    /** PreExecute's commands as worker steps, with the inputs to send. */
    RemotePlan planOf(DistCommand dist, Inputs inputs) {
        List<SubWorkExecutor.Step> steps = new ArrayList<>();
        List<SubWorkExecutor.InputFile> sent = new ArrayList<>(inputs.files());
        // a regular file on stdin travels with the inputs and feeds the first step; the rest get /dev/null
        String stdinFile = null;
        if (stdin.kind() == GatewayProtocol.StdinKind.FILE) {
            stdinFile = STDIN_FILE;
            sent.add(new SubWorkExecutor.InputFile(STDIN_FILE, stdin.bytes(), false));
        }
        for (io.troupe.api.booster.Command command : dist.commands()) {
            List<String> absolute = command.inputFiles().stream().map(SubWorkFiles::remotePathOf)
                    .filter(path -> path.startsWith("/")).toList();
            // Command.toolchain binds the step to the worker's compiler for that key, whatever exePath says
            String exePath = command.toolchain() != null
                    ? SubWorkExecutor.TOOLCHAIN_PREFIX + command.toolchain() : command.exePath();
            steps.add(new SubWorkExecutor.Step(command.exeName(), exePath,
                    AbsoluteInputs.rewrite(command.params(), absolute), command.env(), command.resultFiles(),
                    steps.isEmpty() ? stdinFile : null));
        }
        return new RemotePlan(dist.commands(), steps, sent, inputs.localFiles());
    }

    /** Sizes and digests of the input files (hashed once per file version); bytes move only when asked for. */
    Inputs readInputs(DistCommand dist) throws IOException, FallbackException {
        List<Path> locals = new ArrayList<>();
        List<String> remotes = new ArrayList<>();
        long total = 0;
        for (io.troupe.api.booster.Command command : dist.commands()) {
            Path base = baseOf(command);
            for (FileDesc input : command.inputFiles()) {
                Path local = base.resolve(input.localPath());
                long size = Files.size(local);
                if (size > maxFileBytes) {
                    throw new FallbackException(FallbackReason.TOO_LARGE, "input file " + local + " is " + size
                            + " bytes, over the limit of " + maxFileBytes
                            + " bytes (--max_file_size / troupe.booster.max-file-size)");
                }
                total += size;
                locals.add(local);
                remotes.add(AbsoluteInputs.sandboxPath(remotePathOf(input)));
            }
        }
        boolean small = total <= inlineInputBytes;
        if (!small && total <= io.troupe.booster.cas.Compression.RATIO_TRIED * inlinePackedBytes) {
            List<SubWorkExecutor.InputFile> packed = packedInline(locals, remotes);
            if (packed != null) {
                return new Inputs(packed, Map.of());
            }
        }
        List<SubWorkExecutor.InputFile> inputs = new ArrayList<>();
        Map<String, Path> localFiles = new HashMap<>();
        for (int i = 0; i < locals.size(); i++) {
            Path local = locals.get(i);
            if (small) {
                inputs.add(new SubWorkExecutor.InputFile(remotes.get(i), Files.readAllBytes(local), Files.isExecutable(local)));
                continue;
            }
            Digests.Sized digest = DIGESTS.digestOf(local);
            localFiles.put(digest.digest(), local);
            inputs.add(SubWorkExecutor.InputFile.byDigest(remotes.get(i), digest.digest(), digest.size(),
                    Files.isExecutable(local)));
        }
        return new Inputs(inputs, localFiles);
    }

    /**
     * The inputs as LZ4 blocks inside the request when together they pack into {@code inlinePackedBytes}, else
     * null (they go by digest). A preprocessed C++ unit packs about 4 fold: one message instead of the digest,
     * the worker's answer, an offer and a stream.
     */
    private List<SubWorkExecutor.InputFile> packedInline(List<Path> locals, List<String> remotes) throws IOException {
        List<SubWorkExecutor.InputFile> inputs = new ArrayList<>();
        long packedTotal = 0;
        for (int i = 0; i < locals.size(); i++) {
            Path local = locals.get(i);
            byte[] raw = Files.readAllBytes(local);
            byte[] block = io.troupe.booster.cas.Compression.pack(raw);
            packedTotal += block != null ? block.length : raw.length;
            if (packedTotal > inlinePackedBytes) {
                return null;
            }
            boolean executable = Files.isExecutable(local);
            inputs.add(block != null ? SubWorkExecutor.InputFile.packed(remotes.get(i), block, raw.length, executable)
                    : new SubWorkExecutor.InputFile(remotes.get(i), raw, executable));
        }
        return inputs;
    }

    /**
     * Writes the result files where the client expects them and builds the handler's view.
     *
     * @param fetched result blobs streamed from the worker's store, by digest: where their bytes landed
     */
    DistResult writeResults(RemotePlan plan, SubWorkExecutor.Done done, Map<String, Path> fetched) throws IOException {
        return resultsOf(plan, done, fetched, true);
    }

    /** The handler's view of a result that brought no files back (nothing to write). */
    DistResult resultsOf(RemotePlan plan, SubWorkExecutor.Done done) {
        try {
            return resultsOf(plan, done, Map.of(), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: nothing is written
        }
    }

    private DistResult resultsOf(RemotePlan plan, SubWorkExecutor.Done done, Map<String, Path> fetched, boolean write)
            throws IOException {
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < done.results().size(); i++) {
            SubWorkExecutor.StepResult step = done.results().get(i);
            List<FileDesc> files = new ArrayList<>();
            for (SubWorkExecutor.ResultFile file : step.files()) {
                Path target = targetOf(plan, i, file);
                if (!write) {
                    throw new IllegalStateException("result file " + file.path() + " needs writing");
                }
                if (target.getParent() != null && !Files.isDirectory(target.getParent())) {
                    Files.createDirectories(target.getParent()); // it throws and catches inside when the directory exists
                }
                if (file.inline()) {
                    Files.write(target, file.bytes());
                } else if (!target.equals(fetched.get(file.digest()))) {
                    // a second result with the same content: the bytes came once
                    Files.copy(fetched.get(file.digest()), target, StandardCopyOption.REPLACE_EXISTING);
                }
                if (file.executable()) {
                    makeExecutable(target);
                }
                files.add(new FileDesc(target.toString(), file.path(), file.size()));
            }
            results.add(new Result(step.exitCode(), step.stdout(), step.stderr(), files));
        }
        return new DistResult(results);
    }

    /** chmod +x where the file is readable, as the umask left it (a tool's own executable output gets 0755 at 022). */
    private static void makeExecutable(Path target) throws IOException {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = new java.util.HashSet<>(
                    Files.getPosixFilePermissions(target));
            if (mode.contains(java.nio.file.attribute.PosixFilePermission.OWNER_READ)) {
                mode.add(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
            }
            if (mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)) {
                mode.add(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE);
            }
            if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
                mode.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
            }
            Files.setPosixFilePermissions(target, mode);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to carry
        }
    }

    /**
     * Where result file {@code file} of step {@code step} goes here. Only a file the step asked for is taken (a
     * worker, or a member posing as one, must not drop a Makefile or a git hook into the build), and a path leaving
     * the directory is refused.
     */
    Path targetOf(RemotePlan plan, int step, SubWorkExecutor.ResultFile file) {
        if (step >= plan.steps().size() || !plan.steps().get(step).resultFiles().contains(file.path())) {
            throw new IllegalArgumentException("the worker sent result file '" + file.path() + "', which step "
                    + (step + 1) + " did not ask for");
        }
        Path base = baseOf(step < plan.commands().size() ? plan.commands().get(step) : null);
        return base.resolve(SandboxPaths.check(file.path(), "result file"));
    }

    private Path baseOf(io.troupe.api.booster.Command command) {
        return command != null && command.workDir() != null && !command.workDir().isBlank()
                ? cwd.resolve(command.workDir()) : cwd;
    }

    private static String remotePathOf(FileDesc input) {
        return input.remotePath() != null ? input.remotePath() : input.localPath();
    }
}
