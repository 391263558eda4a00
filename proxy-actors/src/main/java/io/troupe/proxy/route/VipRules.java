package io.troupe.proxy.route;

import io.netty.util.NetUtil;
import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code vip_rule.data} (optional): the address a client connected to → product, tried when no host matched. */
final class VipRules {
    static final Set<String> FIELDS = Set.of("Version", "Vips");
    static final VipRules NONE = new VipRules("", Map.of());

    final String version;
    private final Map<String, String> vipToProduct;

    /** VIPs listed (BFE's VipTableSize). */
    int size() {
        return vipToProduct.size();
    }

    private VipRules(String version, Map<String, String> vipToProduct) {
        this.version = version;
        this.vipToProduct = vipToProduct;
    }

    static VipRules parse(Path file, List<String> warnings) throws ConfigException {
        ConfNode root = ConfNode.read(file);
        root.warnUnknown(FIELDS, warnings);
        ConfNode versionNode = root.field("Version");
        String version = versionNode.asString();
        if (version == null || version.isEmpty()) {
            throw versionNode.error("missing (BFE: no Version)");
        }
        Map<String, String> map = new HashMap<>();
        Map<String, ConfNode> vips = root.field("Vips").entries();
        if (vips != null) {
            for (Map.Entry<String, ConfNode> e : vips.entrySet()) {
                List<ConfNode> list = e.getValue().elements();
                if (list == null) {
                    continue;
                }
                for (ConfNode vipNode : list) {
                    String vip = vipNode.asString();
                    String normal = vip == null ? null : normalize(vip);
                    if (normal == null) {
                        throw vipNode.error("invalid vip " + vip + " for " + e.getKey() + " (an IP literal is required)");
                    }
                    map.put(normal, e.getKey());
                }
            }
        }
        return new VipRules(version, map);
    }

    String lookup(InetAddress local) {
        return local == null || vipToProduct.isEmpty() ? null : vipToProduct.get(local.getHostAddress());
    }

    private static String normalize(String vip) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(vip);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
