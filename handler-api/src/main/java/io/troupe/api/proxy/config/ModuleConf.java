package io.troupe.api.proxy.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A module's static {@code mod_<name>.conf}, read the way BFE reads it (gcfg, git-config style INI).
 *
 * <ul>
 *   <li>Section and key names are case-insensitive: {@code [basic]} is {@code [Basic]}.</li>
 *   <li>{@code #} and {@code ;} start a comment, on their own line or after a value (outside quotes).</li>
 *   <li>A value may be quoted ({@code "a;b"}) with the escapes {@code \"}, {@code \\}, {@code \n}, {@code \t}.</li>
 *   <li>A repeated key makes a list ({@link #list}); scalar getters take the last value.</li>
 *   <li>A section or key the module did not declare is an error naming the file, section and key, so a typo
 *       stops the node instead of being ignored.</li>
 *   <li>Relative paths resolve against the conf root; absolute ones are kept ({@link #resolve}).</li>
 * </ul>
 *
 * <pre>{@code
 * ModuleConf conf = ModuleConf.load(ModuleConf.confFile(confRoot, "mod_block"), confRoot,
 *         "Basic.ProductRulePath", "Basic.IPBlocklistPath", "Log.OpenDebug");
 * Path rules = conf.path("Basic", "ProductRulePath", "mod_block/block_rules.data"); // empty: default + warning
 * boolean debug = conf.bool("Log", "OpenDebug", false);
 * }</pre>
 *
 * Instances are immutable and safe to share.
 */
public final class ModuleConf {

    private static final System.Logger LOG = System.getLogger(ModuleConf.class.getName());

    private final Path file;
    private final Path confRoot;
    // lower-case "section.key" -> values in file order
    private final Map<String, List<String>> values;
    // lower-case "section.key" -> the spelling the module declared, for messages
    private final Map<String, String> declared;
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    private ModuleConf(Path file, Path confRoot, Map<String, List<String>> values, Map<String, String> declared) {
        this.file = file;
        this.confRoot = confRoot;
        this.values = values;
        this.declared = declared;
    }

    /** BFE's module conf path: {@code <confRoot>/<module>/<module>.conf}. */
    public static Path confFile(Path confRoot, String module) {
        return confRoot.resolve(module).resolve(module + ".conf");
    }

    /** BFE's {@code ConfPathProc}: an absolute path is kept, a relative one is joined to {@code confRoot}. */
    public static Path resolve(Path confRoot, String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p : confRoot.resolve(p);
    }

    /**
     * Reads and checks {@code file}.
     *
     * @param file the {@code .conf} file
     * @param confRoot the node's conf root, against which {@link #path} resolves relative paths
     * @param keys the keys the module accepts, each as {@code Section.Key}; any other section or key in the
     *             file is an error
     * @throws ConfigFileException naming the file (and section/key) when it cannot be read, a line does not
     *         parse, or a section or key is not declared
     */
    public static ModuleConf load(Path file, Path confRoot, String... keys) throws ConfigFileException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(confRoot, "confRoot");
        Map<String, String> declared = new LinkedHashMap<>();
        java.util.Set<String> sections = new java.util.HashSet<>();
        for (String k : keys) {
            int dot = k.indexOf('.');
            if (dot <= 0 || dot == k.length() - 1) {
                throw new IllegalArgumentException("ModuleConf key must be Section.Key, got " + k);
            }
            declared.put(k.toLowerCase(Locale.ROOT), k);
            sections.add(k.substring(0, dot).toLowerCase(Locale.ROOT));
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigFileException(file, null, "cannot read: " + e, e);
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        String section = null;
        String sectionAsWritten = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            String where = "line " + (i + 1);
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') {
                continue;
            }
            if (line.charAt(0) == '[') {
                int close = line.indexOf(']');
                if (close < 0) {
                    throw new ConfigFileException(file, where, "section header without ]: " + line);
                }
                String rest = line.substring(close + 1).strip();
                if (!rest.isEmpty() && rest.charAt(0) != '#' && rest.charAt(0) != ';') {
                    throw new ConfigFileException(file, where, "text after section header: " + line);
                }
                sectionAsWritten = line.substring(1, close).strip();
                if (!isName(sectionAsWritten)) {
                    throw new ConfigFileException(file, where, "invalid section name [" + sectionAsWritten
                            + "] (subsections are not supported)");
                }
                section = sectionAsWritten.toLowerCase(Locale.ROOT);
                if (!sections.contains(section)) {
                    throw new ConfigFileException(file, "[" + sectionAsWritten + "]", "unknown section (known: "
                            + knownSections(declared) + ")");
                }
                continue;
            }
            int eq = line.indexOf('=');
            String key = (eq < 0 ? line : line.substring(0, eq)).strip();
            if (eq < 0) {
                // gcfg: a bare name is a boolean true; cut a trailing comment first
                key = stripComment(key);
            }
            if (!isName(key)) {
                throw new ConfigFileException(file, where, "invalid key name: " + line);
            }
            if (section == null) {
                throw new ConfigFileException(file, key, "key outside any section");
            }
            String id = section + "." + key.toLowerCase(Locale.ROOT);
            if (!declared.containsKey(id)) {
                throw new ConfigFileException(file, "[" + sectionAsWritten + "] " + key, "unknown key (known in ["
                        + sectionAsWritten + "]: " + knownKeys(declared, section) + ")");
            }
            String value;
            if (eq < 0) {
                value = null;
            } else {
                try {
                    value = parseValue(line.substring(eq + 1));
                } catch (IllegalArgumentException e) {
                    throw new ConfigFileException(file, "[" + sectionAsWritten + "] " + key, e.getMessage());
                }
                if (value.indexOf('\0') >= 0) {
                    // no value means a NUL; as a path it would make path() throw InvalidPathException (found by fuzzing)
                    throw new ConfigFileException(file, "[" + sectionAsWritten + "] " + key, "NUL character in value");
                }
            }
            values.computeIfAbsent(id, k -> new ArrayList<>()).add(value);
        }
        Map<String, List<String>> frozen = new LinkedHashMap<>();
        values.forEach((k, v) -> frozen.put(k, Collections.unmodifiableList(v)));
        return new ModuleConf(file, confRoot, Collections.unmodifiableMap(frozen), declared);
    }

    /** The file this was read from. */
    public Path file() {
        return file;
    }

    /** The conf root relative paths resolve against. */
    public Path confRoot() {
        return confRoot;
    }

    /** Whether the file sets the key (even to the empty string). */
    public boolean has(String section, String key) {
        return values.containsKey(id(section, key));
    }

    /** The key's last value, or {@code def} when the file does not set it. A bare key (no {@code =}) is {@code "true"}. */
    public String string(String section, String key, String def) {
        List<String> v = values.get(id(section, key));
        if (v == null) {
            return def;
        }
        String last = v.get(v.size() - 1);
        return last == null ? "true" : last;
    }

    /**
     * All values of a repeated key in file order; empty when absent. As in gcfg, a line with an empty value
     * ({@code Key =}) clears what came before it.
     */
    public List<String> list(String section, String key) {
        List<String> v = values.get(id(section, key));
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : v) {
            if (s == null) {
                out.add("true");
            } else if (s.isEmpty()) {
                out.clear();
            } else {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }

    /**
     * A boolean: {@code true/yes/on/1} or {@code false/no/off/0}, any case; a bare key is {@code true}.
     *
     * @throws ConfigFileException naming the file and key for any other value
     */
    public boolean bool(String section, String key, boolean def) throws ConfigFileException {
        if (!has(section, key)) {
            return def;
        }
        String s = string(section, key, null).strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "true", "yes", "on", "1":
                return true;
            case "false", "no", "off", "0":
                return false;
            default:
                throw error(section, key, "not a boolean: \"" + s + "\"");
        }
    }

    /**
     * A decimal integer.
     *
     * @throws ConfigFileException naming the file and key when the value is not one
     */
    public long integer(String section, String key, long def) throws ConfigFileException {
        if (!has(section, key)) {
            return def;
        }
        String s = string(section, key, null).strip();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(section, key, "not an integer: \"" + s + "\"");
        }
    }

    /**
     * A path, resolved against the conf root when relative. When the key is absent or empty, {@code def} is
     * used instead (resolved the same way), with a warning when the key was present but empty, as BFE does.
     */
    public Path path(String section, String key, String def) {
        String s = string(section, key, null);
        if (s == null || s.isBlank()) {
            if (s != null) {
                warn(file + ": [" + section + "] " + key + " is empty, using the default " + def);
            }
            return resolve(confRoot, def);
        }
        return resolve(confRoot, s.strip());
    }

    /** Warnings collected while reading values (an empty path that fell back to its default). */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** A {@link ConfigFileException} for this file naming {@code [section] key}, for the module's own checks. */
    public ConfigFileException error(String section, String key, String message) {
        return new ConfigFileException(file, "[" + section + "] " + key, message);
    }

    private void warn(String w) {
        warnings.add(w);
        LOG.log(System.Logger.Level.WARNING, w);
    }

    private String id(String section, String key) {
        String id = section.toLowerCase(Locale.ROOT) + "." + key.toLowerCase(Locale.ROOT);
        if (!declared.containsKey(id)) {
            // a getter for an undeclared key is a bug in the module, not in the operator's file
            throw new IllegalArgumentException(file + ": key " + section + "." + key + " was not declared to load()");
        }
        return id;
    }

    private static boolean isName(String s) {
        if (s.isEmpty() || !Character.isLetter(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isLetterOrDigit(c) && c != '-' && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static String stripComment(String s) {
        int c = indexOfComment(s);
        return (c < 0 ? s : s.substring(0, c)).strip();
    }

    private static int indexOfComment(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '#' || s.charAt(i) == ';') {
                return i;
            }
        }
        return -1;
    }

    /** gcfg value syntax: unquoted text is trimmed, quotes protect comment characters, escapes inside quotes. */
    private static String parseValue(String raw) {
        StringBuilder out = new StringBuilder();
        boolean quoted = false;
        int pendingSpaces = 0;
        String s = raw.strip();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!quoted && (c == '#' || c == ';')) {
                break;
            }
            if (c == '"') {
                quoted = !quoted;
                continue;
            }
            if (c == '\\') {
                if (i + 1 >= s.length()) {
                    throw new IllegalArgumentException("value ends with a lone backslash");
                }
                char n = s.charAt(++i);
                switch (n) {
                    case '"' -> out.append('"');
                    case '\\' -> out.append('\\');
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    default -> throw new IllegalArgumentException("unknown escape \\" + n);
                }
                pendingSpaces = 0;
                continue;
            }
            if (!quoted && Character.isWhitespace(c)) {
                pendingSpaces++;
                out.append(c);
                continue;
            }
            pendingSpaces = 0;
            out.append(c);
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quote in value: " + raw.strip());
        }
        // unquoted whitespace before a trailing comment is not part of the value
        return out.substring(0, out.length() - pendingSpaces);
    }

    private static String knownSections(Map<String, String> declared) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        declared.values().forEach(k -> out.add("[" + k.substring(0, k.indexOf('.')) + "]"));
        return String.join(", ", out);
    }

    private static String knownKeys(Map<String, String> declared, String section) {
        List<String> out = new ArrayList<>();
        declared.forEach((id, k) -> {
            if (id.startsWith(section + ".")) {
                out.add(k.substring(k.indexOf('.') + 1));
            }
        });
        return String.join(", ", out);
    }
}
