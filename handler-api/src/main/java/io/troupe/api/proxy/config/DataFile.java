package io.troupe.api.proxy.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A module's dynamic {@code .data} file: JSON of the shape {@code {"Version": "...", "Config": {...}}}, read the
 * way BFE reads it (Go's {@code encoding/json}): keys match case-insensitively ({@code cond} is {@code Cond}),
 * unknown keys are ignored, and comments or trailing commas are errors.
 *
 * <p>{@link #load} checks the envelope (both {@code Version}, a string, and {@code Config} present and not
 * {@code null}). The module then checks {@link #config()} as a tree, or binds it to records with
 * {@link #bindConfig(Class)}, and builds its whole new snapshot before it replaces the old one; every error
 * names the file and the field path ({@code Config.global[1].Action.Cmd}) via {@link #error}.
 *
 * <pre>{@code
 * record Action(String cmd, List<String> params) {}
 * record Rule(String cond, String name, Action action) {}
 * DataFile f = DataFile.load(path);
 * Map<String, List<Rule>> byProduct = f.bindConfig(new TypeReference<>() {});
 * if (byProduct.get("p") == null) throw f.error("Config.p", "rule list is null");
 * }</pre>
 *
 * Go's pointer fields tell a missing key from an empty value; here a missing key and JSON {@code null} both
 * bind to Java {@code null}, and {@code []} to an empty list, which is the same distinction.
 */
public final class DataFile {

    /** A JSON mapper configured like Go's {@code encoding/json}: case-insensitive keys, unknown keys ignored. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path file;
    private final JsonNode root;
    private final String version;
    private final JsonNode config;

    private DataFile(Path file, JsonNode root, String version, JsonNode config) {
        this.file = file;
        this.root = root;
        this.version = version;
        this.config = config;
    }

    /**
     * Reads {@code file} and checks its envelope.
     *
     * @throws ConfigFileException naming the file (and {@code Version} or {@code Config}) when the file cannot be
     *         read, is not one JSON object, or lacks a string {@code Version} or a non-null {@code Config}
     */
    public static DataFile load(Path file) throws ConfigFileException {
        JsonNode root = readTree(file);
        if (!root.isObject()) {
            throw new ConfigFileException(file, null, "must be a JSON object {\"Version\": ..., \"Config\": ...}");
        }
        JsonNode v = field(root, "Version");
        if (v == null || v.isNull()) {
            throw new ConfigFileException(file, "Version", "missing");
        }
        if (!v.isTextual()) {
            throw new ConfigFileException(file, "Version", "must be a string, got " + v.getNodeType());
        }
        JsonNode c = field(root, "Config");
        if (c == null || c.isNull()) {
            throw new ConfigFileException(file, "Config", "missing");
        }
        return new DataFile(file, root, v.asText(), c);
    }

    /**
     * Reads {@code file} as any JSON value, for data files without BFE's envelope.
     *
     * @throws ConfigFileException naming the file when it cannot be read or is not JSON
     */
    public static JsonNode readTree(Path file) throws ConfigFileException {
        Objects.requireNonNull(file, "file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigFileException(file, null, "cannot read: " + e, e);
        }
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (root == null || root.isMissingNode()) {
                throw new ConfigFileException(file, null, "empty file, expected JSON");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new ConfigFileException(file, null, "not valid JSON: " + jsonError(e), e);
        } catch (IOException e) {
            throw new ConfigFileException(file, null, "cannot read: " + e, e);
        }
    }

    /**
     * A JSON syntax error as a user reads it: what is wrong and where ({@code ... at line 3 column 7}), without the
     * parser's own notes on its input source.
     */
    public static String jsonError(JsonProcessingException e) {
        String what = e.getOriginalMessage() == null ? "" : e.getOriginalMessage()
                .replaceAll("\\[Source: [^;\\]]*; ", "[");
        var at = e.getLocation();
        return what + (at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr());
    }

    /** The file this was read from. */
    public Path file() {
        return file;
    }

    /** The {@code Version} string. */
    public String version() {
        return version;
    }

    /** The {@code Config} value, never {@code null} or JSON null. */
    public JsonNode config() {
        return config;
    }

    /** The whole document. */
    public JsonNode root() {
        return root;
    }

    /**
     * Binds {@code Config} to {@code type} (records and classes bind by case-insensitive property name).
     *
     * @throws ConfigFileException naming the file and the field path ({@code Config.p[0].Name}) on a type mismatch
     */
    public <T> T bindConfig(Class<T> type) throws ConfigFileException {
        return bind(config, MAPPER.constructType(type), "Config");
    }

    /** Like {@link #bindConfig(Class)} for generic types such as {@code Map<String, List<Rule>>}. */
    public <T> T bindConfig(TypeReference<T> type) throws ConfigFileException {
        return bind(config, MAPPER.getTypeFactory().constructType(type), "Config");
    }

    /** Binds the whole document to {@code type}; errors name the field path from the root. */
    public <T> T bindRoot(Class<T> type) throws ConfigFileException {
        return bind(root, MAPPER.constructType(type), "");
    }

    /** A {@link ConfigFileException} for this file naming {@code fieldPath}, for the module's own checks. */
    public ConfigFileException error(String fieldPath, String message) {
        return new ConfigFileException(file, fieldPath, message);
    }

    /**
     * The member of {@code object} named {@code name}: an exact match first, else the first key equal ignoring
     * case (Go's rule). {@code null} when absent or when {@code object} is not an object.
     */
    public static JsonNode field(JsonNode object, String name) {
        if (object == null || !object.isObject()) {
            return null;
        }
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private <T> T bind(JsonNode node, JavaType type, String base) throws ConfigFileException {
        try {
            return (T) MAPPER.readerFor(type).readValue(MAPPER.treeAsTokens(node));
        } catch (JsonMappingException e) {
            throw new ConfigFileException(file, path(node, base, e.getPath()), e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigFileException(file, base, e.getMessage(), e);
        }
    }

    /** The field path as the file spells it (Jackson reports the Java property name). */
    private static String path(JsonNode node, String base, List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder(base);
        JsonNode at = node;
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                String key = r.getFieldName();
                JsonNode next = null;
                if (at != null && at.isObject()) {
                    for (Iterator<String> it = at.fieldNames(); it.hasNext(); ) {
                        String k = it.next();
                        if (k.equals(key) || (next == null && k.equalsIgnoreCase(key))) {
                            next = at.get(k);
                            key = k;
                        }
                    }
                }
                sb.append(key);
                at = next;
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
                at = at == null ? null : at.get(r.getIndex());
            }
        }
        return sb.toString();
    }
}
