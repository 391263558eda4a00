package io.troupe.api.booster;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One interception rule: run {@code targetCommand} instead of any command matching {@code srcCommand}.
 *
 * @param srcCommand the command to catch: a plain name ({@code cat}), a path, or a glob ({@code *}{@code /gcc})
 * @param targetCommand what runs instead; {@code $SRC_CMD} stands for the caught command line
 */
public record HookRule(
        @JsonProperty("src_command") String srcCommand,
        @JsonProperty("target_command") String targetCommand) {

    @JsonCreator
    public HookRule {}
}
