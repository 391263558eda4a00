package io.troupe.api.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFileTest {

    @TempDir
    Path dir;

    record Action(String cmd, List<String> params) {}

    record Rule(String cond, String name, Action action) {}

    private Path write(String json) throws Exception {
        Path f = dir.resolve("rules.data");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void keysMatchCaseInsensitivelyAndBindToRecords() throws Exception {
        DataFile f = DataFile.load(write("""
                {"version": "v1", "CONFIG": {"p": [{"cond": "default_t()", "NAME": "r1",
                  "Action": {"Cmd": "CLOSE", "params": []}, "Unknown": 1}], "q": null, "e": []}}
                """));
        assertEquals("v1", f.version());
        Map<String, List<Rule>> m = f.bindConfig(new TypeReference<>() {});
        Rule r = m.get("p").get(0);
        assertEquals("default_t()", r.cond());
        assertEquals("r1", r.name());
        assertEquals("CLOSE", r.action().cmd());
        assertEquals(List.of(), r.action().params());
        assertTrue(m.containsKey("q"));
        assertNull(m.get("q"));
        assertEquals(List.of(), m.get("e"));
        assertEquals("CLOSE", DataFile.field(DataFile.field(f.config().get("p").get(0), "action"), "cmd").asText());
    }

    @Test
    void envelopeErrorsNameFileAndField() throws Exception {
        ConfigFileException v = assertThrows(ConfigFileException.class, () -> DataFile.load(write("{\"Config\": {}}")));
        assertTrue(v.getMessage().contains("rules.data: Version: missing"), v.getMessage());
        ConfigFileException n = assertThrows(ConfigFileException.class,
                () -> DataFile.load(write("{\"Version\": 1, \"Config\": {}}")));
        assertTrue(n.getMessage().contains("Version: must be a string"), n.getMessage());
        ConfigFileException c = assertThrows(ConfigFileException.class,
                () -> DataFile.load(write("{\"Version\": \"1\", \"Config\": null}")));
        assertTrue(c.getMessage().contains("Config: missing"), c.getMessage());
        ConfigFileException j = assertThrows(ConfigFileException.class,
                () -> DataFile.load(write("{\"Version\": \"1\", \"Config\": {},}")));
        assertTrue(j.getMessage().contains("not valid JSON"), j.getMessage());
        assertThrows(ConfigFileException.class, () -> DataFile.load(write("{\"Version\": \"1\", \"Config\": {}} x")));
    }

    @Test
    void bindErrorsNameTheFieldPath() throws Exception {
        DataFile f = DataFile.load(write("{\"Version\": \"1\", \"Config\": {\"p\": [{\"Name\": \"a\", \"Action\": 5}]}}"));
        ConfigFileException e = assertThrows(ConfigFileException.class,
                () -> f.bindConfig(new TypeReference<Map<String, List<Rule>>>() {}));
        assertTrue(e.getMessage().contains("Config.p[0].Action"), e.getMessage());
    }
}
