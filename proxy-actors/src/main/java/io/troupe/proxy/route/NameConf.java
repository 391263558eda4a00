package io.troupe.proxy.route;

import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BFE's {@code server_data_conf/name_conf.data}: service name → instances ({@code Host}, {@code Port},
 * {@code Weight}), for settings that name a service instead of an address. Immutable; a reload swaps a new
 * one into the {@link NameHolder} on {@code /reload/name_conf}.
 */
public record NameConf(String version, Map<String, List<Instance>> names) {

    /** One instance of a named service. */
    public record Instance(String host, int port, int weight) {}

    /** No file: no names. */
    public static final NameConf EMPTY = new NameConf("", Map.of());

    static final Set<String> FIELDS = Set.of("Version", "Config");
    static final Set<String> INSTANCE_FIELDS = Set.of("Host", "Port", "Weight");

    public static NameConf load(Path file, List<String> warnings) throws ConfigException {
        ConfNode root = ConfNode.read(file);
        root.warnUnknown(FIELDS, warnings);
        String version = root.requiredString("Version");
        Map<String, List<Instance>> names = new LinkedHashMap<>();
        for (Map.Entry<String, ConfNode> e : root.requiredEntries("Config").entrySet()) {
            if (e.getKey().isEmpty()) {
                throw e.getValue().error("empty name");
            }
            List<ConfNode> items = e.getValue().elements();
            if (items == null || items.isEmpty()) {
                throw e.getValue().error("no instance for " + e.getKey());
            }
            List<Instance> instances = new ArrayList<>();
            for (ConfNode i : items) {
                i.warnUnknown(INSTANCE_FIELDS, warnings);
                String host = i.requiredString("Host");
                if (host.isBlank()) {
                    throw i.field("Host").error("empty host");
                }
                ConfNode portNode = i.required("Port");
                int port = portNode.asInt();
                if (port < 1 || port > 65535) {
                    throw portNode.error("port " + port + " is out of range (1..65535)");
                }
                ConfNode weightNode = i.required("Weight");
                int weight = weightNode.asInt();
                if (weight < 0) {
                    throw weightNode.error("weight " + weight + " is negative");
                }
                instances.add(new Instance(host, port, weight));
            }
            names.put(e.getKey(), List.copyOf(instances));
        }
        return new NameConf(version, Map.copyOf(names));
    }

    /** The instances of {@code name} with a positive weight; empty when the name is unknown. */
    public List<Instance> lookup(String name) {
        List<Instance> all = names.get(name);
        return all == null ? List.of() : all.stream().filter(i -> i.weight() > 0).toList();
    }
}
