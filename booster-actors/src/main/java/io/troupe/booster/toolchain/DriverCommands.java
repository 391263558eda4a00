package io.troupe.booster.toolchain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a gcc driver prints under {@code -###}: the programs it would run, and the variables it sets for them. The
 * driver's own start is about a millisecond of a trivial compile; its command for a command line's shape (the
 * command line with the source's and the output's file stems, and the values of {@code -MF}, {@code -MT} and
 * {@code -MQ}, taken out) is learnt once and reused with the names put back: {@link #template} takes them out,
 * {@link Printed#filled} puts them back. A learnt shape is trusted only when the driver's answer for the real
 * names equals the learnt one with them put back ({@link DriverShapes} checks).
 */
public final class DriverCommands {
    private static final String TOKEN = "TrOuPe";
    private static final String SOURCE_STEM = TOKEN + "S0x";
    private static final String OUTPUT_STEM = TOKEN + "O0x";
    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Z_][A-Z0-9_]*=.*");
    private static final Pattern MESSAGE = Pattern.compile("^\\S*: (warning|error|fatal error|note): .*");

    private DriverCommands() {}

    /**
     * A {@code -###} answer.
     *
     * @param commands the programs in order, each its argv
     * @param piped whether each command's output is piped to the next (gcc's {@code -pipe}); else they run in turn
     * @param env what the driver puts in its programs' environment before the first ({@code COLLECT_GCC}, ...)
     */
    public record Printed(List<List<String>> commands, boolean piped, Map<String, String> env) {
        public Printed {
            commands = List.copyOf(commands);
            env = Map.copyOf(env);
        }

        /** This answer, learnt with the names taken out, with {@code values} put back. */
        public Printed filled(Map<String, String> values) {
            List<List<String>> out = new ArrayList<>(commands.size());
            for (List<String> command : commands) {
                out.add(substitute(command, values));
            }
            return new Printed(out, piped, substitute(env, values));
        }

        /** The file name of command {@code index}'s program. */
        public String program(int index) {
            String path = commands.get(index).get(0);
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    /** A command line with its names taken out, and the names. */
    public record Templated(List<String> argv, Map<String, String> values) {}

    /**
     * The commands of a {@code -###} answer (read in the C locale); empty when the driver printed a message, a
     * command line that does not parse, or a mix of piped and sequential programs.
     */
    public static Optional<Printed> parse(String printed) {
        List<List<String>> commands = new ArrayList<>();
        Map<String, String> env = new HashMap<>();
        int pipes = 0;
        for (String line : printed.split("\n")) {
            if (line.startsWith(" ")) {
                List<String> words = words(line);
                if (words == null) {
                    return Optional.empty();
                }
                if (!words.isEmpty() && words.get(words.size() - 1).equals("|") && !line.endsWith("\"|\"")) {
                    words = words.subList(0, words.size() - 1); // this program's output goes to the next one
                    pipes++;
                }
                if (!words.isEmpty()) {
                    commands.add(List.copyOf(words));
                }
            } else if (commands.isEmpty() && ASSIGNMENT.matcher(line).matches()) {
                int eq = line.indexOf('=');
                env.put(line.substring(0, eq), line.substring(eq + 1));
            } else if (MESSAGE.matcher(line).matches()) {
                return Optional.empty();
            }
        }
        if (commands.isEmpty() || (pipes != 0 && pipes != commands.size() - 1)) {
            return Optional.empty();
        }
        return Optional.of(new Printed(commands, pipes > 0, env));
    }

    /**
     * The words of one {@code -###} command line: bare words end at a space; a quoted one runs to its closing quote,
     * with a backslash escaping the next character (how the driver prints {@code "}, {@code \} and {@code $}); null
     * when a quote is not closed.
     */
    public static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c == '"') {
                StringBuilder word = new StringBuilder();
                i++;
                while (i < n && line.charAt(i) != '"') {
                    if (line.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    word.append(line.charAt(i++));
                }
                if (i >= n) {
                    return null;
                }
                i++;
                words.add(word.toString());
            } else {
                int end = line.indexOf(' ', i);
                end = end < 0 ? n : end;
                words.add(line.substring(i, end));
                i = end;
            }
        }
        return words;
    }

    /**
     * The command line with the source's and the output's ({@code -o}) stems and the {@code -MF}/{@code -MT}/{@code -MQ}
     * values replaced by tokens; null when it cannot be (the source not named once, not one {@code -o}, a name with
     * no stem, a token already in it).
     */
    public static Templated template(List<String> argv, String source) {
        int n = argv.size();
        int outputs = 0;
        int sources = 0;
        Map<String, String> values = new HashMap<>();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String arg = argv.get(i);
            if (arg.contains(TOKEN)) {
                return null;
            }
            String previous = i > 0 ? argv.get(i - 1) : "";
            if (previous.equals("-o")) {
                outputs++;
                arg = stemToken(arg, OUTPUT_STEM, values);
            } else if (arg.equals(source)) {
                sources++;
                arg = stemToken(arg, SOURCE_STEM, values);
            } else if (previous.equals("-MF") || previous.equals("-MT") || previous.equals("-MQ")) {
                String token = TOKEN + "A" + i + "x";
                values.put(token, arg);
                arg = token;
            }
            if (arg == null) {
                return null;
            }
            out.add(arg);
        }
        return sources == 1 && outputs == 1 ? new Templated(out, values) : null;
    }

    /** {@code dir/stem.ext} as {@code dir/<token>.ext}, the stem remembered; null without one (a name like {@code .c}). */
    private static String stemToken(String path, String token, Map<String, String> values) {
        int slash = path.lastIndexOf('/');
        String name = path.substring(slash + 1);
        if (name.isEmpty() || name.startsWith(".") || name.startsWith("-") || name.startsWith("@")) {
            return null;
        }
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        values.put(token, stem);
        return path.substring(0, slash + 1) + token + name.substring(stem.length());
    }

    private static List<String> substitute(List<String> words, Map<String, String> values) {
        List<String> out = new ArrayList<>(words.size());
        for (String word : words) {
            out.add(substitute(word, values));
        }
        return out;
    }

    private static Map<String, String> substitute(Map<String, String> env, Map<String, String> values) {
        Map<String, String> out = new HashMap<>();
        env.forEach((name, value) -> out.put(name, substitute(value, values)));
        return out;
    }

    private static String substitute(String word, Map<String, String> values) {
        if (!word.contains(TOKEN)) {
            return word;
        }
        String out = word;
        for (Map.Entry<String, String> value : values.entrySet()) {
            out = out.replace(value.getKey(), value.getValue());
        }
        return out;
    }
}
