package io.troupe.module.staticfile;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import io.troupe.module.support.ModuleData;
import io.troupe.module.support.ModuleState;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLConnection;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * BFE's mod_static at FOUND_PRODUCT: the first BROWSE rule of the request's product whose Cond matches serves
 * the request path from its directory (or the rule's default file when the path is missing or a directory),
 * with the type from mime_type.data, Last-Modified, and single byte ranges. The data plane sends the file.
 */
public final class ModStatic implements Module {
    public static final String NAME = "mod_static";

    private final ModuleState state = new ModuleState(NAME, "FILE_BROWSE_SIZE", "FILE_BROWSE_COUNT",
            "FILE_BROWSE_NOT_EXIST", "FILE_BROWSE_CONTENT_TYPE_ERROR", "FILE_BROWSE_FALLBACK_DEFAULT");
    private boolean contentDetection;
    /** BFE's EnableCompress: serve {@code <file>.gz} / {@code <file>.br} made beforehand to a client that accepts it. */
    private boolean enableCompress;
    private DataTable<StaticRules> rules;
    private DataTable<MimeTypes> mimeTypes;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws Exception {
        ModuleConf ini = ModuleConf.load(ModuleConf.confFile(confRoot, NAME), confRoot,
                "Basic.DataPath", "Basic.MimeTypePath", "Basic.ContentDetection", "Basic.EnableCompress", "Log.OpenDebug");
        Path data = ModuleData.path(ini, "Basic", "DataPath", "mod_static/static_rule.data");
        Path mime = ModuleData.path(ini, "Basic", "MimeTypePath", "mod_static/mime_type.data");
        contentDetection = ini.bool("Basic", "ContentDetection", false);
        enableCompress = ini.bool("Basic", "EnableCompress", false);
        ini.bool("Log", "OpenDebug", false);
        rules = DataTable.open(web, NAME, data, confRoot, f -> StaticRules.load(f, confRoot), StaticRules::version);
        mimeTypes = DataTable.open(web, NAME + ".mime_type", mime, confRoot, MimeTypes::load, MimeTypes::version);
        callbacks.addFilter(CallbackPoint.FOUND_PRODUCT, this::staticFileHandler);
        state.register(web);
    }

    FilterResult staticFileHandler(Request req) {
        List<StaticRules.Rule> list = req.product() == null ? null : rules.get().byProduct().get(req.product());
        if (list == null) {
            return FilterResult.GO_ON;
        }
        for (StaticRules.Rule rule : list) {
            if (rule.cond().match(req)) {
                state.inc("FILE_BROWSE_COUNT");
                if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
                    return FilterResult.respond(Response.of(405, "405 Method Not Allowed\n"));
                }
                String path = req.path();
                String range = req.header("Range");
                List<String> encodings = enableCompress ? acceptedEncodings(req) : List.of();
                // stat, access check and content sniffing touch the disk: off the event loop
                return FilterResult.blocking(() -> FilterResult.respond(serve(path, range, encodings, rule)));
            }
        }
        return FilterResult.GO_ON;
    }

    /** gzip, then br, as the client's Accept-Encoding allows (BFE's CheckAcceptEncoding). */
    private static List<String> acceptedEncodings(Request req) {
        String accept = String.join(",", req.headers("Accept-Encoding"));
        List<String> out = new java.util.ArrayList<>(2);
        for (String e : new String[] {"gzip", "br"}) {
            if (io.troupe.module.support.AcceptEncoding.has(accept, e)) {
                out.add(e);
            }
        }
        return out;
    }

    /** The response for {@code path} under the rule's root; runs on the proxy's blocking pool. */
    private Response serve(String path, String rangeHeader, List<String> encodings, StaticRules.Rule rule) {
        // as Go's http.Dir: the path is cleaned as if rooted ("/../x" is "/x"), so it never leaves the root
        Path file = rule.root().resolve(cleanRooted(path));
        BasicFileAttributes attrs;
        try {
            attrs = attributes(file);
            if (attrs == null) {
                state.inc("FILE_BROWSE_NOT_EXIST");
            }
            if (attrs == null || attrs.isDirectory()) {
                // as BFE: a missing path or a directory is served by the rule's default file
                if (rule.defaultFile().isEmpty()) {
                    return notFound();
                }
                state.inc("FILE_BROWSE_FALLBACK_DEFAULT");
                file = rule.root().resolve(rule.defaultFile());
                attrs = attributes(file);
                if (attrs == null || attrs.isDirectory()) {
                    return notFound();
                }
            }
        } catch (AccessDeniedException e) {
            return Response.of(403, "403 Forbidden\n");
        }
        Path named = file; // its extension gives the type, also when a precompressed copy is sent
        String encoding = null;
        for (String e : encodings) {
            Path encoded = file.resolveSibling(file.getFileName() + (e.equals("gzip") ? ".gz" : ".br"));
            try {
                BasicFileAttributes a = Files.readAttributes(encoded, BasicFileAttributes.class);
                if (a.isRegularFile()) {
                    file = encoded;
                    attrs = a;
                    encoding = e;
                    break;
                }
            } catch (IOException missing) {
                // no such copy: the next encoding, or the file itself
            }
        }
        if (!Files.isReadable(file)) {
            return Response.of(403, "403 Forbidden\n");
        }
        String type = contentType(named);
        if (type == null) {
            state.inc("FILE_BROWSE_CONTENT_TYPE_ERROR");
            return Response.of(500, "500 Internal Server Error\n");
        }
        long size = attrs.size();
        ByteRange range = ByteRange.parse(rangeHeader, size);
        FileResponse r;
        if (range == ByteRange.UNSATISFIABLE) {
            Response e = Response.of(416, "");
            e.setHeader("Content-Range", "bytes */" + size);
            return e;
        } else if (range != null) {
            r = new FileResponse(206, file, range.start(), range.length());
            r.setHeader("Content-Range", "bytes " + range.start() + "-" + range.end() + "/" + size);
        } else {
            r = new FileResponse(200, file, 0, size);
        }
        r.setHeader("Content-Type", type);
        if (encoding != null) {
            r.setHeader("Content-Encoding", encoding);
        }
        if (enableCompress) {
            r.setHeader("Vary", "Accept-Encoding");
        }
        r.setHeader("Accept-Ranges", "bytes");
        r.setHeader("Last-Modified", DateTimeFormatter.RFC_1123_DATE_TIME.format(
                attrs.lastModifiedTime().toInstant().atOffset(ZoneOffset.UTC)));
        state.add("FILE_BROWSE_SIZE", r.length());
        return r;
    }

    /** The file's attributes, or null when there is no such file; a refused look is AccessDeniedException. */
    private static BasicFileAttributes attributes(Path file) throws AccessDeniedException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (AccessDeniedException e) {
            throw e;
        } catch (IOException e) {
            return null;
        }
    }

    private static Response notFound() {
        return Response.of(404, "404 Not Found\n");
    }

    /** Go's {@code path.Clean("/" + p)} without its leading slash: "." and ".." resolved, never above the root. */
    static String cleanRooted(String p) {
        Path slash = Path.of("/");
        return slash.relativize(slash.resolve(p.isEmpty() ? "/" : p).normalize()).toString();
    }

    private String contentType(Path file) {
        String t = mimeTypes.get().lookup(file.getFileName().toString());
        if (t != null) {
            return t;
        }
        if (!contentDetection) {
            return "application/octet-stream";
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(512);
            String guessed = URLConnection.guessContentTypeFromStream(new java.io.ByteArrayInputStream(head));
            if (guessed != null) {
                return guessed;
            }
            return looksLikeText(head) ? "text/plain; charset=utf-8" : "application/octet-stream";
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean looksLikeText(byte[] b) {
        for (byte x : b) {
            if (x == 0) {
                return false;
            }
        }
        return true;
    }

    long counter(String name) {
        return state.get(name);
    }
}
