package io.troupe.module.support;

import io.troupe.api.proxy.config.ModuleConf;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where a built-in module's {@code .data} file is, as BFE's conf check finds it. */
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
}
