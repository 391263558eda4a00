package io.troupe.node;

import com.typesafe.config.Config;
import kamon.Kamon;
import kamon.prometheus.PrometheusReporter;

/**
 * The process-wide Kamon Prometheus reporter whose scrape text the admin API serves on {@code /metrics}.
 * Kamon is global to the JVM, so the reporter is registered once however many nodes a JVM runs (tests).
 */
public final class PrometheusMetrics {
    private static PrometheusReporter reporter;

    private PrometheusMetrics() {}

    /** Configures Kamon from {@code config} (first call only) and returns the shared reporter. */
    public static synchronized PrometheusReporter reporter(Config config) {
        if (reporter == null) {
            // Starts Kamon's metric ticker without the instrumentation agent; troupe-node-defaults.conf keeps
            // kamon-prometheus's own module (and its embedded HTTP server) off.
            Kamon.initWithoutAttaching(config);
            reporter = new PrometheusReporter("kamon.prometheus", config);
            Kamon.addReporter("troupe-prometheus", reporter);
        }
        return reporter;
    }
}
