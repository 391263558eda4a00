package io.troupe.examples.cat;

import io.troupe.api.booster.BoosterConfig;
import io.troupe.api.booster.Command;
import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.DistResult;
import io.troupe.api.booster.Handler;
import io.troupe.api.booster.PreloadConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * The TBS custom-handler guide's example, in Java: runs the local command unchanged on a remote worker
 * ("cat a file on a remote machine"). No files travel; the remote stdout/stderr come straight back.
 */
public final class CatHandler implements Handler {

    /** The default rules file, looked up in the booster's config dir (TBS {@code dcConfig.GetFile}). */
    public static final String HOOK_CONFIG_FILE = "bk_custom_example_rules.json";

    /** Nothing to prepare in this scenario. */
    @Override
    public void preWork(BoosterConfig config) {}

    /** Nothing to clean up in this scenario. */
    @Override
    public void postWork(BoosterConfig config) {}

    /** Reads the hook rules: {@code --hook_config} when given, else {@value #HOOK_CONFIG_FILE} in the config dir. */
    @Override
    public PreloadConfig getPreloadConfig(BoosterConfig config) throws Exception {
        Path rules = config.hookConfig().orElseGet(() -> config.configFile(HOOK_CONFIG_FILE));
        return PreloadConfig.fromFile(rules);
    }

    /** Sends the command as it is: the program and its arguments, no input or result files. */
    @Override
    public DistCommand preExecute(List<String> command) throws Exception {
        if (command.isEmpty()) {
            throw new Exception("invalid command and params");
        }
        return DistCommand.of(Command.of(command.get(0), command.subList(1, command.size())));
    }

    /** The remote run counts only if it exited 0. */
    @Override
    public void postExecute(DistResult result) throws Exception {
        if (result != null && !result.results().isEmpty() && result.results().get(0).retCode() == 0) {
            return;
        }
        throw new Exception("remote execute error");
    }

    /** Nothing to do after a sub-work in this scenario. */
    @Override
    public void finalExecute(List<String> command) {}
}
