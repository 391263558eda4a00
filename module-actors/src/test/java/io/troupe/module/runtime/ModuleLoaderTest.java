package io.troupe.module.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.proxy.Module;
import io.troupe.module.block.ModBlock;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Built-ins from the class path, third-party modules from real jars in a modules directory. */
class ModuleLoaderTest {

    @TempDir
    Path tmp;

    /** Compiles one module class against handler-api and packs it with its ServiceLoader entry. */
    private Path jar(String jarName, String className, String name, String orderAfter) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src-" + jarName).resolve("ext"));
        Path out = Files.createDirectories(tmp.resolve("out-" + jarName));
        Files.writeString(src.resolve(className + ".java"), """
                package ext;
                public final class %s implements io.troupe.api.proxy.Module {
                    public String name() { return "%s"; }
                    public String orderAfter() { return %s; }
                    public void init(io.troupe.api.proxy.Callbacks c, io.troupe.api.proxy.WebHandlers w,
                                     java.nio.file.Path root) throws Exception {
                        throw new Exception(root.resolve("%s/%s.conf") + ": [Basic] Greeting: missing");
                    }
                }
                """.formatted(className, name, orderAfter == null ? "null" : "\"" + orderAfter + "\"", name, name));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String api = Path.of(Module.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        int rc = javac.run(null, null, null, "-d", out.toString(), "-cp", api, src.resolve(className + ".java").toString());
        assertEquals(0, rc, "javac");
        Path modules = Files.createDirectories(tmp.resolve("modules"));
        Path jar = modules.resolve(jarName);
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
            j.putNextEntry(new JarEntry("META-INF/services/io.troupe.api.proxy.Module"));
            j.write(("ext." + className + "\n").getBytes(StandardCharsets.UTF_8));
            j.closeEntry();
            j.putNextEntry(new JarEntry("ext/" + className + ".class"));
            try (Stream<Path> s = Files.list(out.resolve("ext"))) {
                Files.copy(s.filter(p -> p.getFileName().toString().equals(className + ".class")).findFirst().orElseThrow(),
                        (OutputStream) j);
            }
            j.closeEntry();
        }
        return modules;
    }

    @Test
    void builtinsComeFromTheClassPath() {
        ModuleLoader.Available a = ModuleLoader.discover(tmp.resolve("no-such-dir"), getClass().getClassLoader());
        assertTrue(a.modules().get("mod_block") instanceof ModBlock);
        assertEquals(List.of("mod_block"), ModuleOrder.names(a.select(List.of(" mod_block ", "", "mod_block"))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.select(List.of("mod_nope")));
        assertTrue(e.getMessage().contains("troupe.proxy.modules: no module for mod_nope"), e.getMessage());
        // where its jar would have to be, and that the directory is missing
        assertTrue(e.getMessage().contains("jar goes in " + tmp.resolve("no-such-dir").toAbsolutePath()
                + ", which does not exist"), e.getMessage());
    }

    @Test
    void jarsInTheModulesDirectoryAreFoundOrderedAndIsolated() throws Exception {
        Path modules = jar("hello.jar", "ModHello", "mod_hello", "mod_block");
        jar("late.jar", "ModLate", "mod_late", null);
        ModuleLoader.Available a = ModuleLoader.discover(modules, getClass().getClassLoader());
        Module hello = a.modules().get("mod_hello");
        assertNotSame(getClass().getClassLoader(), hello.getClass().getClassLoader());
        List<Module> sorted = a.select(List.of("mod_late", "mod_hello", "mod_block"));
        assertEquals(List.of("mod_block", "mod_hello", "mod_late"), ModuleOrder.names(sorted));
        // its init error is what the node reports
        Exception e = assertThrows(Exception.class, () -> hello.init(null, null, tmp.resolve("conf")));
        assertTrue(e.getMessage().endsWith("mod_hello/mod_hello.conf: [Basic] Greeting: missing"), e.getMessage());
    }

    @Test
    void twoModulesWithOneNameAreAnError() throws Exception {
        Path modules = jar("a.jar", "ModA", "mod_dup", null);
        jar("b.jar", "ModB", "mod_dup", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModuleLoader.discover(modules, getClass().getClassLoader()));
        assertTrue(e.getMessage().contains("two modules are named mod_dup: ext.ModA and ext.ModB"), e.getMessage());
    }
}
