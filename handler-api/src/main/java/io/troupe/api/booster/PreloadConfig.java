package io.troupe.api.booster;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The interception rules of a work, in the TBS format:
 * {@code {"hooks":[{"src_command":"cat","target_command":"/path/booster-exec $SRC_CMD"}]}}.
 *
 * @param hooks the rules, first match wins
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PreloadConfig(@JsonProperty("hooks") List<HookRule> hooks) {

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    @JsonCreator
    public PreloadConfig {
        hooks = hooks == null ? List.of() : List.copyOf(hooks);
    }

    /** No rules. */
    public static PreloadConfig empty() {
        return new PreloadConfig(List.of());
    }

    /**
     * Reads a rules file.
     *
     * @throws IOException naming the file and what is wrong with it (missing, not JSON, a rule without
     *     {@code src_command} or {@code target_command})
     */
    public static PreloadConfig fromFile(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IOException("hook rules file " + file + " does not exist", e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses rules JSON; {@code source} names where it came from in error messages.
     *
     * @throws IOException naming {@code source} and the problem
     */
    public static PreloadConfig parse(String json, String source) throws IOException {
        PreloadConfig config;
        try {
            config = JSON.readValue(json, PreloadConfig.class);
        } catch (JacksonException e) {
            throw new IOException("hook rules " + source + ": malformed JSON at line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ": "
                    + e.getOriginalMessage(), e);
        }
        if (config == null) {
            throw new IOException("hook rules " + source + ": empty document, expected {\"hooks\":[...]}");
        }
        for (int i = 0; i < config.hooks().size(); i++) {
            HookRule rule = config.hooks().get(i);
            if (rule == null) {
                throw new IOException("hook rules " + source + ": hooks[" + i + "] is null");
            }
            if (rule.srcCommand() == null || rule.srcCommand().isBlank()) {
                throw new IOException("hook rules " + source + ": hooks[" + i + "].src_command is missing");
            }
            if (rule.targetCommand() == null || rule.targetCommand().isBlank()) {
                throw new IOException("hook rules " + source + ": hooks[" + i + "].target_command is missing");
            }
        }
        return config;
    }
}
