package io.troupe.api.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.troupe.api.fuzz.FuzzLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the INI loader ({@link ModuleConf}, BFE's gcfg format) and its typed getters: only
 * {@link ConfigFileException} naming the file may come out. Seeds: {@code ModuleConfFuzzTestInputs/load}.
 */
@Tag("fuzz")
class ModuleConfFuzzTest {
    private static final Path ROOT;
    private static final Path FILE;

    static {
        try {
            ROOT = FuzzLimits.scratchDir("moduleconf-fuzz");
            FILE = ROOT.resolve("mod_fuzz.conf");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void load(byte[] input) throws IOException {
        Files.write(FILE, input);
        long start = System.nanoTime();
        try {
            ModuleConf conf = ModuleConf.load(FILE, ROOT, "Basic.DataPath", "Basic.Enable", "Basic.Name",
                    "Basic.Limit", "Log.OpenDebug");
            conf.string("Basic", "Name", "");
            conf.list("Basic", "Name");
            conf.path("Basic", "DataPath", "mod_fuzz/fuzz.data");
            conf.bool("Log", "OpenDebug", false);
            conf.bool("Basic", "Enable", true);
            conf.integer("Basic", "Limit", 0);
            conf.warnings();
        } catch (ConfigFileException e) {
            assertEquals(FILE, e.file(), "a load error names the file");
        }
        FuzzLimits.checkTime(start, input.length + " bytes");
    }
}
