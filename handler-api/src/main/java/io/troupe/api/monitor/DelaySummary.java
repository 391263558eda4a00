package io.troupe.api.monitor;

import java.util.Arrays;

/**
 * Immutable latency histogram of one window (BFE's {@code delay_counter.DelaySummary}). Durations are in
 * microseconds; bucket {@code i < bucketNum} counts samples in {@code [i, i+1) × bucketSize} milliseconds and
 * bucket {@code bucketNum} counts everything at or above {@code bucketNum × bucketSize} ms.
 */
public final class DelaySummary {

    private final int bucketSize;
    private final int bucketNum;
    private final long count;
    private final long sum;
    private final long[] counters;

    /**
     * Creates a summary.
     *
     * @param bucketSize bucket width in milliseconds
     * @param bucketNum number of regular buckets ({@code counters} has one more, the overflow bucket)
     * @param count number of samples
     * @param sum sum of the samples in microseconds
     * @param counters samples per bucket, {@code bucketNum + 1} entries; copied
     */
    public DelaySummary(int bucketSize, int bucketNum, long count, long sum, long[] counters) {
        if (counters.length != bucketNum + 1) {
            throw new IllegalArgumentException("DelaySummary: counters has " + counters.length
                    + " entries, expected bucketNum + 1 = " + (bucketNum + 1));
        }
        this.bucketSize = bucketSize;
        this.bucketNum = bucketNum;
        this.count = count;
        this.sum = sum;
        this.counters = counters.clone();
    }

    /** An empty summary. */
    public static DelaySummary empty(int bucketSize, int bucketNum) {
        return new DelaySummary(bucketSize, bucketNum, 0, 0, new long[bucketNum + 1]);
    }

    /** Bucket width in milliseconds. */
    public int bucketSize() {
        return bucketSize;
    }

    /** Number of regular buckets. */
    public int bucketNum() {
        return bucketNum;
    }

    /** Number of samples. */
    public long count() {
        return count;
    }

    /** Sum of the samples in microseconds. */
    public long sum() {
        return sum;
    }

    /** Average sample in microseconds, rounded down; 0 without samples (BFE's {@code Ave}). */
    public long ave() {
        return count == 0 ? 0 : sum / count;
    }

    /** Samples in bucket {@code i}, {@code 0 <= i <= bucketNum}. */
    public long counter(int i) {
        return counters[i];
    }

    /** A copy of the per-bucket counts ({@code bucketNum + 1} entries). */
    public long[] counters() {
        return counters.clone();
    }

    /**
     * This summary plus {@code other} (BFE's {@code calcSum}), such as one window summed over cluster nodes.
     *
     * @throws IllegalArgumentException when the bucket layouts differ
     */
    public DelaySummary plus(DelaySummary other) {
        if (bucketSize != other.bucketSize || bucketNum != other.bucketNum) {
            throw new IllegalArgumentException("DelaySummary: bucket size or num not match ("
                    + bucketSize + "x" + bucketNum + " vs " + other.bucketSize + "x" + other.bucketNum + ")");
        }
        long[] c = counters.clone();
        for (int i = 0; i < c.length; i++) {
            c[i] += other.counters[i];
        }
        return new DelaySummary(bucketSize, bucketNum, count + other.count, sum + other.sum, c);
    }

    void appendJson(StringBuilder b) {
        b.append("{\"BucketSize\":").append(bucketSize)
                .append(",\"BucketNum\":").append(bucketNum)
                .append(",\"Count\":").append(count)
                .append(",\"Sum\":").append(sum)
                .append(",\"Ave\":").append(ave())
                .append(",\"Counters\":[");
        for (int i = 0; i < counters.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(counters[i]);
        }
        b.append("]}");
    }

    void appendKeyValue(StringBuilder b, String prefix) {
        b.append(prefix).append("_BucketSize:").append(bucketSize).append('\n');
        b.append(prefix).append("_BucketNum:").append(bucketNum).append('\n');
        b.append(prefix).append("_Count:").append(count).append('\n');
        b.append(prefix).append("_Sum:").append(sum).append('\n');
        b.append(prefix).append("_Ave:").append(ave()).append('\n');
        for (int i = 0; i < counters.length; i++) {
            b.append(prefix).append("_Counters_").append(i).append(':').append(counters[i]).append('\n');
        }
    }

    void appendPrometheus(StringBuilder b, String name) {
        b.append("# TYPE ").append(name).append(" histogram\n");
        long cumulative = 0;
        for (int i = 0; i < bucketNum; i++) {
            cumulative += counters[i];
            b.append(name).append("_bucket{le=\"").append((long) (i + 1) * bucketSize * 1000L).append("\"} ")
                    .append(cumulative).append('\n');
        }
        b.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n');
        b.append(name).append("_sum ").append(sum).append('\n');
        b.append(name).append("_count ").append(count).append('\n');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DelaySummary d && d.bucketSize == bucketSize && d.bucketNum == bucketNum
                && d.count == count && d.sum == sum && Arrays.equals(d.counters, counters);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(count) * 31 + Arrays.hashCode(counters);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        appendJson(b);
        return b.toString();
    }
}
