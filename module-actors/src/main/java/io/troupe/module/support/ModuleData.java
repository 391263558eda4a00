package io.troupe.module.support;

import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.DataTable;
import io.troupe.api.proxy.config.ModuleConf;
import java.nio.file.Path;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where a built-in module's {@code .data} file is, as BFE's conf check finds it, and opening its table. */
public final class ModuleData {
    private static final Logger log = LoggerFactory.getLogger(ModuleData.class);

    private ModuleData() {}

    /**
     * The {@code [section] key} path of a module's conf, resolved against the conf root; when unset or empty, the
     * default, with the warning BFE's conf check logs (ModuleConf warns of an empty one itself).
     */
    public static Path path(ModuleConf conf, String section, String key, String dflt) {
        if (!conf.has(section, key)) {
            log.warn("{}: {}.{} not set, using the default", conf.file(), section, key);
        }
        return conf.path(section, key, dflt);
    }

    /**
     * The one table of a module whose {@code <module>.conf} has just {@code [Basic] DataPath} (default
     * {@code dflt}) and {@code [Log] OpenDebug}: loaded now, reloaded by {@code /reload/<module>}.
     */
    public static <T> DataTable<T> open(WebHandlers web, Path confRoot, String module, String dflt,
                                        DataTable.Loader<T> loader, Function<T, String> versionOf) throws Exception {
        ModuleConf conf = ModuleConf.load(ModuleConf.confFile(confRoot, module), confRoot, "Basic.DataPath", "Log.OpenDebug");
        Path data = conf.path("Basic", "DataPath", dflt);
        conf.bool("Log", "OpenDebug", false);
        return DataTable.open(web, module, data, loader, versionOf);
    }
}
