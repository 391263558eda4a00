package io.troupe.booster.cas;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the booster believes each worker's content store holds: the blobs of its successful sub-works,
 * bounded per worker (least recently used forgotten first). A belief, not a fact: a worker may have evicted
 * a blob since, which costs an upload, never a wrong result. Not thread-safe (one actor uses it).
 *
 * @param <W> how a worker is named
 */
public final class Holdings<W> {

    private final int perWorker;
    private final Map<W, LinkedHashMap<String, Long>> held = new HashMap<>();

    /** @param perWorker blobs remembered per worker */
    public Holdings(int perWorker) {
        this.perWorker = perWorker;
    }

    /** {@code worker} now holds these blobs (digest → size). */
    public void held(W worker, Map<String, Long> blobs) {
        if (blobs.isEmpty()) {
            return;
        }
        LinkedHashMap<String, Long> set = held.computeIfAbsent(worker, w -> new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > perWorker;
            }
        });
        set.putAll(blobs);
    }

    /** Bytes of {@code wanted} (digest → size) that {@code worker} is believed to hold. */
    public long bytesHeld(W worker, Map<String, Long> wanted) {
        LinkedHashMap<String, Long> set = held.get(worker);
        if (set == null || wanted.isEmpty()) {
            return 0;
        }
        long bytes = 0;
        for (Map.Entry<String, Long> blob : wanted.entrySet()) {
            if (set.containsKey(blob.getKey())) {
                bytes += blob.getValue();
            }
        }
        return bytes;
    }

    /** The worker is gone. */
    public void forget(W worker) {
        held.remove(worker);
    }
}
