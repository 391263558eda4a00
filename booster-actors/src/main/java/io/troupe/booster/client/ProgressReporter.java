package io.troupe.booster.client;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The booster's progress output on stderr. On a terminal: one live line, redrawn in place every second (done/total,
 * remote, local, failed, workers, slots in use, ETA). Elsewhere (a pipe, a file, a CI log): a plain line each
 * progress interval when something changed. Both end with the summary line.
 */
public final class ProgressReporter {

    /**
     * What a work has done so far.
     *
     * @param arrived sub-works received so far (a build announces no total; this is the total known now)
     * @param remote sub-works done remotely
     * @param local sub-works done locally
     * @param failed sub-works failed
     * @param running sub-works in flight
     * @param workersUsed workers that ran at least one sub-work
     * @param workers usable workers found
     * @param slots the workers' total slots
     */
    public record Progress(long arrived, int remote, int local, int failed, int running, int workersUsed, int workers,
            int slots) {

        public long done() {
            return (long) remote + local + failed;
        }
    }

    private static final Duration LIVE_INTERVAL = Duration.ofSeconds(1);
    private static final String CLEAR_LINE = "\r\033[K";

    private final PrintStream out;
    private final boolean live;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private String lastPlain = "";
    private boolean lineShown;

    /**
     * @param out where to print
     * @param live a terminal: redraw one line in place
     * @param nanoClock {@link System#nanoTime}, or a test's clock
     */
    public ProgressReporter(PrintStream out, boolean live, LongSupplier nanoClock) {
        this.out = out;
        this.live = live;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    /**
     * Whether stderr is a terminal (Linux: fd 2 is a tty device); {@code TROUPE_PROGRESS=plain|live} overrides.
     * Decided once; {@code BoosterCli.main} asks first, so the procfs read happens on the main thread.
     */
    public static boolean stderrIsTerminal() {
        return Terminal.STDERR;
    }

    /**
     * Whether a stderr that is ({@code isTerminal}) a terminal or not gets the redrawn progress line, with the
     * environment {@code env} of the work: {@code TROUPE_PROGRESS=live|plain} decides over the terminal.
     */
    public static boolean terminal(boolean isTerminal, java.util.Map<String, String> env) {
        Boolean forced = forced(env.get("TROUPE_PROGRESS"));
        return forced != null ? forced : isTerminal;
    }

    /** {@code TROUPE_PROGRESS}: live, plain, or null when unset or another value. */
    private static Boolean forced(String value) {
        return "plain".equals(value) || "live".equals(value) ? Boolean.valueOf("live".equals(value)) : null;
    }

    /** How often {@link #update} should be called: every second on a terminal, else the configured interval. */
    public Duration interval(Duration configured) {
        return live && (configured.isZero() || configured.compareTo(LIVE_INTERVAL) > 0) ? LIVE_INTERVAL : configured;
    }

    /** Shows the current progress. */
    public void update(Progress p) {
        if (live) {
            out.print(CLEAR_LINE + liveLine(p));
            out.flush();
            lineShown = true;
            return;
        }
        String line = plainLine(p);
        if (!line.equals(lastPlain)) { // a build's own output runs between these lines; repeats add nothing
            lastPlain = line;
            out.println(line);
        }
    }

    /** Clears the live line, if shown, so another message starts at the left margin. */
    public void clear() {
        if (lineShown) {
            out.print(CLEAR_LINE);
            out.flush();
            lineShown = false;
        }
    }

    /** Ends the output with the summary line. */
    public void finish(String summaryLine) {
        clear();
        out.println(summaryLine);
    }

    /** The off-terminal line. */
    static String plainLine(Progress p) {
        return "[booster] progress: done " + p.done() + " of " + p.arrived() + " (remote " + p.remote() + ", local "
                + p.local() + ", failed " + p.failed() + "), running " + p.running() + ", workers used "
                + (p.workersUsed() <= p.workers() ? p.workersUsed() + " of " + p.workers()
                        : p.workersUsed() + " (" + p.workers() + " usable now)")
                + ", slots in use " + Math.min(p.running(), p.slots()) + " of " + p.slots();
    }

    /** The terminal line. */
    String liveLine(Progress p) {
        return "[booster] " + p.done() + "/" + p.arrived() + " done | remote " + p.remote() + " | local " + p.local()
                + " | failed " + p.failed() + " | workers " + p.workersUsed() + "/" + Math.max(p.workersUsed(), p.workers())
                + (p.workersUsed() > p.workers() ? " (" + p.workers() + " usable)" : "") + " | slots "
                + Math.min(p.running(), p.slots()) + "/" + p.slots() + " | ETA " + eta(p);
    }

    /** Time left for the sub-works known now, at the rate so far; "?" before the first one ends. */
    String eta(Progress p) {
        long done = p.done();
        long left = p.arrived() - done;
        if (left <= 0) {
            return "0s";
        }
        long elapsed = nanoClock.getAsLong() - startNanos;
        if (done == 0 || elapsed <= 0) {
            return "?";
        }
        Duration eta = Duration.ofNanos((long) ((double) elapsed / done * left));
        return eta.toSeconds() < 1 ? "<1s" : format(eta);
    }

    static String format(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    /** Decided once, on first use. */
    private static final class Terminal {
        static final boolean STDERR = detect();

        private static boolean detect() {
            Boolean forced = forced(System.getenv("TROUPE_PROGRESS"));
            if (forced != null) {
                return forced;
            }
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (Exception e) { // no procfs (not Linux): plain lines are always readable
                return false;
            }
        }
    }
}
