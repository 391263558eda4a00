package io.troupe.booster.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.troupe.api.booster.DistCommand;
import io.troupe.api.booster.Handler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Handler loading: built-ins, custom settings, plugin jars built at test time. */
class HandlersTest {

    private static final String SERVICES = "META-INF/services/io.troupe.api.booster.Handler";

    @TempDir
    Path tmp;

    private static String failure(String type, Map<String, String> env) {
        return assertThrows(HandlerLoadException.class, () -> Handlers.load(type, env)).getMessage();
    }

    private static Map<String, String> custom(String json) {
        return Map.of("TROUPE_CUSTOM_SETTINGS", json);
    }

    @Test
    void echoRunsTheCommandUnchanged() throws Exception {
        DistCommand dist = Handlers.load("echo", Map.of()).preExecute(List.of("cat", "/etc/resolv.conf"));
        assertEquals("cat", dist.commands().get(0).exeName());
        assertEquals(List.of("/etc/resolv.conf"), dist.commands().get(0).params());
        assertTrue(dist.commands().get(0).inputFiles().isEmpty());
    }

    @Test
    void unknownBoosterTypeListsTheKnownOnes() {
        assertEquals("unknown booster type 'gradle' (-bt); known types: echo, custom, cc", failure("gradle", Map.of()));
    }

    @Test
    void ccLoadsTheCompilerHandler() throws Exception {
        assertTrue(Handlers.load("cc", Map.of()) instanceof io.troupe.booster.handler.cc.CcHandler);
    }

    @Test
    void customNeedsItsSettingsVariable() {
        assertEquals("-bt custom needs TROUPE_CUSTOM_SETTINGS (or BK_DIST_CUSTOM_SETTINGS) set to JSON like "
                + "{\"type\":1,\"path\":\"/path/to/handler.jar\"}", failure("custom", Map.of()));
    }

    @Test
    void malformedSettingsJsonNamesTheVariable() {
        assertEquals("TROUPE_CUSTOM_SETTINGS is not valid JSON: Unexpected end-of-input within/between Object entries",
                failure("custom", custom("{\"type\": 1,")));
        assertEquals("BK_DIST_CUSTOM_SETTINGS: field \"type\" is missing or not a whole number",
                failure("custom", Map.of("BK_DIST_CUSTOM_SETTINGS", "{\"path\":\"/x.jar\"}")));
        assertEquals("TROUPE_CUSTOM_SETTINGS: field \"path\" (the plugin jar) is missing",
                failure("custom", custom("{\"type\":1}")));
    }

    @Test
    void unsupportedAndUnknownCustomTypes() {
        assertEquals("custom handler type 2 (shared library) is not supported yet; type 1 (plugin jar) is",
                failure("custom", custom("{\"type\":2,\"path\":\"/x.so\"}")));
        assertEquals("custom handler type 3 (script) is not supported yet; type 1 (plugin jar) is",
                failure("custom", custom("{\"type\":3,\"path\":\"/x.sh\"}")));
        assertEquals("custom handler type 4 (API) is not supported yet; type 1 (plugin jar) is",
                failure("custom", custom("{\"type\":4,\"path\":\"http://x\"}")));
        assertEquals("TROUPE_CUSTOM_SETTINGS: custom handler type 7 is unknown; known types: 1 (plugin jar), "
                + "2 (shared library), 3 (script), 4 (API)", failure("custom", custom("{\"type\":7,\"path\":\"/x\"}")));
    }

    @Test
    void missingPluginJar() {
        Path jar = tmp.resolve("nowhere/handler.jar");
        assertEquals("custom handler plugin jar " + jar + " does not exist",
                failure("custom", custom("{\"type\":1,\"path\":\"" + jar + "\"}")));
    }

    @Test
    void pluginJarWithoutServiceEntry() throws Exception {
        Path jar = buildJar("plain", "package p; public class Plain {}", "p.Plain", null);
        assertEquals("custom handler plugin jar " + jar + " has no " + SERVICES + " entry naming the handler class",
                failure("custom", Map.of("BK_DIST_CUSTOM_SETTINGS", "{\"type\":1,\"path\":\"" + jar + "\"}")));
    }

    @Test
    void pluginClassNotImplementingHandler() throws Exception {
        Path jar = buildJar("wrong", "package p; public class NotAHandler { public NotAHandler() {} }",
                "p.NotAHandler", "p.NotAHandler\n");
        assertEquals("custom handler plugin jar " + jar + ": class p.NotAHandler (listed in " + SERVICES
                        + ") does not implement io.troupe.api.booster.Handler",
                failure("custom", custom("{\"type\":1,\"path\":\"" + jar + "\"}")));
    }

    @Test
    void loadsAPluginInItsOwnClassLoader() throws Exception {
        Path jar = buildJar("good", String.join("\n",
                        "package p;",
                        "import io.troupe.api.booster.*;",
                        "import java.util.List;",
                        "public class Remote implements Handler {",
                        "  public DistCommand preExecute(List<String> c) {",
                        "    return DistCommand.of(Command.of(\"remote-\" + c.get(0), c.subList(1, c.size())));",
                        "  }",
                        "  public int remoteRetryTimes() { return 3; }",
                        "}"),
                "p.Remote", "# the example handler\np.Remote\n");
        Handler handler = Handlers.load("custom", custom("{\"type\":1,\"path\":\"" + jar + "\"}"));
        assertEquals("p.Remote", handler.getClass().getName());
        assertNotSame(Handlers.class.getClassLoader(), handler.getClass().getClassLoader());
        assertEquals("remote-cat", handler.preExecute(List.of("cat", "f")).commands().get(0).exeName());
        assertEquals(3, handler.remoteRetryTimes());
    }

    /** Compiles one class with javax.tools and jars it, with a services file when {@code services} is given. */
    private Path buildJar(String name, String source, String className, String services) throws IOException {
        Path src = tmp.resolve(name + "-src/" + className.replace('.', '/') + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = Files.createDirectories(tmp.resolve(name + "-classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path"), src.toString());
        assertEquals(0, rc, "test plugin compiles");
        Path jar = tmp.resolve(name + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            String entry = className.replace('.', '/') + ".class";
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(classes.resolve(entry)));
            out.closeEntry();
            if (services != null) {
                out.putNextEntry(new JarEntry(SERVICES));
                OutputStream stream = out;
                stream.write(services.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }
}
