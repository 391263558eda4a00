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
import java.util.concurrent.ConcurrentHashMap;

/**
 * Preprocessed units of a work's earlier compiles, kept so that a later compile of the same source whose local
 * preprocess differs only in macros that none of the unit's files mentions takes the earlier unit instead of
 * preprocessing again. libtool compiles every source twice, with {@code -fPIC -DPIC} and without: the two
 * preprocess to the same bytes unless a file tests {@code PIC} or {@code __PIE__}, so half of a libtool build's
 * local preprocessing can be skipped. docs/booster-execution.md, "Shared preprocessing", lists the conditions.
 *
 * <p>Only the first compile of such a pair is kept (a command with {@code -DPIC}), for two minutes at most, and a kept
 * unit serves once. Two preprocess command lines match when they are equal after their macro flags ({@code -D},
 * {@code -U}, the PIC and PIE switches) are taken out, in the same directory with the same compiler (for an x86 or
 * ARM64 Linux target, whose PIC and PIE switches change only the macros listed) and environment, their dependency
 * options are at most {@code -MD}/{@code -MMD}, {@code -MP} and the same {@code -MF} and {@code -MT}/{@code -MQ}
 * (the later compile then writes the earlier one's dependency file again), and their macro flags differ. The earlier
 * unit is taken when it holds no {@code #define} (as {@code -g3} leaves in it) and every file its line markers name
 * is still the file it was when the unit was kept (device and inode), a regular file older than its preprocess (by
 * change time, so nothing was written to it since; the link too when the name is a symbolic link) that mentions none of the macros
 * whose definition differs between the two, nor {@code __DATE__}, {@code __TIME__} or {@code __TIMESTAMP__}; nor
 * may a {@code -D} value.
 */
final class SharedUnits {
    /** Environment variable of the build that turns sharing off ({@code off}). */
    static final String SWITCH = "TROUPE_CC_SHARED_PREPROCESS";
    /** Units kept at most per work; each serves once, so only pairs still waiting for their second compile count. */
    static final int KEPT = 128;
    private static final Set<String> PIC_FLAGS = Set.of("-fPIC", "-fpic", "-fPIE", "-fpie",
            "-fno-PIC", "-fno-pic", "-fno-PIE", "-fno-pie");
    /** What the PIC and PIE switches change for the preprocessor on {@link #KNOWN_TARGETS} (gcc and clang alike). */
    private static final List<String> PIC_MACROS = List.of("__PIC__", "__pic__", "__PIE__", "__pie__",
            // gcc on ARM64: -fpic and -fpie pick the small-PIC code model, which drops __AARCH64_CMODEL_SMALL__
            "__AARCH64_CMODEL_SMALL__", "__AARCH64_CMODEL_TINY__", "__AARCH64_CMODEL_LARGE__");
    /** Targets where the PIC and PIE switches define nothing but {@link #PIC_MACROS} (RISC-V, say, changes others). */
    private static final List<String> KNOWN_TARGETS = List.of("x86_64-", "i386-", "i486-", "i586-", "i686-", "aarch64-");
    /** Options that set another target than the compiler's own (the key's): the check above would not hold. */
    private static final Set<String> TARGET_OPTIONS = Set.of("-target", "--target", "-triple", "-Xclang");
    /** Names the later command's own preprocess would refuse or warn about (C++ operator names, predefined ones). */
    private static final Set<String> RESERVED = Set.of("defined", "linux", "unix", "i386", "and", "and_eq", "bitand",
            "bitor", "compl", "not", "not_eq", "or", "or_eq", "xor", "xor_eq");
    /** How long a kept unit waits for its second compile: libtool's follows the first's remote compile at once. */
    static final Duration KEEP_FOR = Duration.ofMinutes(2);
    /**
     * Dependency options a shared unit can stand for: the later command writes the earlier one's dependency file
     * again, which is what its own preprocess would write when both name the same file and target (equal shapes).
     */
    private static final Set<String> DEPENDENCY_OPTIONS = Set.of("-MD", "-MMD", "-MP");
    /** Dependency options with a value, separate or joined. */
    private static final Set<String> DEPENDENCY_VALUES = Set.of("-MF", "-MT", "-MQ");
    /**
     * Variables a shell sets on its own, which no compiler reads: bash lowers {@code SHLVL} before it execs the last
     * command of {@code bash -c "a && b"}, so the two compiles of a pair would otherwise never match.
     */
    private static final Set<String> SHELL_OWN = Set.of("SHLVL", "_");
    /** Macros whose value is the moment of preprocessing, not the command line. */
    private static final List<String> TIME_MACROS = List.of("__DATE__", "__TIME__", "__TIMESTAMP__");

