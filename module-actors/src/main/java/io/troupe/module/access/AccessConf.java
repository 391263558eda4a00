package io.troupe.module.access;

import io.troupe.module.support.DataFileException;
import io.troupe.module.support.Ini;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** mod_access.conf ([Log] and [Template], BFE's keys), checked as BFE checks it. */
record AccessConf(Path logFile, String rotateWhen, int backupCount, int queueSize,
                  LogTemplate request, LogTemplate session) {

    static final Set<String> KEYS = Set.of("Log.LogPrefix", "Log.LogDir", "Log.RotateWhen", "Log.BackupCount",
            "Log.QueueSize", "Template.RequestTemplate", "Template.SessionTemplate");
    /** log4go's WhenIsValid values. */
    static final Set<String> ROTATE_WHEN = Set.of("M", "H", "D", "MIDNIGHT", "NEXTHOUR", "NEXTDAY");

    static AccessConf load(Path file, Path confRoot) throws DataFileException {
        Ini ini = Ini.load(file, KEYS);
        String prefix = ini.get("Log.LogPrefix", "");
        if (prefix.isEmpty()) {
            throw new DataFileException(file, "Log.LogPrefix", "is empty");
        }
        String dir = ini.get("Log.LogDir", "");
        if (dir.isEmpty()) {
            throw new DataFileException(file, "Log.LogDir", "is empty");
        }
        String when = ini.get("Log.RotateWhen", "");
        if (!ROTATE_WHEN.contains(when.toUpperCase(Locale.ROOT))) {
            throw new DataFileException(file, "Log.RotateWhen", "invalid: '" + when + "' (one of " + ROTATE_WHEN + ")");
        }
        int backups = ini.integer("Log.BackupCount", 0);
        if (backups <= 0) {
            throw new DataFileException(file, "Log.BackupCount", "should be > 0: " + backups);
        }
        int queue = ini.integer("Log.QueueSize", 65536);
        if (queue <= 0) {
            throw new DataFileException(file, "Log.QueueSize", "should be > 0: " + queue);
        }
        String reqT = ini.get("Template.RequestTemplate", "");
        if (reqT.isEmpty()) {
            throw new DataFileException(file, "Template.RequestTemplate", "not set");
        }
        String sesT = ini.get("Template.SessionTemplate", "");
        if (sesT.isEmpty()) {
            throw new DataFileException(file, "Template.SessionTemplate", "not set");
        }
        LogTemplate request;
        LogTemplate session;
        try {
            request = LogTemplate.parse(LogTemplate.expand(reqT), LogTemplate.Domain.REQUEST);
        } catch (IllegalArgumentException e) {
            throw new DataFileException(file, "Template.RequestTemplate", e.getMessage());
        }
        try {
            session = LogTemplate.parse(sesT, LogTemplate.Domain.SESSION);
        } catch (IllegalArgumentException e) {
            throw new DataFileException(file, "Template.SessionTemplate", e.getMessage());
        }
        Path logFile = Ini.resolve(confRoot, dir).resolve(prefix + ".log");
        return new AccessConf(logFile, when, backups, queue, request, session);
    }
}
