package io.troupe.module.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A BFE module {@code .conf} (gcfg INI): section and key names are case-insensitive, {@code #} and {@code ;}
 * start comments, a value may be double-quoted, a repeated key makes a list, an unknown key is an error.
 */
public final class Ini {
    private final Path file;
    /** lower-case "section.key" → values in order */
    private final Map<String, List<String>> values;

    private Ini(Path file, Map<String, List<String>> values) {
        this.file = file;
        this.values = values;
    }

    /**
     * Reads {@code file}, accepting only the keys in {@code known} (written {@code Section.Key}, any case).
     */
    public static Ini load(Path file, Set<String> known) throws DataFileException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DataFileException(file, "", "cannot read: " + e.getMessage(), e);
        }
        Set<String> allowed = new java.util.HashSet<>();
        known.forEach(k -> allowed.add(k.toLowerCase(Locale.ROOT)));
        Map<String, List<String>> values = new LinkedHashMap<>();
        String section = null;
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                int end = line.indexOf(']');
                if (end < 0) {
                    throw new DataFileException(file, "line " + n, "section header without ]");
                }
                section = line.substring(1, end).strip().toLowerCase(Locale.ROOT);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0 || section == null) {
                throw new DataFileException(file, "line " + n, section == null
                        ? "key outside any [section]" : "expected key = value");
            }
            String key = line.substring(0, eq).strip();
            String full = section + "." + key.toLowerCase(Locale.ROOT);
            if (!allowed.contains(full)) {
                throw new DataFileException(file, "[" + section + "] " + key, "unknown key");
            }
            values.computeIfAbsent(full, k -> new ArrayList<>()).add(value(file, n, line.substring(eq + 1).strip()));
        }
        return new Ini(file, values);
    }

    private static String value(Path file, int n, String v) throws DataFileException {
        if (!v.startsWith("\"")) {
            int c = indexOfComment(v);
            return (c < 0 ? v : v.substring(0, c)).strip();
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (ch == '\\' && i + 1 < v.length()) {
                char e = v.charAt(++i);
                sb.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> e;
                });
            } else if (ch == '"') {
                return sb.toString();
            } else {
                sb.append(ch);
            }
        }
        throw new DataFileException(file, "line " + n, "unterminated quoted value");
    }

    private static int indexOfComment(String v) {
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if ((ch == '#' || ch == ';') && (i == 0 || Character.isWhitespace(v.charAt(i - 1)))) {
                return i;
            }
        }
        return -1;
    }

    public Path file() {
        return file;
    }

    /** The last value of {@code section.key}, or {@code dflt} when absent. */
    public String get(String sectionKey, String dflt) {
        List<String> v = values.get(sectionKey.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? dflt : v.get(v.size() - 1);
    }

    /** Every value of a repeated key, in order. */
    public List<String> all(String sectionKey) {
        return values.getOrDefault(sectionKey.toLowerCase(Locale.ROOT), List.of());
    }

    public boolean bool(String sectionKey, boolean dflt) throws DataFileException {
        String v = get(sectionKey, null);
        if (v == null) {
            return dflt;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0", "" -> false;
            default -> throw new DataFileException(file, sectionKey, "not a boolean: " + v);
        };
    }

    public int integer(String sectionKey, int dflt) throws DataFileException {
        String v = get(sectionKey, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new DataFileException(file, sectionKey, "not an integer: " + v);
        }
    }

    /** BFE's ConfPathProc: a relative path is taken relative to the conf root. */
    public static Path resolve(Path confRoot, String path) {
        Path p = Path.of(path);
        return p.isAbsolute() || confRoot == null ? p : confRoot.resolve(p).normalize();
    }
}
