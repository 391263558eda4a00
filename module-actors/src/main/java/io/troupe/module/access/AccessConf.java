package io.troupe.module.access;

import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.api.proxy.config.ModuleConf;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * mod_access.conf ([Log] and [Template], BFE's keys), checked as BFE checks it: either {@code LogFile} (one file,
 * {@code /dev/stdout} say, never rotated; {@code rotateWhen} null) or {@code LogPrefix}, {@code LogDir},
 * {@code RotateWhen} and {@code BackupCount} (a rotated {@code <LogDir>/<LogPrefix>.log}).
 */
record AccessConf(Path logFile, String rotateWhen, int backupCount, int queueSize,
                  LogTemplate request, LogTemplate session) {

    static final String[] KEYS = {"Log.LogFile", "Log.LogPrefix", "Log.LogDir", "Log.RotateWhen", "Log.BackupCount",
            "Log.QueueSize", "Template.RequestTemplate", "Template.SessionTemplate"};
    /** log4go's WhenIsValid values. */
    static final Set<String> ROTATE_WHEN = Set.of("M", "H", "D", "MIDNIGHT", "NEXTHOUR", "NEXTDAY");

    static AccessConf load(Path file, Path confRoot) throws ConfigFileException {
        ModuleConf ini = ModuleConf.load(file, confRoot, KEYS);
        String single = ini.string("Log", "LogFile", "");
        String when = ini.string("Log", "RotateWhen", "");
        int backups = (int) ini.integer("Log", "BackupCount", 0);
        Path logFile;
        if (!single.isEmpty()) {
            if (!ini.string("Log", "LogPrefix", "").isEmpty() || !ini.string("Log", "LogDir", "").isEmpty()
                    || !when.isEmpty() || backups > 0) {
                throw new ConfigFileException(file, "Log.LogFile", "LogPrefix, LogDir, RotateWhen and BackupCount"
                        + " cannot be set when LogFile is set");
            }
            logFile = ModuleConf.resolve(confRoot, single);
            when = null;
            backups = 0;
        } else {
            String prefix = nonEmpty(ini, "Log", "LogPrefix", "is empty");
            String dir = nonEmpty(ini, "Log", "LogDir", "is empty");
            if (!ROTATE_WHEN.contains(when.toUpperCase(Locale.ROOT))) {
                throw new ConfigFileException(file, "Log.RotateWhen", "invalid: '" + when + "' (one of " + ROTATE_WHEN + ")");
            }
            if (backups <= 0) {
                throw new ConfigFileException(file, "Log.BackupCount", "should be > 0: " + backups);
            }
            logFile = ModuleConf.resolve(confRoot, dir).resolve(prefix + ".log");
        }
        long queue = ini.integer("Log", "QueueSize", 65536);
        if (queue <= 0 || queue > 1 << 24) {
            throw new ConfigFileException(file, "Log.QueueSize", "should be in [1, 16777216]: " + queue);
        }
        String reqT = nonEmpty(ini, "Template", "RequestTemplate", "not set");
        String sesT = nonEmpty(ini, "Template", "SessionTemplate", "not set");
        LogTemplate request;
        LogTemplate session;
        try {
            request = LogTemplate.parse(LogTemplate.expand(reqT), LogTemplate.Domain.REQUEST);
        } catch (IllegalArgumentException e) {
            throw new ConfigFileException(file, "Template.RequestTemplate", e.getMessage());
        }
        try {
            session = LogTemplate.parse(sesT, LogTemplate.Domain.SESSION);
        } catch (IllegalArgumentException e) {
            throw new ConfigFileException(file, "Template.SessionTemplate", e.getMessage());
        }
        return new AccessConf(logFile, when, backups, (int) queue, request, session);
    }

    /** A key that must be set to a non-empty value; {@code ifEmpty} is the error otherwise. */
    private static String nonEmpty(ModuleConf ini, String section, String key, String ifEmpty) throws ConfigFileException {
        String v = ini.string(section, key, "");
        if (v.isEmpty()) {
            throw new ConfigFileException(ini.file(), section + "." + key, ifEmpty);
        }
        return v;
    }
}
