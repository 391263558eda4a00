package io.troupe.proxy.tls;

import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * BFE's {@code tls_conf/tls_rule_conf.data}: per product, the certificate, ALPN protocols, security grade and
 * client-certificate (mTLS) policy, selected by listener address ({@code VipConf}) or server name ({@code SniConf}).
 */
public record TlsRuleConf(String version, List<String> defaultNextProtos, Map<String, Rule> rules) {

    /**
     * One product's rule. {@code nextProtos} are plain protocol names (BFE's {@code ;rate=..;level=..}
     * parameters are parsed and checked, then used only to drop an optional protocol offered to no client).
     */
    public record Rule(String product, String certName, List<String> nextProtos, String grade, boolean clientAuth,
                       String clientCaName, List<String> vips, List<String> snis, String field) {}

    static final Set<String> FIELDS = Set.of("Version", "DefaultNextProtos", "Config", "DefaultChacha20",
            "DefaultDynamicRecord");
    static final Set<String> RULE_FIELDS = Set.of("CertName", "NextProtos", "Grade", "ClientAuth", "ClientCAName",
            "VipConf", "SniConf", "Chacha20", "DynamicRecord", "ClientCRL");
    /** BFE's grades: A+ and A allow TLS 1.2 and later only, B and C the JDK's defaults. */
    static final Set<String> GRADES = Set.of("A+", "A", "B", "C");
    static final List<String> BFE_DEFAULT_NEXT_PROTOS = List.of("http/1.1");

    public static TlsRuleConf load(Path file, List<String> warnings) throws ConfigException {
        ConfNode root = ConfNode.read(file);
        root.warnUnknown(FIELDS, warnings);
        String version = root.requiredString("Version");
        for (String f : List.of("DefaultChacha20", "DefaultDynamicRecord")) {
            if (Boolean.TRUE.equals(root.field(f).asBool())) {
                warnings.add(root.file() + ": " + f + ": not supported by Troupe (the JDK chooses), ignored");
            }
        }
        ConfNode defNode = root.field("DefaultNextProtos");
        List<String> defaults = defNode.present() ? nextProtos(defNode) : List.of();
        if (defaults.isEmpty()) {
            defaults = BFE_DEFAULT_NEXT_PROTOS;
        }
        Map<String, ConfNode> entries = root.requiredEntries("Config");
        Map<String, Rule> rules = new LinkedHashMap<>();
        Map<String, String> vipOwner = new LinkedHashMap<>();
        Map<String, String> sniOwner = new LinkedHashMap<>();
        for (Map.Entry<String, ConfNode> e : entries.entrySet()) {
            ConfNode r = e.getValue();
            if (!r.present()) {
                throw r.error("tls rule is null");
            }
            r.warnUnknown(RULE_FIELDS, warnings);
            String cert = r.requiredString("CertName");
            ConfNode protoNode = r.field("NextProtos");
            List<String> protos = protoNode.present() ? nextProtos(protoNode) : List.of();
            ConfNode gradeNode = r.field("Grade");
            String grade = gradeNode.asString();
            grade = grade == null || grade.isEmpty() ? "C" : grade.toUpperCase(Locale.ROOT);
            if (!GRADES.contains(grade)) {
                throw gradeNode.error("Grade must be one of A+, A, B, C, but is " + grade);
            }
            boolean clientAuth = Boolean.TRUE.equals(r.field("ClientAuth").asBool());
            ConfNode caNode = r.field("ClientCAName");
            String ca = caNode.asString();
            if (clientAuth && (ca == null || ca.isEmpty())) {
                throw caNode.error("ClientAuth is true but ClientCAName is empty");
            }
            for (String f : List.of("Chacha20", "DynamicRecord")) {
                if (Boolean.TRUE.equals(r.field(f).asBool())) {
                    warnings.add(r.file() + ": " + r.field(f).path() + ": not supported by Troupe (the JDK chooses), ignored");
                }
            }
            List<String> vips = strings(r.field("VipConf"));
            List<String> snis = strings(r.field("SniConf"));
            for (String vip : vips) {
                String other = vipOwner.putIfAbsent(vip, e.getKey());
                if (other != null) {
                    throw r.field("VipConf").error("vip " + vip + " is also in product " + other);
                }
            }
            for (String sni : snis) {
                String other = sniOwner.putIfAbsent(sni.toLowerCase(Locale.ROOT), e.getKey());
                if (other != null) {
                    throw r.field("SniConf").error("server name " + sni + " is also in product " + other);
                }
            }
            rules.put(e.getKey(), new Rule(e.getKey(), cert, protos, grade, clientAuth, ca, vips, snis, r.path()));
        }
        return new TlsRuleConf(version, defaults, rules);
    }

    private static List<String> strings(ConfNode n) throws ConfigException {
        List<String> l = n.asStringList();
        return l == null ? List.of() : List.copyOf(l);
    }

    /**
     * Parses BFE's {@code proto;rate=N;level=N;mcs=N;isw=N} entries. Troupe speaks {@code h2} and {@code http/1.1};
     * {@code spdy/3.1} and {@code stream} are refused naming the field. An optional protocol
     * ({@code level=0}) with {@code rate=0} is offered to no client and is dropped.
     */
    static List<String> nextProtos(ConfNode n) throws ConfigException {
        List<ConfNode> items = n.elements();
        List<String> out = new ArrayList<>();
        for (ConfNode item : items) {
            String s = item.asString();
            if (s == null || s.isBlank()) {
                throw item.error("empty protocol");
            }
            String[] parts = s.split(";");
            String proto = parts[0].trim().toLowerCase(Locale.ROOT);
            if (!proto.equals("h2") && !proto.equals("http/1.1")) {
                throw item.error("protocol " + proto + " is not supported (Troupe offers h2 and http/1.1)");
            }
            int rate = 100;
            int level = 0;
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].trim().split("=", 2);
                if (kv.length != 2) {
                    throw item.error("invalid parameter " + parts[i] + " (expected key=value)");
                }
                int v;
                try {
                    v = Integer.parseInt(kv[1].trim());
                } catch (NumberFormatException ex) {
                    throw item.error("invalid value in " + parts[i]);
                }
                switch (kv[0].trim()) {
                    case "rate" -> {
                        if (v < 0 || v > 100) {
                            throw item.error("rate must be 0..100, but is " + v);
                        }
                        rate = v;
                    }
                    case "level" -> {
                        if (v < 0 || v > 2) {
                            throw item.error("level must be 0..2, but is " + v);
                        }
                        level = v;
                    }
                    case "mcs", "isw" -> { }
                    default -> throw item.error("unknown parameter " + kv[0].trim());
                }
            }
            if (level == 0 && rate == 0) {
                continue;
            }
            if (!out.contains(proto)) {
                out.add(proto);
            }
        }
        return List.copyOf(out);
    }
}
