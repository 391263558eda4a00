package io.troupe.module.header;

import io.troupe.api.proxy.HeaderName;
import io.troupe.api.proxy.Request;
import io.troupe.module.support.AddressText;
import io.troupe.module.support.NumberText;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The {@code %}-variables of mod_header header values (BFE's {@code VariableHandlers}), evaluated per request.
 * Besides BFE's names, {@code %http_<name>} reads a request header, {@code _} standing for {@code -}
 * ({@code %http_x_user_id} is {@code X-User-Id}).
 */
final class HeaderVariables {
    /** Address texts of the last client and server seen, so a variable does not format an address per request. */
    private static final AddressText CLIENT_IP = new AddressText();
    private static final AddressText VIP = new AddressText();

    private HeaderVariables() {}

    static final String UNKNOWN = "unknown";
    private static final String HOST_NAME = hostName();
    private static final Map<String, Function<Request, String>> VARS = new HashMap<>();

    static {
        VARS.put("bfe_client_ip", HeaderVariables::clientIp);
        VARS.put("bfe_client_port", HeaderVariables::clientPort);
        VARS.put("bfe_request_host", Request::host);
        VARS.put("bfe_session_id", r -> Long.toString(r.session().id()));
        VARS.put("bfe_log_id", r -> context(r, "mod_logid.log_id"));
        VARS.put("bfe_cip", HeaderVariables::clientIp);
        VARS.put("bfe_vip", r -> ip(VIP, r.session().localAddress(), UNKNOWN));
        VARS.put("bfe_bip", r -> UNKNOWN);
        VARS.put("bfe_rip", r -> ip(VIP, r.session().localAddress(), UNKNOWN));
        VARS.put("bfe_server_name", r -> HOST_NAME);
        VARS.put("bfe_cluster", r -> orEmpty(r.cluster()));
        VARS.put("bfe_backend_info", r -> "ClusterName:" + orEmpty(r.cluster()) + ",SubClusterName:,BackendName:"
                + orEmpty(r.backend()) + "(" + orEmpty(r.backend()) + ")");
        VARS.put("bfe_ssl_resume", r -> "");
        VARS.put("bfe_ssl_cipher", r -> "");
        VARS.put("bfe_ssl_version", r -> "");
        VARS.put("bfe_protocol", Request::protocol);
        VARS.put("client_cert_serial_number", r -> "");
        VARS.put("client_cert_subject_title", r -> "");
        VARS.put("client_cert_subject_common_name", r -> "");
        VARS.put("client_cert_subject_organization", r -> "");
        VARS.put("bfe_client_geo_country_iso_code", r -> context(r, "mod_geo.country_iso_code"));
        VARS.put("bfe_client_geo_subdivision_iso_code", r -> context(r, "mod_geo.subdivision_iso_code"));
        VARS.put("bfe_client_geo_city_name", r -> context(r, "mod_geo.city_name"));
        VARS.put("bfe_client_geo_latitude", r -> context(r, "mod_geo.latitude"));
        VARS.put("bfe_client_geo_longitude", r -> context(r, "mod_geo.longitude"));
    }

    /** The handler for a variable name (without {@code %}), or {@code null} when there is none. */
    static Function<Request, String> lookup(String name) {
        Function<Request, String> f = VARS.get(name);
        if (f != null) {
            return f;
        }
        if (name.startsWith("http_") && name.length() > 5) {
            HeaderName header = HeaderName.of(name.substring(5).replace('_', '-'));
            return r -> orEmpty(r.header(header));
        }
        return null;
    }

    private static String clientIp(Request r) {
        return ip(CLIENT_IP, r.clientAddress(), "");
    }

    private static String clientPort(Request r) {
        InetSocketAddress a = r.clientAddress();
        return a == null ? "" : NumberText.of(a.getPort());
    }

    private static String ip(AddressText cache, InetSocketAddress a, String none) {
        return a == null || a.getAddress() == null ? none : cache.host(a.getAddress());
    }

    private static String context(Request r, String key) {
        return r.getContext(key) instanceof String s ? s : "";
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        } catch (UnknownHostException e) {
            return UNKNOWN;
        }
    }
}
