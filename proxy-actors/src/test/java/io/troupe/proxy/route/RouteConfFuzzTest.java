package io.troupe.proxy.route;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.troupe.api.fuzz.FuzzLimits;
import io.troupe.proxy.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * Fuzzes the routing {@code .data} loaders ({@link RouteTables#load}: host_rule, vip_rule, route_rule,
 * cluster_conf, cluster_table, gslb): the input's last byte picks the file, the rest replaces it, the other
 * files are the shipped conf/ ones. Only a {@link ConfigException} naming a file may come out.
 * Seeds: {@code RouteConfFuzzTestInputs/load} (a file's bytes followed by its index).
 */
@Tag("fuzz")
class RouteConfFuzzTest {
    private static final Path ROOT = copyConf();
    private static final RouteFiles FILES = RouteFiles.standard(ROOT);
    private static final List<Path> TARGETS = List.of(FILES.hostRule(), FILES.vipRule(), FILES.routeRule(),
            FILES.clusterConf(), FILES.clusterTable(), FILES.gslb());

    private static Path copyConf() {
        try {
            Path root = FuzzLimits.scratchDir("routeconf-fuzz");
            Path src = Path.of("..", "conf").toAbsolutePath().normalize();
            for (String dir : List.of("server_data_conf", "cluster_conf")) {
                Files.createDirectories(root.resolve(dir));
                try (var files = Files.list(src.resolve(dir))) {
                    for (Path f : files.toList()) {
                        Files.copy(f, root.resolve(dir).resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void load(FuzzedDataProvider data) throws IOException {
        Path target = TARGETS.get(data.consumeInt(0, TARGETS.size() - 1));
        byte[] original = Files.exists(target) ? Files.readAllBytes(target) : null;
        Files.write(target, data.consumeRemainingAsBytes());
        long start = System.nanoTime();
        try {
            RouteTables tables = RouteTables.load(FILES);
            assertNotNull(tables.version());
            tables.warnings();
            tables.route(new TestRequest("GET", "www.example.org", "/a?b=c", "10.0.0.1"));
        } catch (ConfigException e) {
            assertNotNull(e.file(), "a load error names the file: " + e.getMessage());
        } finally {
            if (original == null) {
                Files.delete(target);
            } else {
                Files.write(target, original);
            }
        }
        FuzzLimits.checkTime(start, target.getFileName());
    }
}
