package io.troupe.module.header;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.troupe.module.runtime.ModuleLoader;
import io.troupe.module.runtime.ModuleOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The four modules are found by name through ServiceLoader and run in BFE's order whatever the config order. */
class BuiltinDiscoveryTest {
    @Test
    void foundByNameInBfeOrder() {
        ModuleLoader.Available a = ModuleLoader.discover(Path.of("target/no-modules-dir"), getClass().getClassLoader());
        List<String> order = ModuleOrder.names(a.select(
                List.of("mod_header", "mod_rewrite", "mod_redirect", "mod_trust_clientip")));
        assertEquals(List.of("mod_trust_clientip", "mod_redirect", "mod_rewrite", "mod_header"), order);
    }
}
