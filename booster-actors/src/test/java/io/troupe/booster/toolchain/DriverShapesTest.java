package io.troupe.booster.toolchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DriverShapesTest {

    /** A driver that answers with one program named after the arguments' last word. */
    private static Optional<DriverCommands.Printed> answer(List<String> params) {
        return DriverCommands.parse("COLLECT_GCC=gcc\n /x/cc1 -E " + String.join(" ", params) + "\n");
    }

    private static Optional<DriverCommands.Printed> ask(DriverShapes shapes, String flag, String source) throws Exception {
        List<String> params = List.of(flag, source, "-E", "-o", "u.i");
        return shapes.answerFor("gcc", "", Map.of("PATH", "/bin"), params, DriverCommands.template(params, source),
                p -> true, DriverShapesTest::answer);
    }

    @Test
    void shapesAreKeptUpToTheCapacityThenForgotten() throws Exception {
        DriverShapes shapes = new DriverShapes(2);
        assertEquals(List.of("/x/cc1", "-E", "-O1", "a.c", "-E", "-o", "u.i"), ask(shapes, "-O1", "a.c").orElseThrow()
                .commands().get(0));
        assertEquals(List.of("/x/cc1", "-E", "-O1", "b.c", "-E", "-o", "u.i"), ask(shapes, "-O1", "b.c").orElseThrow()
                .commands().get(0), "the learnt shape, with b.c put back");
        assertEquals(2, shapes.asked());
        ask(shapes, "-O2", "a.c");
        assertEquals(4, shapes.asked(), "a second shape");
        ask(shapes, "-O3", "a.c");
        assertEquals(6, shapes.asked(), "a third: the two before are forgotten");
        ask(shapes, "-O1", "c.c");
        assertEquals(8, shapes.asked(), "so the first is asked again");
    }

    @Test
    void anAnswerTheCallerCannotRunIsAskedOnceAndKeptAsARefusal() throws Exception {
        DriverShapes shapes = new DriverShapes(8);
        List<String> params = List.of("a.c", "-E", "-o", "u.i");
        assertTrue(shapes.answerFor("gcc", "", Map.of(), params, DriverCommands.template(params, "a.c"), p -> false,
                DriverShapesTest::answer).isEmpty());
        assertTrue(shapes.answerFor("gcc", "", Map.of(), params, DriverCommands.template(params, "a.c"), p -> false,
                DriverShapesTest::answer).isEmpty());
        assertEquals(1, shapes.asked(), "the real names are not asked for a refused shape, nor the shape again");
    }

    @Test
    void anAnswerFromAnotherProgramThanTheOneRunIsRefused() throws Exception {
        DriverShapes shapes = new DriverShapes(8);
        List<String> params = List.of("a.c", "-E", "-o", "u.i");
        // a wrapper named /usr/lib/ccache/gcc that runs gcc: gcc's answer names gcc, and running it would bypass the wrapper
        assertTrue(shapes.answerFor("/usr/lib/ccache/gcc", "", Map.of(), params, DriverCommands.template(params, "a.c"),
                p -> true, DriverShapesTest::answer).isEmpty());
        assertTrue(shapes.answerFor("gcc", "", Map.of(), params, DriverCommands.template(params, "a.c"), p -> true,
                DriverShapesTest::answer).isPresent());
    }

    @Test
    void aRelocatedDriverKeepsItsPrograms() throws Exception {
        // it sets GCC_EXEC_PREFIX for cc1 without printing it; -iprefix in its answer tells it
        DriverShapes shapes = new DriverShapes(8);
        List<String> params = List.of("a.c", "-E", "-o", "u.i");
        assertTrue(shapes.answerFor("gcc", "", Map.of(), params, DriverCommands.template(params, "a.c"), p -> true,
                asked -> DriverCommands.parse("COLLECT_GCC=gcc\n /opt/x/lib/gcc/cc1 -E -iprefix /opt/x/bin/../lib/gcc/x/12/ "
                        + String.join(" ", asked) + "\n")).isEmpty());
    }
}