    /** A preprocess command line without its macro flags, where it runs and with what. */
    private record Shape(String compiler, String cwd, Map<String, String> env, List<String> rest) {}

    /**
     * A kept unit: a hard link to it, the command's macro flags, when its preprocess started, the files its line
     * markers name with the identity each had when it was kept (never none: such a unit is not kept), and the
     * dependency file it wrote, or null.
     */
    private record Kept(Path link, List<String> macroFlags, FileTime started, Map<Path, FileId> files, Dependencies deps) {}

    /** The dependency file an earlier preprocess wrote ({@code -MF}, as given) and its bytes. */
    private record Dependencies(String file, byte[] bytes) {}

    /** A file's device and inode: a path that names another file later (a symlink retargeted) is seen. */
    private record FileId(Object dev, Object ino) {}

    /** Whether a file (at a change time and size) mentions any of some names. */
    private record Scan(FileTime changed, long size, Set<String> names, boolean mentions) {}

    private final Duration margin;
    private final LinkedHashMap<Shape, Kept> kept = new LinkedHashMap<>();
    private final Map<Path, Scan> scans = new ConcurrentHashMap<>();
    private long seq;

    /**
     * @param margin how much older than the earlier preprocess a file must be: file times come from a coarse
     *               clock that can lag the moment of a write
     */
    SharedUnits(Duration margin) {
        this.margin = margin;
    }

