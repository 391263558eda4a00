package io.troupe.module.runtime;

import io.troupe.api.proxy.Module;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the available modules: those on the node's class path (the built-ins) and those in the jars of the
 * modules directory, all through {@link ServiceLoader}, and picks the enabled ones in run order.
 */
public final class ModuleLoader {

    private ModuleLoader() {
    }

    /**
     * What {@link #discover} found: every module by name, the class loader third-party jars were read with, and the
     * directory searched for those jars (null when there was none to search).
     */
    public record Available(Map<String, Module> modules, ClassLoader loader, Path modulesDir) {

        /**
         * The modules named in {@code enabled} (names trimmed, blanks and repeats skipped, as BFE does), in run
         * order ({@link ModuleOrder}).
         *
         * @throws IllegalArgumentException naming {@code troupe.proxy.modules} and the name when a module is missing
         */
        public List<Module> select(List<String> enabled) {
            Set<String> names = new LinkedHashSet<>();
            for (String n : enabled) {
                if (n != null && !n.isBlank()) {
                    names.add(n.strip());
                }
            }
            List<Module> out = new ArrayList<>();
            for (String n : names) {
                Module m = modules.get(n);
                if (m == null) {
                    throw new IllegalArgumentException("troupe.proxy.modules: no module for " + n
                            + " (available: " + modules.keySet() + "; a third-party module's jar goes in "
                            + (modulesDir == null ? "troupe.proxy.modules-dir" : modulesDir.toAbsolutePath()
                                    + (Files.isDirectory(modulesDir) ? "" : ", which does not exist")) + ")");
                }
                out.add(m);
            }
            return ModuleOrder.sort(out);
        }
    }

    /**
     * Loads every module provider visible from {@code parent} and from the {@code *.jar} files in
     * {@code modulesDir} (which may be absent).
     *
     * @throws IllegalArgumentException naming the directory or jar when it cannot be read or a provider fails to
     *         load, and naming both classes when two modules have the same name
     */
    public static Available discover(Path modulesDir, ClassLoader parent) {
        ClassLoader loader = parent;
        List<Path> jars = jars(modulesDir);
        if (!jars.isEmpty()) {
            URL[] urls = new URL[jars.size()];
            for (int i = 0; i < jars.size(); i++) {
                try {
                    urls[i] = jars.get(i).toUri().toURL();
                } catch (MalformedURLException e) {
                    throw new IllegalArgumentException("modules directory " + modulesDir + ": bad jar " + jars.get(i), e);
                }
            }
            // one loader for all jars, child of the node's: modules see handler-api and the node's libraries
            loader = new URLClassLoader("troupe-modules", urls, parent);
        }
        Map<String, Module> modules = new LinkedHashMap<>();
        try {
            for (Module m : ServiceLoader.load(Module.class, loader)) {
                String name = m.name();
                if (name == null || name.isBlank()) {
                    throw new IllegalArgumentException("module class " + m.getClass().getName() + " has no name");
                }
                Module other = modules.putIfAbsent(name, m);
                if (other != null && other.getClass() != m.getClass()) {
                    throw new IllegalArgumentException("two modules are named " + name + ": "
                            + other.getClass().getName() + " and " + m.getClass().getName()
                            + (jars.isEmpty() ? "" : " (jars in " + modulesDir + ": " + jars + ")"));
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalArgumentException("loading modules" + (jars.isEmpty() ? "" : " (jars in " + modulesDir
                    + ": " + jars + ")") + " failed: " + e.getMessage(), e);
        }
        return new Available(java.util.Collections.unmodifiableMap(modules), loader, modulesDir);
    }

    private static List<Path> jars(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("modules directory " + dir + " cannot be read: " + e, e);
        }
    }
}
