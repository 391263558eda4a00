package io.troupe.node.works;

import io.troupe.booster.cas.ContentStore;
import io.troupe.booster.client.AttemptIds;
import io.troupe.booster.worker.SubWorkExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * {@code /workers}: every worker the receptionist knows, asked for its load and its content store's counters
 * (admin path only; a worker that does not answer in time is listed with its error).
 */
public final class WorkersView {
    private WorkersView() {}

    public static CompletionStage<List<Map<String, Object>>> collect(ActorSystem<?> system, Duration timeout) {
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                        replyTo -> Receptionist.find(SubWorkExecutor.KEY, replyTo), timeout, system.scheduler())
                .thenCompose(listing -> {
                    List<CompletableFuture<Map<String, Object>>> each = new ArrayList<>();
                    for (ActorRef<SubWorkExecutor.Command> worker : listing.getServiceInstances(SubWorkExecutor.KEY)) {
                        each.add(one(system, worker, timeout).toCompletableFuture());
                    }
                    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(done -> {
                        List<Map<String, Object>> out = new ArrayList<>();
                        each.forEach(f -> out.add(f.join()));
                        out.sort(Comparator.comparing(m -> String.valueOf(m.get("address"))));
                        return out;
                    });
                });
    }

    private static CompletionStage<Map<String, Object>> one(ActorSystem<?> system, ActorRef<SubWorkExecutor.Command> worker,
                                                            Duration timeout) {
        CompletionStage<SubWorkExecutor.Load> load = AskPattern.ask(worker, SubWorkExecutor.GetLoad::new, timeout,
                system.scheduler());
        CompletionStage<ContentStore.Stats> cas = AskPattern.ask(worker, SubWorkExecutor.GetCasStats::new, timeout,
                system.scheduler());
        String address = worker.path().address().hasLocalScope() ? system.address().toString()
                : worker.path().address().toString();
        return load.thenCombine(cas, (l, c) -> json(address, l, c)).exceptionally(error -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("address", address);
            out.put("error", "no answer: " + error.getMessage());
            return out;
        });
    }

    static Map<String, Object> json(String address, SubWorkExecutor.Load load, ContentStore.Stats cas) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("address", load.worker() == null ? address : load.worker());
        out.put("slots", load.slots());
        out.put("running", load.running());
        List<Map<String, Object>> runs = new ArrayList<>();
        load.runs().forEach(run -> runs.add(run(run)));
        out.put("running_sub_works", runs);
        out.put("queued", load.queued());
        out.put("queue_size", load.queueSize());
        out.put("toolchains", load.toolchains());
        Map<String, Object> store = new LinkedHashMap<>();
        store.put("blobs", cas.blobs());
        store.put("bytes", cas.bytes());
        store.put("received_blobs", cas.receivedBlobs());
        store.put("received_bytes", cas.receivedBytes());
        store.put("evicted_blobs", cas.evictedBlobs());
        store.put("hits", cas.hits());
        store.put("misses", cas.misses());
        out.put("cas", store);
        return out;
    }

    /** One running sub-work; {@code work}, {@code index} and {@code attempt} when a booster made its id, else null. */
    static Map<String, Object> run(SubWorkExecutor.Run run) {
        Optional<AttemptIds.Parsed> id = AttemptIds.parse(run.subWorkId());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sub_work", run.subWorkId());
        out.put("work", id.map(AttemptIds.Parsed::work).orElse(null));
        out.put("index", id.map(AttemptIds.Parsed::index).orElse(null));
        out.put("attempt", id.map(AttemptIds.Parsed::attempt).orElse(null));
        out.put("command", run.command());
        out.put("booster", run.booster());
        out.put("since_ms", run.sinceMs());
        return out;
    }
}
