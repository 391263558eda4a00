package io.troupe.module.access;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.Callbacks;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.Module;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.Session;
import io.troupe.api.proxy.WebHandlers;
import io.troupe.api.proxy.config.ConfigFileException;
import io.troupe.module.support.ModuleState;
import java.io.IOException;
import java.nio.file.Path;

/**
 * BFE's mod_access: one line per request (RequestTemplate, at REQUEST_FINISH) and one per connection
 * (SessionTemplate, at FINISH), written to {@code <LogDir>/<LogPrefix>.log} by a writer thread that lives until
 * {@link #close()}.
 */
public final class ModAccess implements Module, AutoCloseable {
    public static final String NAME = "mod_access";
    /** Where the request's start time is kept between BEFORE_LOCATION and REQUEST_FINISH. */
    static final String START_KEY = "mod_access.start_nanos";

    private final ModuleState state = new ModuleState(NAME, "REQ_LOG", "SES_LOG", "LOG_WRITE", "LOG_DROP", "LOG_REOPEN", "LOG_ROTATE", "LOG_WRITE_ERR");
    private AccessConf conf;
    private AccessLogWriter writer;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(Callbacks callbacks, WebHandlers web, Path confRoot) throws ConfigFileException, IOException {
        Path confFile = confRoot.resolve(NAME).resolve(NAME + ".conf");
        conf = AccessConf.load(confFile, confRoot);
        try {
            writer = new AccessLogWriter(conf.logFile(), conf.queueSize(), 1000, true, new AccessLogWriter.Counters(
                    state.counter("LOG_WRITE"), state.counter("LOG_DROP"), state.counter("LOG_REOPEN"),
                    state.counter("LOG_ROTATE"), state.counter("LOG_WRITE_ERR")),
                    conf.rotateWhen() == null ? null // LogFile: never rotated, as BFE
                            : Rotation.of(conf.rotateWhen(), conf.backupCount(), System::currentTimeMillis));
        } catch (IOException e) {
            throw new ConfigFileException(confFile, conf.rotateWhen() == null ? "Log.LogFile" : "Log.LogDir",
                    "cannot open " + conf.logFile() + ": " + e.getMessage(), e);
        }
        callbacks.addFilter(CallbackPoint.BEFORE_LOCATION, this::onBeforeLocation);
        callbacks.addFilter(CallbackPoint.REQUEST_FINISH, this::onRequestFinish);
        callbacks.addFilter(CallbackPoint.FINISH, this::onSessionFinish);
        state.register(web);
        // reopen signal for log rotation tools (moving the file is also noticed within a second)
        web.registerReload(NAME, params -> {
            writer.reopen();
            return "reopen " + conf.logFile();
        });
    }

    private FilterResult onBeforeLocation(Request req) {
        if (conf.request().usesStartTime()) {
            // only $all_time reads it; the boxed time and the request's context map cost every request otherwise
            req.setContext(START_KEY, System.nanoTime());
        }
        return FilterResult.GO_ON;
    }

    private ReturnCode onRequestFinish(Request req, Response res) {
        Object start = req.getContext(START_KEY);
        String line = conf.request().render(req, res, start instanceof Long l ? l : 0L);
        if (writer.offer(line)) {
            state.inc("REQ_LOG");
        }
        return ReturnCode.GO_ON;
    }

    private ReturnCode onSessionFinish(Session s) {
        if (writer.offer(conf.session().render(s, System.currentTimeMillis()))) {
            state.inc("SES_LOG");
        }
        return ReturnCode.GO_ON;
    }

    /** The writer's own counts (reopens, write errors) as the monitor shows them. */
    long reopens() {
        return writer.counters.reopened().get();
    }

    long dropped() {
        return writer.counters.dropped().get();
    }

    Path logFile() {
        return conf.logFile();
    }

    /**
     * Flushes what is queued and stops the writer thread. The module runtime calls it when the proxy stops (also on
     * a JVM exit, through CoordinatedShutdown), after the last connection's lines were queued.
     */
    @Override
    public void close() {
        if (writer != null) {
            writer.close();
        }
    }
}
