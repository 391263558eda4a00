package io.troupe.proxy.chain;

import io.troupe.api.proxy.CallbackPoint;
import io.troupe.api.proxy.FilterResult;
import io.troupe.api.proxy.ForwardFilter;
import io.troupe.api.proxy.Request;
import io.troupe.api.proxy.RequestFilter;
import io.troupe.api.proxy.Response;
import io.troupe.api.proxy.ResponseFilter;
import io.troupe.api.proxy.ReturnCode;
import io.troupe.api.proxy.Session;
import io.troupe.api.proxy.SessionFilter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An immutable snapshot of every callback chain, in the fixed module order. The channel handlers run it
 * synchronously on their event loop; a chain stops at the first code that is not GO_ON.
 */
public final class Chains {
    /** No filters anywhere. */
    public static final Chains EMPTY = new Chains(List.of());

    private final SessionFilter[] accept;
    private final SessionFilter[] handshake;
    private final SessionFilter[] finish;
    private final RequestFilter[] beforeLocation;
    private final RequestFilter[] foundProduct;
    private final RequestFilter[] afterLocation;
    private final ForwardFilter[] forward;
    private final ResponseFilter[] readResponse;
    private final ResponseFilter[] requestFinish;
    private final Map<CallbackPoint, List<String>> modulesByPoint;
    private final int bodyBufferLimit;

    /** Builds the chains from module registrations already in module order. */
    public Chains(List<ModuleFilters> ordered) {
        accept = collect(ordered, CallbackPoint.ACCEPT, SessionFilter.class);
        handshake = collect(ordered, CallbackPoint.HANDSHAKE, SessionFilter.class);
        finish = collect(ordered, CallbackPoint.FINISH, SessionFilter.class);
        beforeLocation = collect(ordered, CallbackPoint.BEFORE_LOCATION, RequestFilter.class);
        foundProduct = collect(ordered, CallbackPoint.FOUND_PRODUCT, RequestFilter.class);
        afterLocation = collect(ordered, CallbackPoint.AFTER_LOCATION, RequestFilter.class);
        forward = collect(ordered, CallbackPoint.FORWARD, ForwardFilter.class);
        readResponse = collect(ordered, CallbackPoint.READ_RESPONSE, ResponseFilter.class);
        requestFinish = collect(ordered, CallbackPoint.REQUEST_FINISH, ResponseFilter.class);
        Map<CallbackPoint, List<String>> names = new EnumMap<>(CallbackPoint.class);
        for (CallbackPoint p : CallbackPoint.values()) {
            List<String> mods = new ArrayList<>();
            for (ModuleFilters m : ordered) {
                for (int i = 0; i < m.at(p).size(); i++) {
                    mods.add(m.module());
                }
            }
            names.put(p, List.copyOf(mods));
        }
        modulesByPoint = names;
        int limit = 0;
        for (ModuleFilters m : ordered) {
            limit = Math.max(limit, m.bodyLimit());
        }
        bodyBufferLimit = limit;
    }

    /** The largest request body some module wants buffered before the request filters run; 0 = stream. */
    public int bodyBufferLimit() {
        return bodyBufferLimit;
    }

    @SuppressWarnings("unchecked")
    private static <T> T[] collect(List<ModuleFilters> ordered, CallbackPoint point, Class<T> type) {
        List<T> all = new ArrayList<>();
        for (ModuleFilters m : ordered) {
            for (Object f : m.at(point)) {
                all.add(type.cast(f));
            }
        }
        return all.toArray((T[]) java.lang.reflect.Array.newInstance(type, 0));
    }

    /** The module names of each point's filters, in run order (BFE's module_handlers view). */
    public Map<String, List<String>> handlersByPoint() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        modulesByPoint.forEach((p, l) -> out.put(p.name(), l));
        return out;
    }

    public boolean has(CallbackPoint point) {
        return !modulesByPoint.get(point).isEmpty();
    }

    /** Runs a connection chain: ACCEPT, HANDSHAKE or FINISH. */
    public ReturnCode runSession(CallbackPoint point, Session session) {
        SessionFilter[] fs = switch (point) {
            case ACCEPT -> accept;
            case HANDSHAKE -> handshake;
            case FINISH -> finish;
            default -> throw new IllegalArgumentException(point + " is not a connection point");
        };
        for (SessionFilter f : fs) {
            ReturnCode c = f.filter(session);
            if (c != ReturnCode.GO_ON) {
                return plain(c);
            }
        }
        return ReturnCode.GO_ON;
    }

    /** Runs a request chain: BEFORE_LOCATION, FOUND_PRODUCT or AFTER_LOCATION. */
    public FilterResult runRequest(CallbackPoint point, Request request) {
        return runRequest(point, request, 0);
    }

    /**
     * Runs a request chain from its filter number {@code from}. A filter's {@link ReturnCode#BLOCKING} result
     * comes back with its work wrapped in a {@link Blocked} that names the filter to go on with.
     */
    public FilterResult runRequest(CallbackPoint point, Request request, int from) {
        RequestFilter[] fs = switch (point) {
            case BEFORE_LOCATION -> beforeLocation;
            case FOUND_PRODUCT -> foundProduct;
            case AFTER_LOCATION -> afterLocation;
            default -> throw new IllegalArgumentException(point + " is not a request point");
        };
        for (int i = from; i < fs.length; i++) {
            FilterResult r = fs[i].filter(request);
            if (r == null) {
                return FilterResult.CLOSE;
            }
            if (r.code() == ReturnCode.BLOCKING) {
                return new FilterResult(ReturnCode.BLOCKING, null, new Blocked(r.work(), i + 1));
            }
            if (r.code() != ReturnCode.GO_ON) {
                return r;
            }
        }
        return FilterResult.GO_ON;
    }

    /** A request filter's blocking work, and the number of the filter after it (where a GO_ON goes on). */
    public record Blocked(Supplier<FilterResult> work, int next) implements Supplier<FilterResult> {
        @Override
        public FilterResult get() {
            return work.get();
        }
    }

    /** Only request filters can hand over blocking work; any other filter's BLOCKING (or null) closes. */
    private static ReturnCode plain(ReturnCode c) {
        return c == null || c == ReturnCode.BLOCKING ? ReturnCode.CLOSE : c;
    }

    /** Runs the FORWARD chain. */
    public ReturnCode runForward(Request request) {
        for (ForwardFilter f : forward) {
            ReturnCode c = f.filter(request);
            if (c != ReturnCode.GO_ON) {
                return plain(c);
            }
        }
        return ReturnCode.GO_ON;
    }

    /** Runs a response chain: READ_RESPONSE or REQUEST_FINISH. */
    public ReturnCode runResponse(CallbackPoint point, Request request, Response response) {
        ResponseFilter[] fs = switch (point) {
            case READ_RESPONSE -> readResponse;
            case REQUEST_FINISH -> requestFinish;
            default -> throw new IllegalArgumentException(point + " is not a response point");
        };
        for (ResponseFilter f : fs) {
            ReturnCode c = f.filter(request, response);
            if (c != ReturnCode.GO_ON) {
                return plain(c);
            }
        }
        return ReturnCode.GO_ON;
    }
}
