package io.troupe.proxy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.troupe.module.web.WebHandlerRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Runs the proxy alone, without the cluster node (benchmarks, the streaming test, trying out a config):
 * {@code java -cp <proxy-actors classpath> io.troupe.proxy.ProxyMain --conf conf [--http-port N] [--https-port N]}.
 * Other settings come from {@code -Dtroupe.proxy.*} system properties. Prints {@code PROXY_HTTP_PORT=<port>}
 * once listening; stops cleanly (draining) on SIGTERM.
 */
public final class ProxyMain {
    private ProxyMain() {}

    public static void main(String[] args) throws Exception {
        Path conf = Path.of("conf");
        Config overrides = ConfigFactory.empty();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--conf" -> conf = Path.of(required(a, v));
                case "--http-port" -> overrides = overrides.withValue("troupe.proxy.http-port",
                        ConfigValueFactory.fromAnyRef(port(a, required(a, v))));
                case "--https-port" -> overrides = overrides.withValue("troupe.proxy.https-port",
                        ConfigValueFactory.fromAnyRef(port(a, required(a, v))));
                default -> {
                    System.err.println("unknown argument " + a
                            + " (usage: ProxyMain --conf DIR [--http-port N] [--https-port N])");
                    System.exit(2);
                }
            }
            i++;
        }
        if (!Files.isDirectory(conf)) {
            System.err.println("--conf " + conf + ": not a directory");
            System.exit(2);
        }
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "troupe-proxy",
                overrides.withFallback(ConfigFactory.load()));
        try {
            ProxyRuntime rt = ProxyRuntime.start(system, conf, new WebHandlerRegistry());
            System.out.println("PROXY_HTTP_PORT=" + rt.httpPort());
            System.out.println("PROXY_HTTPS_PORT=" + rt.httpsPort());
            System.out.flush();
        } catch (Exception e) {
            System.err.println("proxy failed to start: " + e.getMessage());
            system.terminate();
            System.exit(1);
        }
        system.getWhenTerminated().toCompletableFuture().join();
    }

    private static String required(String flag, String value) {
        if (value == null) {
            System.err.println(flag + " needs a value");
            System.exit(2);
        }
        return value;
    }

    private static int port(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            System.err.println(flag + " " + value + ": not a port number");
            System.exit(2);
            return -1;
        }
    }
}