    /**
     * Makes {@code unit} the unit of an earlier compile that this one may share (a hard link to it), writes the
     * earlier compile's dependency file when it wrote one (the same file, which this command's preprocess would
     * write with the same bytes), and returns true; false, leaving {@code unit} alone, when there is none. Files are
     * read outside the lock: other compiles of the work go on meanwhile.
     */
    boolean reuse(Path compiler, String target, Path cwd, Map<String, String> env, List<String> preprocessArgs,
            Path unit) {
        try {
            synchronized (this) {
                if (kept.isEmpty()) {
                    return false; // most builds (no libtool pairs): no shape to work out per compile
                }
            }
            if (!enabled(target, env, preprocessArgs)) {
                return false;
            }
            List<String> macros = new ArrayList<>();
            Shape shape = shape(compiler, cwd, env, preprocessArgs, macros);
            Kept earlier;
            synchronized (this) {
                earlier = kept.get(shape);
            }
            if (earlier == null || earlier.macroFlags.equals(macros)) {
                // the same command line again is a rebuild within one work (rare): it preprocesses anew, as the
                // benchmarks' repeated trivial compile does
                return false;
            }
            Set<String> differing = differing(earlier.macroFlags, macros);
            if (differing == null || mentions(definitions(earlier.macroFlags, macros), differing)) {
                return false;
            }
            if (!unchangedAndSilent(earlier.files, earlier.started, differing)) {
                return false;
            }
            synchronized (this) {
                if (kept.get(shape) != earlier) {
                    return false; // another compile took it meanwhile
                }
                kept.remove(shape);
            }
            try {
                if (earlier.deps != null) {
                    // the same -MF, -MT/-MQ and files (the shape, the unit): what this command's preprocess would write
                    Files.write(cwd.resolve(earlier.deps.file), earlier.deps.bytes);
                }
                Files.createLink(unit, earlier.link);
            } finally {
                drop(earlier);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // the compile preprocesses as usual
        }
    }

    /**
     * Keeps {@code unit}, just preprocessed from a start at {@code started}, for a later compile to share: only the
     * first compile of libtool's pair ({@code -DPIC}), for {@link #KEEP_FOR} at most, {@link #KEPT} at most.
     */
    void keep(Path compiler, String target, Path cwd, Map<String, String> env, List<String> preprocessArgs, Path unit,
            FileTime started) {
        try {
            if (!enabled(target, env, preprocessArgs) || !libtoolsFirst(preprocessArgs)) {
                return;
            }
            List<String> macros = new ArrayList<>();
            Shape shape = shape(compiler, cwd, env, preprocessArgs, macros);
            Map<Path, FileId> files = identities(unit, cwd);
            if (files.isEmpty()) {
                return; // nothing to check it by: a later compile preprocesses as usual
            }
            String depFile = dependencyFile(preprocessArgs);
            Dependencies deps = null;
            if (depFile != null) {
                Path written = cwd.resolve(depFile);
                if (!Files.isRegularFile(written)) {
                    return; // never read a stream or a device (the cc handler sends those local anyway)
                }
                deps = new Dependencies(depFile, Files.readAllBytes(written));
            }
            List<Kept> gone = new ArrayList<>();
            synchronized (this) {
                Path link = unit.resolveSibling("kept-" + (++seq) + ".i");
                Files.createLink(link, unit);
                gone.add(kept.remove(shape)); // to the end of the order: the eldest come first below
                kept.put(shape, new Kept(link, List.copyOf(macros), started, files, deps));
                FileTime stale = FileTime.from(started.toInstant().minus(KEEP_FOR));
                Iterator<Kept> oldest = kept.values().iterator();
                while (oldest.hasNext()) {
                    Kept k = oldest.next();
                    if (kept.size() <= KEPT && k.started.compareTo(stale) >= 0) {
                        break;
                    }
                    gone.add(k);
                    oldest.remove();
                }
            }
            gone.forEach(SharedUnits::drop);
        } catch (IOException | RuntimeException e) {
            // not kept: a later compile preprocesses as usual
        }
    }

    /**
     * The files {@code unit}'s line markers name, each with its identity now; empty (the unit is not shared) when
     * it names none, holds macro definitions, or one of them cannot be read.
     */
    private static Map<Path, FileId> identities(Path unit, Path cwd) {
        try {
            Map<Path, FileId> files = new LinkedHashMap<>();
            for (Path file : markedFiles(unit, cwd)) {
                Map<String, Object> attributes = Files.readAttributes(file, "unix:dev,ino");
                files.put(file, new FileId(attributes.get("dev"), attributes.get("ino")));
            }
            return Map.copyOf(files);
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
    }

    /** libtool's PIC compile: {@code -DPIC} ({@code -fPIC} alone, as CMake and Meson give every compile, is none). */
    private static boolean libtoolsFirst(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("-DPIC") || (args.get(i).equals("-D") && i + 1 < args.size() && args.get(i + 1).equals("PIC"))) {
                return true;
            }
        }
        return false;
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

    /**
     * Off by the build's switch, on other targets (or with an option naming one), and with dependency options other
     * than {@link #DEPENDENCY_OPTIONS} ({@code -MG} lists missing headers as made by the build).
     */
    private static boolean enabled(String target, Map<String, String> env, List<String> preprocessArgs) {
        if ("off".equalsIgnoreCase(env.getOrDefault(SWITCH, "").trim())
                || KNOWN_TARGETS.stream().noneMatch(target::startsWith) || !target.contains("-linux")) {
            return false;
        }
        boolean writes = false;
        for (int i = 0; i < preprocessArgs.size(); i++) {
            String a = preprocessArgs.get(i);
            writes |= a.equals("-MD") || a.equals("-MMD");
            if (DEPENDENCY_VALUES.contains(a)) {
                i++; // a file or target name, whatever it spells
            } else if (TARGET_OPTIONS.contains(a) || a.startsWith("--target=") || a.startsWith("-target=")
                    || a.equals("-Xpreprocessor") || a.startsWith("-Wp,") // options this does not read
                    || (a.startsWith("-M") && !DEPENDENCY_OPTIONS.contains(a)
                        && DEPENDENCY_VALUES.stream().noneMatch(a::startsWith))) {
                return false;
            }
        }
        return !writes || dependencyFile(preprocessArgs) != null;
    }

    /**
     * The dependency file a preprocess writes, as its {@code -MF} names it (the cc handler always gives one with
     * {@code -MD}/{@code -MMD}), or null when it writes none.
     */
    static String dependencyFile(List<String> preprocessArgs) {
        boolean writes = false;
        String file = null;
        for (int i = 0; i < preprocessArgs.size(); i++) {
            String a = preprocessArgs.get(i);
            if (a.equals("-MD") || a.equals("-MMD")) {
                writes = true;
            } else if (a.equals("-MF") && i + 1 < preprocessArgs.size()) {
                file = preprocessArgs.get(++i);
            } else if (DEPENDENCY_VALUES.contains(a)) {
                i++;
            } else if (a.startsWith("-MF")) {
                file = a.substring(3);
            }
        }
        return writes ? file : null;
    }

    /** The shape of a command line; its macro flags go to {@code macros}, in order, as {@code -DNAME=...}. */
    private static Shape shape(Path compiler, Path cwd, Map<String, String> env, List<String> args, List<String> macros) {
        List<String> rest = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-D") || a.equals("-U")) && i + 1 < args.size()) {
                macros.add(a + args.get(++i));
            } else if ((CcArgs.PRE_WITH_VALUE.contains(a) || CcArgs.BOTH_WITH_VALUE.contains(a)
                    || DEPENDENCY_VALUES.contains(a)) && i + 1 < args.size()) {
                rest.add(a); // its value is no flag of its own ("-I -Ufoo" names a directory)
                rest.add(args.get(++i));
            } else if (a.startsWith("-D") || a.startsWith("-U") || PIC_FLAGS.contains(a)) {
                macros.add(a);
            } else {
                rest.add(a);
            }
        }
        Map<String, String> environment = new HashMap<>(env);
        SHELL_OWN.forEach(environment::remove);
        return new Shape(compiler.toString(), cwd.toString(), Map.copyOf(environment), List.copyOf(rest));
    }

    /**
     * The macros whose definition may differ between two lists of macro flags, or null when sharing is unsafe: every
     * name whose own {@code -D}/{@code -U} flags differ (in order), the PIC and PIE macros when the switches differ
     * (in order), and always the time macros. Null for a name that is not an identifier, one a side defines or
     * undefines twice, or one that begins with two underscores (a predefined macro: the later command's own
     * preprocess may warn about it, and that sends it local).
     */
    static Set<String> differing(List<String> a, List<String> b) {
        Map<String, List<String>> byNameA = byName(a);
        Map<String, List<String>> byNameB = byName(b);
        if (byNameA == null || byNameB == null) {
            return null;
        }
        Set<String> names = new TreeSet<>(TIME_MACROS);
        Set<String> all = new TreeSet<>(byNameA.keySet());
        all.addAll(byNameB.keySet());
        for (String name : all) {
            List<String> flagsA = byNameA.getOrDefault(name, List.of());
            List<String> flagsB = byNameB.getOrDefault(name, List.of());
            if (!flagsA.equals(flagsB)) {
                if (name.isEmpty()) {
                    names.addAll(PIC_MACROS); // the switches' group
                } else if (reserved(name) || !plain(flagsA) || !plain(flagsB)) {
                    return null;
                } else {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** {@code _X…} and {@code __…} are the implementation's (predefined ones among them), and {@link #RESERVED}. */
    private static boolean reserved(String name) {
        return RESERVED.contains(name) || (name.length() > 1 && name.charAt(0) == '_'
                && (name.charAt(1) == '_' || (name.charAt(1) >= 'A' && name.charAt(1) <= 'Z')));
    }

    /** Object-like {@code -D} flags with a plain body, and {@code -U} with the name alone: nothing to warn about. */
    private static boolean plain(List<String> flags) {
        for (String flag : flags) {
            String definition = flag.substring(2);
            if (flag.startsWith("-U") ? !definition.equals(macroName(definition))
                    : definition.chars().anyMatch(c -> c == '(' || c == '"' || c == '\'' || c == '\\' || c == '#')) {
                return false;
            }
        }
        return true;
    }

    /** Each macro name's flags in order (the PIC and PIE switches under ""); null for a bad or repeated name. */
    private static Map<String, List<String>> byName(List<String> flags) {
        Map<String, List<String>> byName = new HashMap<>();
        for (String flag : flags) {
            String name = PIC_FLAGS.contains(flag) ? "" : macroName(flag.substring(2));
            if (name == null) {
                return null;
            }
            List<String> list = byName.computeIfAbsent(name, n -> new ArrayList<>());
            list.add(flag);
            if (!name.isEmpty() && list.size() > 1) {
                return null;
            }
        }
        return byName;
    }

    /** {@code NAME} of {@code NAME}, {@code NAME=value} or {@code NAME(args)=body}; null when it is no identifier. */
    private static String macroName(String definition) {
        int end = 0;
        while (end < definition.length() && isAsciiIdentifier(definition.charAt(end))) {
            end++;
        }
        boolean ends = end == definition.length() || definition.charAt(end) == '=' || definition.charAt(end) == '(';
        if (end == 0 || !ends || (definition.charAt(0) >= '0' && definition.charAt(0) <= '9')) {
            return null;
        }
        return definition.substring(0, end);
    }

    /** The bodies of both sides' {@code -D} flags, one per line: a body may name a differing macro. */
    private static byte[] definitions(List<String> a, List<String> b) {
        StringBuilder text = new StringBuilder();
        for (List<String> side : List.of(a, b)) {
            for (String flag : side) {
                int body = flag.indexOf('=');
                if (flag.startsWith("-D") && body > 0) {
                    text.append(flag, body + 1, flag.length()).append('\n');
                }
            }
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The files a unit's line markers ({@code # 12 "path"}) name, relative ones against the compile's directory (not
     * normalized: {@code dir/../x.h} through a symbolic link is where the kernel finds it); the working-directory
     * marker {@code -g} adds ({@code "/dir//"}) is no file. Throws for a unit with a {@code #define} or
     * {@code #undef} in it ({@code -g3}, {@code -fdirectives-only}): it carries the earlier command's macros.
     */
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
                if (!name.startsWith("<") && !name.endsWith("/")) {
                    files.add(cwd.resolve(name));
                }
            } else if (startsWith(text, i, end, "#define") || startsWith(text, i, end, "#undef")) {
                throw new IOException("macro definitions in " + unit);
            }
            i = end + 1;
        }
        return List.copyOf(files);
    }

    private static boolean startsWith(byte[] text, int from, int end, String prefix) {
        if (end - from < prefix.length()) {
            return false;
        }
        for (int j = 0; j < prefix.length(); j++) {
            if (text[from + j] != prefix.charAt(j)) {
                return false;
            }
        }
        return true;
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

    /**
     * Every file is still the one it was when the unit was kept, a regular file older than the earlier preprocess,
     * and mentions none of {@code names}.
     */
    private boolean unchangedAndSilent(Map<Path, FileId> files, FileTime started, Set<String> names) throws IOException {
        FileTime limit = FileTime.from(started.toInstant().minus(margin));
        Set<String> shared = Set.copyOf(names);
        for (Map.Entry<Path, FileId> entry : files.entrySet()) {
            Path file = entry.getKey();
            Map<String, Object> attributes = Files.readAttributes(file, "unix:ctime,size,isRegularFile,dev,ino",
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!(Boolean) attributes.get("isRegularFile")) {
                if (((FileTime) attributes.get("ctime")).compareTo(limit) >= 0) {
                    return false; // a symbolic link made since (one pointed elsewhere is a new link)
                }
                attributes = Files.readAttributes(file, "unix:ctime,size,isRegularFile,dev,ino");
            }
            FileTime changed = (FileTime) attributes.get("ctime");
            if (!(Boolean) attributes.get("isRegularFile") || changed.compareTo(limit) >= 0
                    || !entry.getValue().equals(new FileId(attributes.get("dev"), attributes.get("ino")))) {
                return false;
            }
            long size = (Long) attributes.get("size");
            Scan scan = scans.get(file);
            if (scan == null || !scan.changed.equals(changed) || scan.size != size || !scan.names.equals(shared)) {
                scan = new Scan(changed, size, shared, mentions(Files.readAllBytes(file), shared));
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
        if (indexOf(text, new byte[] {'?', '?', '/'}, 0) >= 0) {
            return true; // a trigraph backslash may join lines under -trigraphs: too subtle to scan
        }
        text = spliced(text);
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

    /**
     * {@code text} with its line continuations removed (a backslash, any blanks, then LF, CRLF or CR), as the
     * preprocessor joins lines before it reads names.
     */
    private static byte[] spliced(byte[] text) {
        if (indexOf(text, new byte[] {'\\'}, 0) < 0) {
            return text;
        }
        byte[] out = new byte[text.length];
        int n = 0;
        for (int i = 0; i < text.length; i++) {
            if (text[i] == '\\') {
                int j = i + 1;
                while (j < text.length && (text[j] == ' ' || text[j] == '\t')) {
                    j++;
                }
                if (j < text.length && (text[j] == '\n' || text[j] == '\r')) {
                    i = text[j] == '\r' && j + 1 < text.length && text[j + 1] == '\n' ? j + 1 : j;
                    continue;
                }
            }
            out[n++] = text[i];
        }
        return java.util.Arrays.copyOf(out, n);
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

    private static boolean isAsciiIdentifier(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** Letters, digits, {@code _} and any non-ASCII byte; {@code $} is not, so {@code $PIC} counts as a mention. */
    private static boolean isIdentifier(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c >= 0x80;
    }
}
