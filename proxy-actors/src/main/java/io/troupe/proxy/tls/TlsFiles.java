package io.troupe.proxy.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the TLS tables come from: BFE's {@code [HttpsBasic] ServerCertConf}, {@code TlsRuleConf} and
 * {@code ClientCABaseDir}; relative certificate paths inside the files resolve against {@code confRoot}.
 */
public record TlsFiles(Path confRoot, Path serverCertConf, Path tlsRuleConf, Path clientCaBaseDir,
                       List<String> cipherSuites) {

    /** For {@code /reload/tls_conf?path=DIR}: the two data files of the same names taken from DIR. */
    public TlsFiles withDir(Path dir) {
        return new TlsFiles(confRoot, dir.resolve(serverCertConf.getFileName()), dir.resolve(tlsRuleConf.getFileName()),
                clientCaBaseDir, cipherSuites);
    }
}
