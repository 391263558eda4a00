package io.troupe.booster.handler.cc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Preprocessed units of a work's earlier compiles, kept so that a later compile of the same source whose local
 * preprocess differs only in macros that none of the unit's files mentions takes the earlier unit instead of
 * preprocessing again. libtool compiles every source twice, with {@code -fPIC -DPIC} and without: the two
 * preprocess to the same bytes unless a file tests {@code PIC} or {@code __PIE__}, so half of a libtool build's
 * local preprocessing can be skipped. docs/booster-execution.md, "Shared preprocessing", lists the conditions.
 *
 * <p>Two preprocess command lines match when they are equal after their macro flags ({@code -D}, {@code -U}, the
 * PIC and PIE switches) are taken out, in the same directory with the same compiler and environment, and neither
 * writes a dependency file, and their macro flags differ (the same command line again preprocesses anew). The
 * earlier unit is taken when every file its line markers name is older than its
 * preprocess (by change time, so nothing was written to it since) and mentions none of the macros whose definition
 * differs between the two, nor {@code __DATE__}, {@code __TIME__} or {@code __TIMESTAMP__}.
 */
final class SharedUnits {
    /** Environment variable of the build that turns sharing off ({@code off}). */
    static final String SWITCH = "TROUPE_CC_SHARED_PREPROCESS";
    /** Units kept per work: libtool's second compile follows its first at once. */
    static final int KEPT = 32;
    private static final Set<String> PIC_FLAGS = Set.of("-fPIC", "-fpic", "-fPIE", "-fpie",
            "-fno-PIC", "-fno-pic", "-fno-PIE", "-fno-pie");
    /** What the PIC and PIE switches change for the preprocessor (gcc and clang alike). */
    private static final List<String> PIC_MACROS = List.of("__PIC__", "__pic__", "__PIE__", "__pie__");
    /** Macros whose value is the moment of preprocessing, not the command line. */
    private static final List<String> TIME_MACROS = List.of("__DATE__", "__TIME__", "__TIMESTAMP__");

    /** A preprocess command line without its macro flags, where it runs and with what. */
    private record Shape(String compiler, String cwd, Map<String, String> env, List<String> rest) {}

    /** A kept unit: a hard link to it, the command's macro flags, and when its preprocess started. */
    private static final class Kept {
        final Path link;
        final List<String> macroFlags;
        final FileTime started;
        /** The files its line markers name, read on first use. */
        List<Path> files;

        Kept(Path link, List<String> macroFlags, FileTime started) {
            this.link = link;
            this.macroFlags = macroFlags;
            this.started = started;
        }
    }

    /** Whether a file (at a change time and size) mentions any of some names. */
    private record Scan(FileTime changed, long size, Set<String> names, boolean mentions) {}

    private final Duration margin;
    private final LinkedHashMap<Shape, Kept> kept = new LinkedHashMap<>();
    private final Map<Path, Scan> scans = new HashMap<>();
    private long seq;

    /**
     * @param margin how much older than the earlier preprocess a file must be: file times come from a coarse
     *               clock that can lag the moment of a write
     */
    SharedUnits(Duration margin) {
        this.margin = margin;
    }

    /**
     * Makes {@code unit} the unit of an earlier compile that this one may share (a hard link to it) and returns
     * true; false, leaving {@code unit} alone, when there is none.
     */
    synchronized boolean reuse(Path compiler, Path cwd, Map<String, String> env, List<String> preprocessArgs, Path unit) {
        if (!enabled(env, preprocessArgs)) {
            return false;
        }
        List<String> macros = new ArrayList<>();
        Shape shape = shape(compiler, cwd, env, preprocessArgs, macros);
        Kept earlier = kept.get(shape);
        if (earlier == null || earlier.macroFlags.equals(macros)) {
            // the same command line again is a rebuild within one work (rare): it preprocesses anew, as the
            // benchmarks' repeated trivial compile does
            return false;
        }
        try {
            Set<String> differing = differing(earlier.macroFlags, macros);
            if (earlier.files == null) {
                earlier.files = markedFiles(earlier.link, cwd);
            }
            if (earlier.files.isEmpty() || !unchangedAndSilent(earlier, differing)) {
                return false;
            }
            Files.createLink(unit, earlier.link);
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // the compile preprocesses as usual
        }
    }

    /** Keeps {@code unit}, just preprocessed from a start at {@code started}, for a later compile to share. */
    synchronized void keep(Path compiler, Path cwd, Map<String, String> env, List<String> preprocessArgs, Path unit,
            FileTime started) {
        if (!enabled(env, preprocessArgs)) {
            return;
        }
        List<String> macros = new ArrayList<>();
        Shape shape = shape(compiler, cwd, env, preprocessArgs, macros);
        Path link = unit.resolveSibling("kept-" + (++seq) + ".i");
        try {
            Files.createLink(link, unit);
        } catch (IOException | RuntimeException e) {
            return;
        }
        drop(kept.put(shape, new Kept(link, List.copyOf(macros), started)));
        Iterator<Kept> oldest = kept.values().iterator();
        while (kept.size() > KEPT) {
            drop(oldest.next());
            oldest.remove();
        }
    }

    /** Forgets every kept unit (the work ended; its unit directory goes). */
    synchronized void clear() {
        kept.values().forEach(SharedUnits::drop);
        kept.clear();
        scans.clear();
    }

    private static void drop(Kept k) {
        if (k != null) {
            try {
                Files.deleteIfExists(k.link);
            } catch (IOException e) {
                // a kept unit left behind goes with the unit directory at the work's end
            }
        }
    }

