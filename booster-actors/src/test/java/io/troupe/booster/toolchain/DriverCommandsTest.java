package io.troupe.booster.toolchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriverCommandsTest {

    @Test
    void wordsReadTheDriversQuoting() {
        assertEquals(List.of("/usr/lib/gcc/cc1", "-E", "-mtune=generic", "-DX=\"a b\"", "back\\slash", "$HOME", "t.c"),
                DriverCommands.words(" /usr/lib/gcc/cc1 -E \"-mtune=generic\" \"-DX=\\\"a b\\\"\" \"back\\\\slash\" \"\\$HOME\" t.c"));
        assertNull(DriverCommands.words(" /usr/lib/gcc/cc1 \"-DX=open"));
    }

    @Test
    void parseTakesOneCc1WithTheVariablesSetBeforeIt() {
        String printed = """
                Using built-in specs.
                COLLECT_GCC=gcc
                OFFLOAD_TARGET_NAMES=nvptx-none
                Target: x86_64-linux-gnu
                Configured with: ../src/configure -v --prefix=/usr
                gcc version 12.2.0 (Debian 12.2.0-14)\s
                COLLECT_GCC_OPTIONS='-E' '-o' 't.i'
                 /usr/lib/gcc/x86_64-linux-gnu/12/cc1 -E -quiet t.c -o t.i "-march=x86-64"
                COMPILER_PATH=/usr/lib/gcc/
                COLLECT_GCC_OPTIONS='-E' '-o' 't.i' '-dumpdir' 't.'
                """;
        DriverCommands.Printed command = DriverCommands.parse(printed).orElseThrow();
        assertEquals(List.of("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-E", "-quiet", "t.c", "-o", "t.i", "-march=x86-64"),
                command.commands().get(0));
        assertFalse(command.piped());
        assertEquals(Map.of("COLLECT_GCC", "gcc", "OFFLOAD_TARGET_NAMES", "nvptx-none", "COLLECT_GCC_OPTIONS",
                "'-E' '-o' 't.i'"), command.env(), "only what is set before the command");
    }

    @Test
    void parseReadsAPipeAndRefusesMessagesAndMixes() {
        DriverCommands.Printed piped = DriverCommands.parse("""
                COLLECT_GCC_OPTIONS='-pipe' '-c'
                 /usr/lib/gcc/12/cc1 -fpreprocessed t.i -quiet "-march=x86-64" -o - |
                 as --64 -o t.o
                """).orElseThrow();
        assertTrue(piped.piped());
        assertEquals(List.of(List.of("/usr/lib/gcc/12/cc1", "-fpreprocessed", "t.i", "-quiet", "-march=x86-64", "-o", "-"),
                List.of("as", "--64", "-o", "t.o")), piped.commands());
        assertEquals("as", piped.program(1));
        DriverCommands.Printed quotedBar = DriverCommands.parse(" /usr/lib/gcc/12/cc1 -E \"|\"\n").orElseThrow();
        assertEquals(List.of("/usr/lib/gcc/12/cc1", "-E", "|"), quotedBar.commands().get(0), "a quoted | is an argument");
        assertFalse(quotedBar.piped());

        String cc1 = " /usr/lib/gcc/12/cc1 -E t.c -o t.i\n";
        assertTrue(DriverCommands.parse("gcc: warning: something\n" + cc1).isEmpty(), "a message from the driver");
        assertTrue(DriverCommands.parse(" /a/cc1 x -o - |\n /a/as x\n /usr/bin/objcopy y\n").isEmpty(), "piped and not");
        assertTrue(DriverCommands.parse("Using built-in specs.\n").isEmpty(), "no command");
        assertTrue(DriverCommands.parse(" /usr/lib/gcc/cc1 \"-DX=open\n").isEmpty(), "an open quote");
    }

    @Test
    void theLearntShapeMustEqualTheRealAnswer() {
        DriverCommands.Templated t = DriverCommands.template(List.of("-c", "-o", "lapi.o", "lapi.i"), "lapi.i");
        DriverCommands.Printed learnt = DriverCommands.parse(
                " /x/cc1 TrOuPeS0x.i -dumpbase TrOuPeO0x.i -o - |\n as -o TrOuPeO0x.o\n").orElseThrow();
        DriverCommands.Printed real = DriverCommands.parse(" /x/cc1 lapi.i -dumpbase lapi.i -o - |\n as -o lapi.o\n").orElseThrow();
        DriverCommands.Printed other = DriverCommands.parse(" /x/cc1 lapi.i -dumpbase LAPI.i -o - |\n as -o lapi.o\n").orElseThrow();
        assertEquals(real, learnt.filled(t.values()));
        assertNotEquals(other, learnt.filled(t.values()));
    }

    @Test
    void theTemplateTakesOutTheStemsAndTheDependencyNames() {
        DriverCommands.Templated t = DriverCommands.template(List.of("-O2", "-MD", "-MF", ".deps/lapi.Tpo", "-MT",
                "lapi.lo", "src/lapi.c", "-E", "-o", "/tmp/u/17-lapi.i"), "src/lapi.c");
        assertEquals(List.of("-O2", "-MD", "-MF", "TrOuPeA3x", "-MT", "TrOuPeA5x", "src/TrOuPeS0x.c", "-E", "-o",
                "/tmp/u/TrOuPeO0x.i"), t.argv());
        assertEquals(Map.of("TrOuPeA3x", ".deps/lapi.Tpo", "TrOuPeA5x", "lapi.lo", "TrOuPeS0x", "lapi",
                "TrOuPeO0x", "17-lapi"), t.values());
        assertNull(DriverCommands.template(List.of("a.c", "a.c", "-E", "-o", "u.i"), "a.c"), "the source twice");
        assertNull(DriverCommands.template(List.of("a.c", "-E", "-o", "u.i"), "b.c"), "no source");
        assertNull(DriverCommands.template(List.of("a.c", "-E"), "a.c"), "no -o");
        assertNull(DriverCommands.template(List.of("-o", "x.o", "a.c", "-o", "u.i"), "a.c"), "two -o");
        assertNull(DriverCommands.template(List.of("-DTrOuPe", "a.c", "-E", "-o", "u.i"), "a.c"), "a token in it");
        assertNull(DriverCommands.template(List.of(".c", "-E", "-o", "u.i"), ".c"), "no stem");
    }
}
