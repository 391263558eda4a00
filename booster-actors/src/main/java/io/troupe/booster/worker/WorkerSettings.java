package io.troupe.booster.worker;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A worker's limits, read from {@code troupe.worker}.
 *
 * @param slots concurrent sub-works
 * @param queueSize sub-works waiting for a slot before the worker answers busy
 * @param allowlist executables sub-works may run (plain names, absolute paths, or "*")
 * @param envDenylist environment variable names a sub-work may not set (a trailing {@code *} matches a prefix)
 * @param sandboxRoot directory holding one sandbox per sub-work
 * @param timeout longest a sub-work may run
 * @param maxInputBytes total bytes of input files per sub-work
 * @param maxOutputBytes total bytes of stdout, stderr and result files sent inline, per sub-work
 * @param maxFileBytes largest single input or result file
 * @param casDir the worker's content-addressed store of input and result files
 * @param casMaxBytes bound of that store; least recently used files go first
 * @param inlineResultBytes a result file up to this size travels in the answer, larger ones by digest
 * @param inlinePackedResultBytes a larger result file that LZ4 packs into at most this travels packed in the answer
 * @param sandbox how the processes of a sub-work are confined ({@code troupe.worker.sandbox})
 */
public record WorkerSettings(
        int slots,
        int queueSize,
        List<String> allowlist,
        List<String> envDenylist,
        Path sandboxRoot,
        Duration timeout,
        long maxInputBytes,
        long maxOutputBytes,
        long maxFileBytes,
        Path casDir,
        long casMaxBytes,
        long inlineResultBytes,
        long inlinePackedResultBytes,
        SandboxSettings sandbox) {

    public WorkerSettings {
        sandbox = sandbox == null ? SandboxSettings.DEFAULTS : sandbox;
        allowlist = List.copyOf(allowlist);
        envDenylist = List.copyOf(envDenylist);
        if (slots < 1) {
            throw new IllegalArgumentException("troupe.worker.slots must be at least 1, got " + slots);
        }
        if (queueSize < 0) {
            throw new IllegalArgumentException("troupe.worker.queue-size must not be negative, got " + queueSize);
        }
    }

    /** Reads the {@code troupe.worker} section; {@code slots = 0} means the number of CPUs. */
    public static WorkerSettings fromConfig(Config worker) {
        int slots = worker.getInt("slots");
        String root = worker.getString("sandbox-root");
        Path sandboxRoot = root.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "troupe-sandbox") : Path.of(root);
        String cas = worker.getString("cas.dir");
        return new WorkerSettings(
                slots <= 0 ? Runtime.getRuntime().availableProcessors() : slots,
                worker.getInt("queue-size"),
                worker.getStringList("allowlist"),
                worker.getStringList("env-denylist"),
                sandboxRoot,
                worker.getDuration("timeout"),
                worker.getBytes("max-input-bytes"),
                worker.getBytes("max-output-bytes"),
                worker.getBytes("max-file-size"),
                cas.isBlank() ? sandboxRoot.resolveSibling(sandboxRoot.getFileName() + "-cas") : Path.of(cas),
                worker.getBytes("cas.max-bytes"),
                worker.getBytes("cas.inline-bytes"),
                worker.getBytes("cas.inline-packed-bytes"),
                worker.hasPath("sandbox") ? SandboxSettings.fromConfig(worker.getConfig("sandbox")) : SandboxSettings.DEFAULTS);
    }

    /** Whether a sub-work may set environment variable {@code name}. */
    public boolean allowsEnv(String name) {
        for (String entry : envDenylist) {
            boolean denied = entry.endsWith("*") ? name.startsWith(entry.substring(0, entry.length() - 1)) : name.equals(entry);
            if (denied) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code executable} may run: "*" allows anything; a plain entry ({@code cat}) allows the same plain
     * name, looked up on the worker's PATH; an absolute entry allows exactly that path.
     */
    public boolean allows(String executable) {
        if (executable == null || executable.isBlank()) {
            return false;
        }
        for (String entry : allowlist) {
            if (entry.equals("*") || entry.equals(executable)) {
                return true;
            }
        }
        return false;
    }
}
