package io.troupe.api.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.type.TypeReference;
import io.troupe.api.condition.ConditionException;
import io.troupe.api.condition.Conditions;
import io.troupe.api.fuzz.FuzzLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the BFE {@code .data} loader the way a module uses it: {@link DataFile#load}, binding {@code Config}
 * to product rules and building each rule's condition. Only {@link ConfigFileException} (naming the file) or
 * {@link ConditionException} may come out. Seeds: {@code DataFileFuzzTestInputs/load}.
 */
@Tag("fuzz")
class DataFileFuzzTest {
    record Action(String cmd, List<String> params) {}

    record Rule(String cond, String name, Action action, Boolean enable) {}

    private static final Path FILE;

    static {
        try {
            FILE = FuzzLimits.scratchDir("datafile-fuzz").resolve("rules.data");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void load(byte[] input) throws IOException {
        Files.write(FILE, input);
        long start = System.nanoTime();
        try {
            DataFile data = DataFile.load(FILE);
            assertNotNull(data.version());
            Map<String, List<Rule>> products = data.bindConfig(new TypeReference<>() {});
            for (List<Rule> rules : products.values()) {
                for (Rule rule : rules == null ? List.<Rule>of() : rules) {
                    if (rule != null && rule.cond() != null) {
                        Conditions.build(rule.cond());
                    }
                }
            }
        } catch (ConfigFileException e) {
            assertEquals(FILE, e.file(), "a load error names the file");
        } catch (ConditionException e) {
            assertNotNull(e.getMessage());
        }
        FuzzLimits.checkTime(start, input.length + " bytes");
    }
}