    /** Off by the build's switch, and for a preprocess that writes a dependency file (a shared one would not). */
    private static boolean enabled(Map<String, String> env, List<String> preprocessArgs) {
        if ("off".equalsIgnoreCase(env.getOrDefault(SWITCH, "").trim())) {
            return false;
        }
        for (String a : preprocessArgs) {
            if (a.startsWith("-M")) {
                return false;
            }
        }
        return true;
    }

    /** The shape of a command line; its macro flags go to {@code macros}, in order. */
    private static Shape shape(Path compiler, Path cwd, Map<String, String> env, List<String> args, List<String> macros) {
        List<String> rest = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-D") || a.equals("-U")) && i + 1 < args.size()) {
                macros.add(a + args.get(++i));
            } else if (a.startsWith("-D") || a.startsWith("-U") || PIC_FLAGS.contains(a)) {
                macros.add(a);
            } else {
                rest.add(a);
            }
        }
        return new Shape(compiler.toString(), cwd.toString(), Map.copyOf(env), List.copyOf(rest));
    }

    /**
     * The macros whose definition may differ between two lists of macro flags: those of the flags one list has and
     * the other lacks (all of both lists' when they hold the same flags in another order), the PIC and PIE macros
     * when such a switch differs, and always the time macros.
     */
    static Set<String> differing(List<String> a, List<String> b) {
        Set<String> names = new TreeSet<>(TIME_MACROS);
        List<String> onlyA = new ArrayList<>(a);
        List<String> onlyB = new ArrayList<>(b);
        for (String flag : a) {
            if (onlyB.remove(flag)) {
                onlyA.remove(flag);
            }
        }
        List<String> odd = new ArrayList<>(onlyA);
        odd.addAll(onlyB);
        if (odd.isEmpty() && !a.equals(b)) {
            odd.addAll(a); // same flags, another order: a later -D or -U may win differently
        }
        for (String flag : odd) {
            if (PIC_FLAGS.contains(flag)) {
                names.addAll(PIC_MACROS);
            } else {
                names.add(macroName(flag.substring(2)));
            }
        }
        return names;
    }

    /** {@code NAME} of {@code NAME}, {@code NAME=value} or {@code NAME(args)=body}. */
    private static String macroName(String definition) {
        int end = 0;
        while (end < definition.length() && isIdentifier(definition.charAt(end))) {
            end++;
        }
        return definition.substring(0, end);
    }

    /** The files a unit's line markers ({@code # 12 "path"}) name, relative ones against the compile's directory. */
    static List<Path> markedFiles(Path unit, Path cwd) throws IOException {
        byte[] text = Files.readAllBytes(unit);
        Set<Path> files = new LinkedHashSet<>();
        int i = 0;
        while (i < text.length) {
            int end = i;
            while (end < text.length && text[end] != '\n') {
                end++;
            }
            if (end - i > 4 && text[i] == '#' && text[i + 1] == ' ' && text[i + 2] >= '0' && text[i + 2] <= '9') {
                String name = markerName(text, i + 2, end);
                if (name == null) {
                    throw new IOException("unreadable line marker in " + unit);
                }
                if (!name.startsWith("<")) {
                    files.add(cwd.resolve(name).normalize());
                }
            }
            i = end + 1;
        }
        return List.copyOf(files);
    }

    /** The quoted name of a marker line from {@code from} (at its line number) to {@code end}, unescaped; null if none. */
    private static String markerName(byte[] text, int from, int end) {
        int i = from;
        while (i < end && text[i] >= '0' && text[i] <= '9') {
            i++;
        }
        if (i + 1 >= end || text[i] != ' ' || text[i + 1] != '"') {
            return null;
        }
        byte[] raw = new byte[end - i];
        int n = 0;
        for (i += 2; i < end; i++) {
            byte c = text[i];
            if (c == '"') {
                return new String(raw, 0, n, StandardCharsets.UTF_8);
            }
            if (c == '\\' && i + 1 < end) {
                c = text[++i];
                if (c != '\\' && c != '"') {
                    return null; // an octal escape: a name too odd to look up
                }
            }
            raw[n++] = c;
        }
        return null;
    }

    /** Every file of the earlier unit is older than its preprocess and mentions none of {@code names}. */
    private boolean unchangedAndSilent(Kept earlier, Set<String> names) throws IOException {
        FileTime limit = FileTime.fromMillis(earlier.started.toMillis() - margin.toMillis());
        for (Path file : earlier.files) {
            Map<String, Object> attributes = Files.readAttributes(file, "unix:ctime,size");
            FileTime changed = (FileTime) attributes.get("ctime");
            if (changed.compareTo(limit) >= 0) {
                return false;
            }
            long size = (Long) attributes.get("size");
            Scan scan = scans.get(file);
            if (scan == null || !scan.changed.equals(changed) || scan.size != size || !scan.names.equals(names)) {
                scan = new Scan(changed, size, Set.copyOf(names), mentions(Files.readAllBytes(file), names));
                scans.put(file, scan);
            }
            if (scan.mentions) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code text} holds any of {@code names} as a whole identifier (comments and skipped code count too). */
    static boolean mentions(byte[] text, Set<String> names) {
        for (String name : names) {
            if (name.isEmpty()) {
                return true; // a flag whose macro name this cannot read
            }
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            for (int at = indexOf(text, n, 0); at >= 0; at = indexOf(text, n, at + 1)) {
                boolean before = at > 0 && isIdentifier((char) (text[at - 1] & 0xff));
                int next = at + n.length;
                boolean after = next < text.length && isIdentifier((char) (text[next] & 0xff));
                if (!before && !after) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int indexOf(byte[] text, byte[] name, int from) {
        outer:
        for (int i = from; i <= text.length - name.length; i++) {
            for (int j = 0; j < name.length; j++) {
                if (text[i + j] != name[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static boolean isIdentifier(char c) {
        return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c >= 0x80;
    }
}
