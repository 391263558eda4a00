package io.troupe.module.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.WebHandlers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModuleOrderTest {

    record M(String name, String orderAfter) implements Module {
        @Override
        public void init(Callbacks callbacks, WebHandlers web, Path confRoot) {
        }
    }

    @Test
    void builtinsFollowBfeOrderWhateverTheConfigOrder() {
        List<Module> sorted = ModuleOrder.sort(List.of(new M("mod_access", null), new M("mod_header", null),
                new M("mod_block", null), new M("mod_trust_clientip", null)));
        assertEquals(List.of("mod_trust_clientip", "mod_block", "mod_header", "mod_access"), ModuleOrder.names(sorted));
    }

    @Test
    void thirdPartyModulesGoAfterTheirDeclaredModuleOrAtTheEnd() {
        List<Module> sorted = ModuleOrder.sort(List.of(
                new M("mod_z", null), new M("mod_hello", "mod_block"), new M("mod_access", null),
                new M("mod_a", null), new M("mod_block", null), new M("mod_after_hello", "mod_hello"),
                new M("mod_before_header", "mod_rewrite"), new M("mod_header", null)));
        assertEquals(List.of("mod_block", "mod_hello", "mod_after_hello", "mod_before_header", "mod_header",
                "mod_access", "mod_z", "mod_a"), ModuleOrder.names(sorted));
    }

    @Test
    void unknownPositionOrCycleIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModuleOrder.sort(List.of(new M("mod_x", "mod_nowhere"))));
        assertTrue(e.getMessage().contains("mod_x") && e.getMessage().contains("mod_nowhere"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ModuleOrder.sort(List.of(new M("mod_x", "mod_y"), new M("mod_y", "mod_x"))));
    }
}
