package io.troupe.module.runtime;

import io.troupe.api.proxy.Module;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order modules are initialised in and their filters run in at every callback point. Built-in modules
 * follow BFE's compiled module list; a third-party module runs just after the module its
 * {@link Module#orderAfter()} names, or after all built-ins when it names none. Third-party modules that share
 * a position keep the order of {@code troupe.proxy.modules}. The config order never reorders built-ins.
 */
public final class ModuleOrder {

    /** BFE's compiled module list ({@code bfe_modules.moduleList}), the fixed order of the built-ins. */
    public static final List<String> BUILTIN = List.of(
            "mod_trust_clientip", "mod_logid", "mod_tcp_keepalive", "mod_userid", "mod_geo", "mod_tag", "mod_trace",
            "mod_cors", "mod_block", "mod_prison", "mod_auth_basic", "mod_auth_jwt", "mod_secure_link", "mod_waf",
            "mod_doh", "mod_redirect", "mod_static", "mod_rewrite", "mod_header", "mod_auth_request", "mod_errors",
            "mod_markdown", "mod_compress", "mod_key_log", "mod_http_code", "mod_access", "mod_wasm",
            "mod_unified_waf", "mod_ai_token_auth", "mod_ai_route", "mod_body_process", "mod_ai_rate_limit",
            "mod_access_pb3", "mod_session_sticky");

    private ModuleOrder() {
    }

    /**
     * Sorts the enabled modules.
     *
     * @param enabled the enabled modules in config order
     * @return the same modules in run order
     * @throws IllegalArgumentException naming the module when its {@code orderAfter} names a module that is
     *         neither built-in nor enabled, or when positions form a cycle
     */
    public static List<Module> sort(List<Module> enabled) {
        Map<String, Module> byName = new LinkedHashMap<>();
        Map<String, Integer> configIndex = new HashMap<>();
        for (Module m : enabled) {
            configIndex.put(m.name(), configIndex.size());
            byName.put(m.name(), m);
        }
        Map<String, List<Integer>> keys = new HashMap<>();
        for (Module m : enabled) {
            key(m.name(), byName, configIndex, keys, new HashSet<>());
        }
        List<Module> out = new ArrayList<>(enabled);
        out.sort(Comparator.comparing(m -> keys.get(m.name()), ModuleOrder::compare));
        return out;
    }

    /** Names of {@link #sort}. */
    public static List<String> names(List<Module> modules) {
        return modules.stream().map(Module::name).toList();
    }

    // sort key: a built-in at index i is [i]; a module after X is key(X) + [config index]; the default is [size, idx]
    private static List<Integer> key(String name, Map<String, Module> byName, Map<String, Integer> configIndex,
                                     Map<String, List<Integer>> keys, Set<String> visiting) {
        List<Integer> known = keys.get(name);
        if (known != null) {
            return known;
        }
        int builtin = BUILTIN.indexOf(name);
        List<Integer> k;
        if (builtin >= 0) {
            k = List.of(builtin);
        } else {
            if (!visiting.add(name)) {
                throw new IllegalArgumentException("module " + name + ": orderAfter forms a cycle through " + visiting);
            }
            Module m = byName.get(name);
            String after = m.orderAfter();
            List<Integer> base;
            if (after == null || after.isBlank()) {
                base = List.of(BUILTIN.size());
            } else if (byName.containsKey(after)) {
                base = key(after, byName, configIndex, keys, visiting);
            } else if (BUILTIN.contains(after)) {
                base = List.of(BUILTIN.indexOf(after));
            } else {
                throw new IllegalArgumentException("module " + name + ": orderAfter names " + after
                        + ", which is neither a built-in module nor enabled in troupe.proxy.modules");
            }
            List<Integer> kk = new ArrayList<>(base);
            kk.add(configIndex.get(name));
            k = List.copyOf(kk);
        }
        keys.put(name, k);
        return k;
    }

    private static int compare(List<Integer> a, List<Integer> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Integer.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }
}
