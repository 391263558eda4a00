package io.troupe.booster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class AbsoluteInputsTest {

    @Test
    void absolutePathsLiveUnderAbsInTheSandbox() {
        assertEquals("_abs/usr/include/x.h", AbsoluteInputs.sandboxPath("/usr/include/x.h"));
        assertEquals("src/a.c", AbsoluteInputs.sandboxPath("src/a.c"));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AbsoluteInputs.sandboxPath("/usr/../etc/passwd"));
        assertEquals("input file path '/usr/../etc/passwd' escapes with '..'", error.getMessage());
    }

    @Test
    void argumentsNamingThemOrTheirDirectoriesAreRewritten() {
        List<String> declared = List.of("/usr/include/x.h", "/opt/sdk/lib/crt.o");
        assertEquals(List.of("-I_abs/usr/include", "-c", "_abs/usr/include/x.h", "--sysroot=_abs/opt/sdk",
                        "/usr/lib/other", "-o", "out.o", "-DPATH=/x"),
                AbsoluteInputs.rewrite(List.of("-I/usr/include", "-c", "/usr/include/x.h", "--sysroot=/opt/sdk",
                        "/usr/lib/other", "-o", "out.o", "-DPATH=/x"), declared));
    }
}
