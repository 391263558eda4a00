package io.troupe.booster.handler;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.troupe.api.booster.Handler;
import io.troupe.booster.handler.cc.CcHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the handler for a booster type ({@code -bt}). */
public final class Handlers {

    /** The environment variable naming a custom handler. */
    public static final String SETTINGS_VARIABLE = "TROUPE_CUSTOM_SETTINGS";
    /** The TBS name of the same variable, read when {@link #SETTINGS_VARIABLE} is not set. */
    public static final String SETTINGS_ALIAS = "BK_DIST_CUSTOM_SETTINGS";
    /** Booster types, in the order error messages list them. */
    public static final List<String> TYPES = List.of("echo", "custom", "cc");

    private static final String SERVICE_FILE = "META-INF/services/" + Handler.class.getName();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Handlers() {}

    /**
     * Loads the handler for {@code type}.
     *
     * @param type the {@code -bt} value
     * @param env the booster's environment ({@code custom} reads its settings variable from it)
     * @throws HandlerLoadException with a message naming what is wrong
     */
    public static Handler load(String type, Map<String, String> env) throws HandlerLoadException {
        if (type == null || type.isBlank()) {
            throw new HandlerLoadException("no booster type given (-bt); known types: " + String.join(", ", TYPES));
        }
        switch (type) {
            case "echo":
                return new EchoHandler();
            case "custom":
                return loadCustom(env);
            case "cc":
                return new CcHandler();
            default:
                throw new HandlerLoadException("unknown booster type '" + type + "' (-bt); known types: "
                        + String.join(", ", TYPES));
        }
    }

    private static Handler loadCustom(Map<String, String> env) throws HandlerLoadException {
        String variable = SETTINGS_VARIABLE;
        String settings = env.get(SETTINGS_VARIABLE);
        if (settings == null || settings.isBlank()) {
            variable = SETTINGS_ALIAS;
            settings = env.get(SETTINGS_ALIAS);
        }
        if (settings == null || settings.isBlank()) {
            throw new HandlerLoadException("-bt custom needs " + SETTINGS_VARIABLE + " (or " + SETTINGS_ALIAS
                    + ") set to JSON like {\"type\":1,\"path\":\"/path/to/handler.jar\"}");
        }
        JsonNode json;
        try {
            json = JSON.readTree(settings);
        } catch (JacksonException e) {
            throw new HandlerLoadException(variable + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new HandlerLoadException(variable + " must be a JSON object like {\"type\":1,\"path\":\"/path/to/handler.jar\"}");
        }
        JsonNode typeNode = json.get("type");
        if (typeNode == null || !typeNode.canConvertToExactIntegral()) {
            throw new HandlerLoadException(variable + ": field \"type\" is missing or not a whole number");
        }
        int customType = typeNode.asInt();
        switch (customType) {
            case 1:
                break;
            case 2:
                throw new HandlerLoadException("custom handler type 2 (shared library) is not supported yet; "
                        + "type 1 (plugin jar) is");
            case 3:
                throw new HandlerLoadException("custom handler type 3 (script) is not supported yet; type 1 (plugin jar) is");
            case 4:
                throw new HandlerLoadException("custom handler type 4 (API) is not supported yet; type 1 (plugin jar) is");
            default:
                throw new HandlerLoadException(variable + ": custom handler type " + customType
                        + " is unknown; known types: 1 (plugin jar), 2 (shared library), 3 (script), 4 (API)");
        }
        JsonNode pathNode = json.get("path");
        if (pathNode == null || !pathNode.isTextual() || pathNode.asText().isBlank()) {
            throw new HandlerLoadException(variable + ": field \"path\" (the plugin jar) is missing");
        }
        return loadPlugin(Path.of(pathNode.asText()));
    }

    /**
     * Loads a plugin jar in its own class loader (parent: the booster's) and returns the first
     * {@link Handler} its {@code META-INF/services} entry names.
     */
    public static Handler loadPlugin(Path jar) throws HandlerLoadException {
        if (!Files.isRegularFile(jar)) {
            throw new HandlerLoadException("custom handler plugin jar " + jar + " does not exist");
        }
        URLClassLoader loader;
        try {
            loader = new URLClassLoader("troupe-handler:" + jar.getFileName(), new URL[] {jar.toUri().toURL()},
                    Handlers.class.getClassLoader());
        } catch (MalformedURLException e) {
            throw new HandlerLoadException("custom handler plugin jar " + jar + ": bad path: " + e.getMessage(), e);
        }
        // findResource looks in the jar only, not in the booster's own class path
        URL entry = loader.findResource(SERVICE_FILE);
        if (entry == null) {
            throw new HandlerLoadException("custom handler plugin jar " + jar + " has no " + SERVICE_FILE
                    + " entry naming the handler class");
        }
        List<String> listed = listedClasses(entry, jar);
        Iterator<Handler> handlers = ServiceLoader.load(Handler.class, loader).iterator();
        try {
            while (handlers.hasNext()) {
                Handler handler = handlers.next();
                if (handler.getClass().getClassLoader() == loader) {
                    return handler;
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new HandlerLoadException(describe(e, listed, loader, jar), e);
        }
        throw new HandlerLoadException("custom handler plugin jar " + jar + ": " + SERVICE_FILE
                + " lists no handler class");
    }

    private static String describe(ServiceConfigurationError error, List<String> listed, ClassLoader loader, Path jar) {
        for (String name : listed) {
            try {
                Class<?> type = Class.forName(name, false, loader);
                if (!Handler.class.isAssignableFrom(type)) {
                    return "custom handler plugin jar " + jar + ": class " + name + " (listed in " + SERVICE_FILE
                            + ") does not implement " + Handler.class.getName();
                }
            } catch (ClassNotFoundException | LinkageError e) {
                return "custom handler plugin jar " + jar + ": class " + name + " (listed in " + SERVICE_FILE
                        + ") cannot be loaded: " + e;
            }
        }
        return "custom handler plugin jar " + jar + ": cannot create the handler: " + error.getMessage();
    }

    private static List<String> listedClasses(URL entry, Path jar) throws HandlerLoadException {
        List<String> names = new ArrayList<>();
        try (var connection = entry.openStream();
                BufferedReader reader = new BufferedReader(new InputStreamReader(connection, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                int hash = line.indexOf('#');
                String name = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new HandlerLoadException("custom handler plugin jar " + jar + ": cannot read " + SERVICE_FILE + ": " + e, e);
        }
        return names;
    }
}
