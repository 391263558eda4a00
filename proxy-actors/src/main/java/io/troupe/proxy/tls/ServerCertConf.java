package io.troupe.proxy.tls;

import io.troupe.proxy.config.ConfNode;
import io.troupe.proxy.config.ConfigException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BFE's {@code tls_conf/server_cert_conf.data}: the server certificates by name and the default one.
 * Relative file names are resolved against the conf root, as BFE does.
 *
 * @param certs certificate name → files, in file order
 */
public record ServerCertConf(String version, String defaultName, Map<String, CertFiles> certs) {

    /** One {@code Config.CertConf.<name>} entry; {@code ocspResponseFile} may be {@code null}. */
    public record CertFiles(String name, Path certFile, Path keyFile, Path ocspResponseFile, String field) {}

    static final Set<String> FIELDS = Set.of("Version", "Config");
    static final Set<String> CONFIG_FIELDS = Set.of("Default", "CertConf");
    static final Set<String> CERT_FIELDS = Set.of("ServerCertFile", "ServerKeyFile", "OcspResponseFile");

    public static ServerCertConf load(Path file, Path confRoot, List<String> warnings) throws ConfigException {
        ConfNode root = ConfNode.read(file);
        root.warnUnknown(FIELDS, warnings);
        String version = root.requiredString("Version");
        ConfNode config = root.required("Config");
        config.warnUnknown(CONFIG_FIELDS, warnings);
        ConfNode defNode = config.required("Default");
        String def = defNode.asString();
        Map<String, ConfNode> entries = config.requiredEntries("CertConf");
        if (entries.isEmpty()) {
            throw config.field("CertConf").error("no certificate configured");
        }
        Map<String, CertFiles> certs = new LinkedHashMap<>();
        for (Map.Entry<String, ConfNode> e : entries.entrySet()) {
            ConfNode c = e.getValue();
            if (!c.present()) {
                throw c.error("certificate config is null");
            }
            c.warnUnknown(CERT_FIELDS, warnings);
            String ocsp = c.field("OcspResponseFile").asString();
            if (ocsp != null && !ocsp.isEmpty()) {
                warnings.add(c.file() + ": " + c.field("OcspResponseFile").path() + ": OCSP stapling is not supported by Troupe, ignored");
            }
            certs.put(e.getKey(), new CertFiles(e.getKey(), resolve(confRoot, c.requiredString("ServerCertFile")),
                    resolve(confRoot, c.requiredString("ServerKeyFile")),
                    ocsp == null || ocsp.isEmpty() ? null : resolve(confRoot, ocsp), c.path()));
        }
        if (!certs.containsKey(def)) {
            throw defNode.error("default certificate " + def + " is not in CertConf");
        }
        return new ServerCertConf(version, def, certs);
    }

    static Path resolve(Path confRoot, String file) {
        Path p = Path.of(file);
        return p.isAbsolute() || confRoot == null ? p : confRoot.resolve(p);
    }
}
