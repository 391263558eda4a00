package io.troupe.booster.handler.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The classifier as a table: each compiler command line maps to "local" with (part of) its reason, or "remote"
 * with the exact remote argv (program first), the result files after {@code |}, and optionally the directory the
 * sandbox stands for ({@code dir=...}). The commands run in {@value #CWD}.
 */
class CcArgsTest {

    static final String CWD = "/home/u/proj";

    private static final Map<String, String> RESPONSES = Map.of(
            CWD + "/args.rsp", "-O2 -DX=\"a b\"\n  foo.c",
            CWD + "/nested.rsp", "-c @args.rsp",
            CWD + "/bad.rsp", "-DX='unterminated");

    private static final String TABLE = """
            gcc -c foo.c                                  => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c foo.c -o foo.o                         => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            /usr/bin/gcc -O2 -c src/foo.c -o obj/foo.o    => remote gcc -O2 -c -pipe -o obj/foo.o -x cpp-output obj/foo.i | obj/foo.o
            g++ -std=c++17 -Wall -c a.cpp -o a.o          => remote g++ -std=c++17 -Wall -c -pipe -o a.o -x c++-cpp-output a.ii | a.o
            g++ -c a.c -o a.o                             => remote g++ -c -pipe -o a.o -x c++-cpp-output a.ii | a.o
            gcc -c foo.cpp -o foo.o                       => remote gcc -c -pipe -o foo.o -x c++-cpp-output foo.ii | foo.o
            cc -c -DX=1 -Iinc -I inc2 -include cfg.h foo.c => remote cc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            c++ -c x.cc                                   => remote c++ -c -pipe -o x.o -x c++-cpp-output x.ii | x.o
            c++ -c x.C -o x.o                             => remote c++ -c -pipe -o x.o -x c++-cpp-output x.ii | x.o
            clang -c foo.c -o foo.o                       => remote clang -c -o foo.o -x cpp-output foo.i | foo.o
            clang++ -g -c a.cpp -o a.o                    => remote clang++ -g -c -o a.o -fdebug-compilation-dir=/home/u/proj -x c++-cpp-output a.ii | a.o
            clang -g0 -c foo.c                            => remote clang -g0 -c -o foo.o -x cpp-output foo.i | foo.o
            gcc-12 -c foo.c                               => remote gcc-12 -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            x86_64-linux-gnu-g++-12 -c a.cxx -o a.o       => remote x86_64-linux-gnu-g++-12 -c -pipe -o a.o -x c++-cpp-output a.ii | a.o
            /usr/bin/x86_64-linux-gnu-gcc-12 -c foo.c     => remote x86_64-linux-gnu-gcc-12 -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            x86_64-linux-gnu-gcc -c foo.c                 => remote x86_64-linux-gnu-gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            clang-16 -O2 -c foo.c                         => remote clang-16 -O2 -c -o foo.o -x cpp-output foo.i | foo.o
            /opt/llvm/bin/clang++-16.0 -c a.cc            => remote clang++-16.0 -c -o a.o -x c++-cpp-output a.ii | a.o
            gcc -g -c foo.c -o foo.o                      => remote gcc -g -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -ggdb3 -O0 -c foo.c                       => remote gcc -ggdb3 -O0 -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -gsplit-dwarf -g -c foo.c -o obj/foo.o    => remote gcc -gsplit-dwarf -g -c -pipe -o obj/foo.o -x cpp-output obj/foo.i | obj/foo.o obj/foo.dwo
            gcc -fstack-usage -c foo.c -o foo.o           => remote gcc -fstack-usage -c -pipe -o foo.o -x cpp-output foo.i | foo.o foo.su
            gcc -c foo.c -o obj/f.o -MD -gsplit-dwarf -fstack-usage => remote gcc -gsplit-dwarf -fstack-usage -c -pipe -o obj/f.o -x cpp-output obj/foo.i | obj/f.o obj/f.su obj/f.dwo
            gcc -MD -c foo.c -o obj/foo.o                 => remote gcc -c -pipe -o obj/foo.o -x cpp-output obj/foo.i | obj/foo.o
            gcc -MMD -MP -MF deps/foo.d -MT foo.o -c foo.c => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -MD -MF /dev/null -c foo.c                => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c foo.c -o /home/u/proj/build/foo.o      => remote dir=/home/u/proj/build gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c ../src/foo.c -o ../obj/foo.o           => remote dir=/home/u/obj gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c /abs/src/foo.c -o CMakeFiles/t.dir/foo.c.o => remote gcc -c -pipe -o CMakeFiles/t.dir/foo.c.o -x cpp-output CMakeFiles/t.dir/foo.i | CMakeFiles/t.dir/foo.c.o
            gcc -c -fPIC -pthread foo.c                   => remote gcc -fPIC -pthread -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -S foo.c                                  => remote gcc -S -o foo.s -x cpp-output foo.i | foo.s
            gcc -S foo.c -o out.s                         => remote gcc -S -o out.s -x cpp-output foo.i | out.s
            gcc -pipe -O2 -c foo.c                        => remote gcc -pipe -O2 -c -o foo.o -x cpp-output foo.i | foo.o
            gcc -c -x c foo.txt -o foo.o                  => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c -xc++ foo.txt -o foo.o                 => remote gcc -c -pipe -o foo.o -x c++-cpp-output foo.ii | foo.o
            gcc -c --sysroot=/opt/sr foo.c                => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c --sysroot /opt/sr foo.c                => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c -isystem /opt/inc -iquote q -idirafter d foo.c => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c -Wp,-DFOO -nostdinc -undef foo.c       => remote gcc -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c -Xlinker --foo -Xassembler --bar foo.c => remote gcc -Xlinker --foo -Xassembler --bar -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c -fsanitize=address -fno-omit-frame-pointer foo.c => remote gcc -fsanitize=address -fno-omit-frame-pointer -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            clang -target aarch64-linux-gnu -c foo.c      => remote clang -target aarch64-linux-gnu -c -o foo.o -x cpp-output foo.i | foo.o
            gcc -c -std=gnu11 -O3 -flto foo.c             => remote gcc -std=gnu11 -O3 -flto -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c @args.rsp                              => remote gcc -O2 -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc @nested.rsp -o n.o                        => remote gcc -O2 -c -pipe -o n.o -x cpp-output foo.i | n.o
            /usr/bin/c++ -DNDEBUG -I/src/inc -O3 -MD -MT CMakeFiles/app.dir/m.cpp.o -MF CMakeFiles/app.dir/m.cpp.o.d -o CMakeFiles/app.dir/m.cpp.o -c /src/m.cpp => remote c++ -O3 -c -pipe -o CMakeFiles/app.dir/m.cpp.o -x c++-cpp-output CMakeFiles/app.dir/m.ii | CMakeFiles/app.dir/m.cpp.o
            gcc -std=gnu99 -O2 -Wall -Wextra -DLUA_COMPAT_5_3 -DLUA_USE_LINUX -c -o lapi.o lapi.c => remote gcc -std=gnu99 -O2 -Wall -Wextra -c -pipe -o lapi.o -x cpp-output lapi.i | lapi.o
            gcc -c foo.c -o foo.i                         => remote gcc -c -pipe -o foo.i -x cpp-output foo.i.troupe | foo.i
            gcc -c @bad.rsp                               => local cannot be parsed
            gcc -c @missing.rsp                           => local cannot be read
            gcc -E foo.c                                  => local -E: preprocessing only
            gcc -E -c foo.c -o foo.o                      => local -E: preprocessing only
            gcc -M foo.c                                  => local -M without -MD
            gcc -MM -c foo.c                              => local -MM without -MD
            gcc -march=native -c foo.c                    => local the worker's CPU may differ
            gcc -mtune=native -O2 -c foo.c                => local the worker's CPU may differ
            clang -mcpu=native -c foo.c                   => local the worker's CPU may differ
            gcc -c foo.c -o -                             => local output to stdout
            gcc -x c -c - -o s.o                          => local input from stdin
            gcc -x c -c /dev/stdin -o s.o                 => local input from stdin or a device
            gcc -x c -c /dev/fd/0 -o s.o                  => local input from stdin or a device
            gcc -x c -c /proc/self/fd/0 -o s.o            => local input from stdin or a device
            gcc -c foo.c -o /dev/null                     => local output to a device
            gcc -fsyntax-only -c foo.c                    => local no object to bring back
            gcc -v -c foo.c                               => remote gcc -v -c -pipe -o foo.o -x cpp-output foo.i | foo.o
            gcc -c conftest.c                             => local conftest
            gcc -c -o conftest.o foo.c                    => local conftest
            g++ -x c++-header -c pch.h -o pch.h.gch       => local precompiled header
            g++ -c all.hpp                                => local precompiled header
            gcc -c foo.c -o foo.gch                       => local precompiled header
            gcc foo.c -o foo                              => local linking, or no -c/-S
            gcc foo.o bar.o -o app                        => local linking, or no -c/-S
            gcc -c a.c b.c                                => local more than one input file
            gcc -c                                        => local no input file
            gcc -c foo.c -o                               => local -o at the end of the command line has no value
            gcc -wrapper gdb,--args -c foo.c              => local -wrapper runs another program
            gcc -fplugin=./p.so -c foo.c                  => local compiler plugin
            gcc -fplugin-arg-p-x=1 -c foo.c               => local compiler plugin
            gcc -iplugindir=/p -c foo.c                   => local compiler plugin
            gcc -specs=my.specs -c foo.c                  => local spec file
            gcc -specs my.specs -c foo.c                  => local spec file
            gcc -B/opt/bin -c foo.c                       => local -B points the compiler
            gcc -B /opt/bin -c foo.c                      => local -B points the compiler
            clang -Xclang -load -Xclang ./p.so -c foo.c   => local clang plugin
            clang -fpass-plugin=./p.so -c foo.c           => local compiler plugin
            clang -gcc-toolchain /opt/gcc -c foo.c        => local tools of a client directory
            gcc -fprofile-use=/p/prof -c foo.c            => local profile data lives on the client
            gcc -fprofile-use -c foo.c                    => local profile data lives on the client
            gcc -fauto-profile=perf.afdo -c foo.c         => local profile data lives on the client
            gcc --coverage -c foo.c                       => local record the compiling directory
            gcc -fprofile-arcs -c foo.c                   => local record the compiling directory
            gcc -ftest-coverage -c foo.c                  => local record the compiling directory
            gcc -fprofile-generate -c foo.c               => local record the compiling directory
            gcc -save-temps -c foo.c                      => local -save-temps
            gcc -save-temps=obj -c foo.c                  => local -save-temps
            gcc -fdump-tree-all -c foo.c                  => local dump files
            gcc -fcallgraph-info -c foo.c                 => local -fcallgraph-info
            gcc -fopt-info-vec=vec.txt -c foo.c           => local writes a file
            clang -MJ cdb.json -c foo.c                   => local writes a file
            gcc -aux-info protos.txt -c foo.c             => local writes a file
            gcc -frecord-gcc-switches -c foo.c            => local records the compiler's command line
            gcc -g -fno-working-directory -c foo.c        => local DW_AT_comp_dir
            gcc -Wp,-MD,foo.d -c foo.c                    => local dependency output through -Wp
            gcc -MD -MF - -c foo.c                        => local dependency output to a stream
            gcc -MD -MF/dev/stdout -c foo.c               => local dependency output to a stream
            gcc --write-dependencies -c foo.c             => local spelled-out dependency option
            gcc --write-user-dep -c foo.c                 => local spelled-out dependency option
            gcc -O2 -g -Wa,-adhln=g.lst -c g.c -o g.o     => local assembler option -adhln=g.lst writes a file
            gcc -Wa,--MD=d.ad -c d.c -o d.o               => local assembler option --MD=d.ad writes a file
            gcc -Xassembler -al -c k.c                    => local assembler option -al writes a file
            gcc -O2 -S -fverbose-asm m.c -o m.s           => local -fverbose-asm quotes source lines
            clang -fmodules -c foo.c                      => local modules need module files
            g++ -fmodules-ts -c m.cc                      => local modules need module files
            clang -fsanitize-ignorelist=ign.txt -c foo.c  => local names a file of the client
            gcc -gsplit-dwarf -c foo.c -o /tmp/out/foo.o  => local -gsplit-dwarf with the object outside
            gcc -c foo.s                                  => local assembler input
            gcc -c foo.S                                  => local assembler input
            gcc -c foo.i                                  => local already preprocessed
            g++ -c foo.ii                                 => local already preprocessed
            gcc -c foo.m                                  => local language 'objective-c'
            gcc -x f77 -c foo.f                           => local language 'f77'
            gcc -c foo.txt                                => local not a C or C++ source file
            ld -o x foo.o                                 => local not a C/C++ compiler
            gcc-ar rcs lib.a foo.o                        => local not a C/C++ compiler
            c89-gcc -c foo.c                              => local not a C/C++ compiler
            """;

    static Stream<Arguments> rows() {
        List<Arguments> rows = new ArrayList<>();
        for (String line : TABLE.strip().split("\n")) {
            String[] parts = line.split("=>", 2);
            rows.add(Arguments.of(parts[0].trim(), parts[1].trim()));
        }
        return rows.stream();
    }

    private static CcPlan classify(String commandLine) {
        return CcArgs.classify(Arrays.asList(commandLine.split("\\s+")), Path.of(CWD), file -> {
            String text = RESPONSES.get(file.toString());
            if (text == null) {
                throw new NoSuchFileException(file.toString());
            }
            return text;
        });
    }

    @Test
    void theTableHasAtLeastSixtyCommandLines() {
        assertTrue(rows().count() >= 60, "rows: " + rows().count());
        assertTrue(rows().filter(row -> row.get()[1].toString().startsWith("remote")).count() >= 20);
        assertTrue(rows().filter(row -> row.get()[1].toString().startsWith("local")).count() >= 40);
    }

    @ParameterizedTest(name = "{0}  =>  {1}")
    @MethodSource("rows")
    void classifies(String commandLine, String expected) {
        CcPlan plan = classify(commandLine);
        if (expected.startsWith("local ")) {
            assertFalse(plan.remote(), "expected local, got remote " + plan.remoteParams());
            String reason = expected.substring("local ".length());
            assertTrue(plan.localReason().contains(reason), "reason '" + plan.localReason() + "' lacks '" + reason + "'");
            return;
        }
        assertNull(plan.localReason(), "expected remote");
        String spec = expected.substring("remote ".length());
        String dir = CWD;
        if (spec.startsWith("dir=")) {
            dir = spec.substring(4, spec.indexOf(' '));
            spec = spec.substring(spec.indexOf(' ') + 1);
        }
        String[] argvAndResults = spec.split("\\|");
        List<String> argv = Arrays.asList(argvAndResults[0].trim().split("\\s+"));
        List<String> results = Arrays.asList(argvAndResults[1].trim().split("\\s+"));
        String program = commandLine.split("\\s+")[0];
        assertEquals(argv.get(0), program.substring(program.lastIndexOf('/') + 1));
        assertEquals(argv.subList(1, argv.size()), plan.remoteParams());
        assertEquals(results, plan.resultFiles());
        assertEquals(dir, plan.workDir());
        assertEquals(plan.remoteParams().get(plan.remoteParams().size() - 1), plan.remoteInput());
    }

    @Test
    void thePreprocessNamesTheObjectAsTheDependencyTarget() {
        assertEquals(List.of("-MD", "foo.c", "-MF", "obj/foo.d", "-MQ", "obj/foo.o", "-E"),
                classify("gcc -MD -c foo.c -o obj/foo.o").preprocessArgs());
        assertEquals(List.of("-MMD", "-MF", "x.d", "sub/foo.c", "-MQ", "foo.o", "-E"),
                classify("gcc -MMD -MF x.d -c sub/foo.c").preprocessArgs());
        assertEquals(List.of("-MD", "-MT", "t", "foo.c", "-MF", "foo.d", "-E"),
                classify("gcc -MD -MT t -c foo.c").preprocessArgs());
        assertEquals(List.of("-DX", "-I", "inc", "foo.c", "-O2", "-E"),
                classify("gcc -DX -I inc -c foo.c -O2").preprocessArgs());
        assertEquals(List.of("-x", "c", "foo.txt", "-E"), classify("gcc -c -x c foo.txt -o foo.o").preprocessArgs());
        assertEquals(List.of("-O2", "-DX=a b", "foo.c", "-E"), classify("gcc -c @args.rsp").preprocessArgs());
    }

    @Test
    void flagsThatOnlyShapeMinusEOutputStayOutOfThePreprocessAndTheCharsetIsConvertedOnce() {
        // a compile ignores -P and -dM without -E; the local -E would obey them and lose line markers or code
        assertEquals(List.of("-Wall", "foo.c", "-E"), classify("gcc -Wall -P -dM -c foo.c").preprocessArgs());
        assertEquals(List.of("-Wp,-DX", "foo.c", "-E"), classify("gcc -Wp,-P,-DX -Xpreprocessor -P -c foo.c").preprocessArgs());
        // -E converts the source to UTF-8; the worker must not convert it again
        CcPlan latin1 = classify("gcc -O2 -finput-charset=ISO-8859-1 -c l1.c -o l1.o");
        assertEquals(List.of("-O2", "-finput-charset=ISO-8859-1", "l1.c", "-E"), latin1.preprocessArgs());
        assertFalse(latin1.remoteParams().contains("-finput-charset=ISO-8859-1"), latin1.remoteParams().toString());
    }

    @Test
    void responseFilesSplitLikeGcc() {
        assertEquals(List.of("-DX=a b", "it's", "c\\d", "e f"),
                CcArgs.tokenize("-DX=\"a b\" it\\'s 'c\\d' e\\ f\n", "@t"));
    }

    @Test
    void compilerNames() {
        for (String name : List.of("gcc", "g++", "cc", "c++", "clang", "clang++", "gcc-12", "g++-12", "clang-16",
                "clang++-16", "x86_64-linux-gnu-gcc-12", "x86_64-linux-gnu-g++", "aarch64-linux-gnu-gcc",
                "arm-none-eabi-g++", "/usr/bin/cc", "/usr/lib/llvm-16/bin/clang")) {
            assertTrue(CompilerNames.isCompiler(name), name);
        }
        for (String name : List.of("gcc-ar", "gcc-ar-12", "x86_64-linux-gnu-gcc-nm-12", "ld", "c89-gcc", "gccgo",
                "clang-tidy", "ccache", "", "/usr/bin/")) {
            assertFalse(CompilerNames.isCompiler(name), name);
        }
        assertTrue(CompilerNames.driver("x86_64-linux-gnu-g++-12").orElseThrow().cxx());
        assertEquals(CompilerNames.Family.CLANG, CompilerNames.driver("clang++-16").orElseThrow().family());
        assertFalse(CompilerNames.driver("cc").orElseThrow().cxx());
    }

    @Test
    void onlyAnInputNamedDashReadsStdin() {
        CcHandler handler = new CcHandler();
        assertFalse(handler.readsStdin(List.of("gcc", "-O2", "-c", "foo.c", "-o", "foo.o")));
        assertTrue(handler.readsStdin(List.of("gcc", "-x", "c", "-c", "-", "-o", "s.o")));
        assertTrue(handler.readsStdin(List.of("gcc", "@args.rsp")));
        assertTrue(handler.readsStdin(List.of("sh", "-c", "cat")));
    }

    @Test
    void unreadableResponseFileIsAnIoError() throws IOException {
        CcPlan plan = CcArgs.classify(List.of("gcc", "-c", "@x"), Path.of(CWD), file -> {
            throw new IOException("permission denied");
        });
        assertTrue(plan.localReason().contains("@x cannot be read: permission denied"), plan.localReason());
    }
}
