package io.troupe.booster.controller;

import io.troupe.booster.ProcessTrees;
import io.troupe.booster.worker.StreamlessProcess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A work command that the client started, as the work actor sees its command: only the client, its parent, can
 * reap it, so its exit comes over the connection ({@link #exited}). Its stdio are the client's, not pipes here.
 */
final class ClientProcess extends StreamlessProcess {

    private final long pid;
    private final CompletableFuture<Process> exit = new CompletableFuture<>();
    private volatile int exitCode;

    ClientProcess(long pid) {
        this.pid = pid;
    }

    /** The client reported the exit, or the connection ended and the command was killed (then 128 + 9). */
    void exited(int code) {
        exitCode = code;
        exit.complete(this);
    }

    /** Kills the command and whatever it started: its client is gone, so nobody waits for the build any more. */
    void killTree() {
        ProcessTrees.end(this, true);
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return exit;
    }

    @Override
    public int waitFor() throws InterruptedException {
        try {
            exit.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return exitCode;
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            exit.get(timeout, unit);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int exitValue() {
        if (!exit.isDone()) {
            throw new IllegalThreadStateException("the work command " + pid + " has not exited");
        }
        return exitCode;
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
    }

    @Override
    public void destroy() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }

    @Override
    public Process destroyForcibly() {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        return this;
    }

    @Override
    public Stream<ProcessHandle> descendants() {
        return ProcessHandle.of(pid).map(ProcessHandle::descendants).orElseGet(Stream::empty);
    }
}
