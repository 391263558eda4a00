package io.troupe.module.staticfile;

import com.fasterxml.jackson.databind.JsonNode;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.support.Json;
import java.net.URLConnection;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** mime_type.data: extension (with its dot) → content type; looked up before the built-in table. */
record MimeTypes(String version, Map<String, String> byExtension) {

    /** Common types, so that a node serves them right without any mime_type.data entry (Go's mime table). */
    private static final Map<String, String> BUILT_IN = Map.ofEntries(
            Map.entry(".html", "text/html; charset=utf-8"), Map.entry(".htm", "text/html; charset=utf-8"),
            Map.entry(".css", "text/css; charset=utf-8"), Map.entry(".js", "text/javascript; charset=utf-8"),
            Map.entry(".mjs", "text/javascript; charset=utf-8"), Map.entry(".json", "application/json"),
            Map.entry(".txt", "text/plain; charset=utf-8"), Map.entry(".xml", "text/xml; charset=utf-8"),
            Map.entry(".svg", "image/svg+xml"), Map.entry(".png", "image/png"), Map.entry(".jpg", "image/jpeg"),
            Map.entry(".jpeg", "image/jpeg"), Map.entry(".gif", "image/gif"), Map.entry(".webp", "image/webp"),
            Map.entry(".ico", "image/vnd.microsoft.icon"), Map.entry(".wasm", "application/wasm"),
            Map.entry(".pdf", "application/pdf"), Map.entry(".woff", "font/woff"), Map.entry(".woff2", "font/woff2"),
            Map.entry(".mp4", "video/mp4"), Map.entry(".gz", "application/gzip"), Map.entry(".zip", "application/zip"));

    static MimeTypes load(Path file) throws ConfigFileException {
        JsonNode root = Json.read(file);
        String version = Json.version(file, root);
        JsonNode config = Json.config(file, root);
        Map<String, String> m = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = config.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().startsWith(".")) {
                throw new ConfigFileException(file, "Config." + e.getKey(), "an extension must start with a dot");
            }
            if (!e.getValue().isTextual() || e.getValue().asText().isEmpty()) {
                throw new ConfigFileException(file, "Config." + e.getKey(), "expected a non-empty content type");
            }
            m.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText());
        }
        return new MimeTypes(version, Map.copyOf(m));
    }

    /** The type for a file name from this table, then the built-in one, then the JDK's; null when unknown. */
    String lookup(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot >= 0) {
            String ext = fileName.substring(dot).toLowerCase(Locale.ROOT);
            String t = byExtension.get(ext);
            if (t == null) {
                t = BUILT_IN.get(ext);
            }
            if (t != null) {
                return t;
            }
        }
        return URLConnection.getFileNameMap().getContentTypeFor(fileName);
    }
}
