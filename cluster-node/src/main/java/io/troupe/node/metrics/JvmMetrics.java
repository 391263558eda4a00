package io.troupe.node.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import kamon.Kamon;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The JVM's heap, threads, GC, CPU and file descriptors as Kamon gauges ({@code jvm.*}, {@code process.*}), read
 * from the platform MXBeans once per interval (kamon-system-metrics is not on Maven Central for Kamon 2.7).
 * Kamon is global to the JVM, so one instance serves however many nodes a JVM runs.
 */
public final class JvmMetrics {

    public enum Tick implements NoSerializationVerificationNeeded { INSTANCE }

    private JvmMetrics() {}

    public static Behavior<Tick> create(Duration interval) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
            sample();
            return Behaviors.receiveMessage(tick -> {
                sample();
                return Behaviors.same();
            });
        }));
    }

    static void sample() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Kamon.gauge("jvm.memory.heap.used", "heap bytes in use").withoutTags().update(memory.getHeapMemoryUsage().getUsed());
        Kamon.gauge("jvm.memory.heap.committed", "heap bytes committed").withoutTags()
                .update(memory.getHeapMemoryUsage().getCommitted());
        Kamon.gauge("jvm.memory.heap.max", "heap bytes at most").withoutTags().update(memory.getHeapMemoryUsage().getMax());
        Kamon.gauge("jvm.memory.non-heap.used", "non-heap bytes in use").withoutTags()
                .update(memory.getNonHeapMemoryUsage().getUsed());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Kamon.gauge("jvm.threads.live", "live threads").withoutTags().update(threads.getThreadCount());
        Kamon.gauge("jvm.threads.daemon", "daemon threads").withoutTags().update(threads.getDaemonThreadCount());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            Kamon.gauge("jvm.gc.collections", "collections since start").withTag("collector", gc.getName())
                    .update(gc.getCollectionCount());
            Kamon.gauge("jvm.gc.time.ms", "milliseconds spent collecting since start").withTag("collector", gc.getName())
                    .update(gc.getCollectionTime());
        }
        Kamon.gauge("jvm.uptime.ms", "milliseconds since the JVM started").withoutTags()
                .update(ManagementFactory.getRuntimeMXBean().getUptime());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            Kamon.gauge("process.cpu.load", "this process's recent CPU use, 0 to 1").withoutTags()
                    .update(Math.max(os.getProcessCpuLoad(), 0));
            Kamon.gauge("process.open-fds", "open file descriptors").withoutTags().update(os.getOpenFileDescriptorCount());
            Kamon.gauge("process.max-fds", "file descriptor limit").withoutTags().update(os.getMaxFileDescriptorCount());
        }
    }
}
