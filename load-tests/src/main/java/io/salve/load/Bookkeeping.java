package io.salve.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What one measurement sent and what came back: the ids still unanswered, end-to-end latency (overall and per
 * interval), error codes and the edit versions the answers were computed with. Times are {@link System#nanoTime()}
 * values passed in by the caller, so the arithmetic is testable without a clock. Safe for one sending thread, one
 * receiving thread and one thread calling {@link #tick} and {@link #finish}.
 */
final class Bookkeeping {

    /** Code counted for a request the producer could not deliver to the broker. */
    static final String SEND_FAILED = "SEND_FAILED";
    /** Code counted for a result record that is not a readable result. */
    static final String UNREADABLE_RESULT = "UNREADABLE_RESULT";
    private static final int LOST_IDS_KEPT = 20;
    static final String STAGE_TO_RESULT = "dueToResultRecord";
    static final String STAGE_IN_SERVICE = "inService";
    static final String STAGE_MODEL = "model";
    static final String STAGE_RESULT_HOP = "resultRecordToArrival";
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final String prefix;
    private final long startNanos;
    private final ConcurrentHashMap<String, Long> outstanding = new ConcurrentHashMap<>();
    // Ids already settled, when (first answer; MAX_VALUE for a failed send), to tell an at-least-once duplicate from
    // a first answer and a duplicate of an answer given before the mark from one given after it.
    private final ConcurrentHashMap<String, Long> settled = new ConcurrentHashMap<>();
    private final Recorder interval = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
    // Where a request's latency goes, by the record timestamps (ms) of the shared clock: due -> the service produces
    // its result; the service's own part of that (decode to model output); the result record's way back.
    private final long startWallMillis = System.currentTimeMillis();
    private final Map<String, Histogram> stages = Map.of(
            STAGE_TO_RESULT, new ConcurrentHistogram(HIGHEST_MICROS, 3),
            STAGE_IN_SERVICE, new ConcurrentHistogram(HIGHEST_MICROS, 3),
            STAGE_MODEL, new ConcurrentHistogram(HIGHEST_MICROS, 3),
            STAGE_RESULT_HOP, new ConcurrentHistogram(HIGHEST_MICROS, 3));
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong reanswered = new AtomicLong();
    private volatile long markNanos = Long.MAX_VALUE;
    private final AtomicLong firstAnswerSinceMark = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong firstSendNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastAnswerNanos = new AtomicLong(Long.MIN_VALUE);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<Long, LongAdder> editVersions = new ConcurrentHashMap<>();
    private final List<TimelinePoint> timeline = new ArrayList<>();
    private long lastTickNanos;
    private long sentAtLastTick;
    private long answeredAtLastTick;

    Bookkeeping(String prefix, long startNanos) {
        this.prefix = prefix;
        this.startNanos = startNanos;
        this.lastTickNanos = startNanos;
    }

    /** Request ids of this measurement start with this (results of other runs on the topic are ignored). */
    String prefix() {
        return prefix;
    }

    boolean ours(String id) {
        return id != null && id.startsWith(prefix);
    }

    /** A request handed to the producer; {@code nanos} is when it was due (open loop) or sent (closed loop). */
    void sent(String id, long nanos) {
        outstanding.put(id, nanos);
        sent.incrementAndGet();
        firstSendNanos.accumulateAndGet(nanos, Math::min);
    }

    /**
     * A result for {@code id}; {@code errorCode} null for a prediction. Returns true when it is the first answer to
     * a request of this measurement (false for duplicates and for ids never sent).
     */
    boolean answered(String id, long nanos, String errorCode, Long editVersion) {
        return answered(id, nanos, errorCode, editVersion, null);
    }

    /**
     * The times of one result, for the stage breakdown.
     *
     * @param resultMillis the result record's timestamp (taken by the service's producer at send)
     * @param serviceMs    the service's own time, decode to model output (the result's timings.totalMs)
     * @param modelMs      the batch's forward pass, part of that (timings.modelMs)
     * @param arrivalMillis when it arrived here, on the same clock
     */
    record Timing(long resultMillis, Double serviceMs, Double modelMs, long arrivalMillis) {
    }

    /** As {@link #answered(String, long, String, Long)}, with where the time went. */
    boolean answered(String id, long nanos, String errorCode, Long editVersion, Timing timing) {
        if (nanos >= markNanos) {
            firstAnswerSinceMark.compareAndSet(Long.MAX_VALUE, nanos);
        }
        Long sentNanos = outstanding.remove(id);
        if (sentNanos == null) {
            Long first = settled.get(id);
            if (first != null) {
                duplicates.incrementAndGet();
                if (first < markNanos && nanos >= markNanos) {
                    reanswered.incrementAndGet();
                }
            }
            return false;
        }
        settled.put(id, nanos);
        answered.incrementAndGet();
        lastAnswerNanos.accumulateAndGet(nanos, Math::max);
        interval.recordValue(micros(nanos - sentNanos));
        if (timing != null) {
            double dueMillis = startWallMillis + (sentNanos - startNanos) / 1e6;
            stages.get(STAGE_TO_RESULT).recordValue(micros((long) ((timing.resultMillis() - dueMillis) * 1e6)));
            stages.get(STAGE_RESULT_HOP).recordValue(micros((timing.arrivalMillis() - timing.resultMillis())
                    * 1_000_000));
            if (timing.serviceMs() != null) {
                stages.get(STAGE_IN_SERVICE).recordValue(micros((long) (timing.serviceMs() * 1e6)));
                stages.get(STAGE_MODEL).recordValue(micros((long) (timing.modelMs() * 1e6)));
            }
        }
        if (errorCode != null) {
            failed.incrementAndGet();
            errors.computeIfAbsent(errorCode, c -> new LongAdder()).increment();
        }
        if (editVersion != null) {
            editVersions.computeIfAbsent(editVersion, v -> new LongAdder()).increment();
        }
        return true;
    }

    /** The producer gave up on {@code id}: a failed request, not a lost one. Returns true if it was outstanding. */
    boolean sendFailed(String id) {
        if (outstanding.remove(id) == null) {
            return false;
        }
        settled.put(id, Long.MAX_VALUE);
        failed.incrementAndGet();
        errors.computeIfAbsent(SEND_FAILED, c -> new LongAdder()).increment();
        return true;
    }

    /**
     * Marks a moment of the run (a fault's end, e.g. the service about to start again): from now on
     * {@link #firstAnswerSinceMark} and {@link #reanswered} refer to it.
     */
    void mark(long nanos) {
        firstAnswerSinceMark.set(Long.MAX_VALUE);
        markNanos = nanos;
    }

    /** When the first answer (any, duplicates included) after the mark came; empty while none has. */
    OptionalLong firstAnswerSinceMark() {
        long t = firstAnswerSinceMark.get();
        return t == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /** Answers after the mark to requests first answered before it: what a restart must not repeat. */
    long reanswered() {
        return reanswered.get();
    }

    int outstanding() {
        return outstanding.size();
    }

    long sentCount() {
        return sent.get();
    }

    long answeredCount() {
        return answered.get();
    }

    /** Closes the interval since the last tick: a point of the timeline. Returns it. */
    synchronized TimelinePoint tick(long nowNanos) {
        Histogram h = interval.getIntervalHistogram();
        total.add(h);
        double dt = Math.max(1e-9, (nowNanos - lastTickNanos) / 1e9);
        long s = sent.get();
        long a = answered.get();
        TimelinePoint point = new TimelinePoint((nowNanos - startNanos) / 1e9, (s - sentAtLastTick) / dt,
                (a - answeredAtLastTick) / dt, ms(h, 50), ms(h, 99), h.getTotalCount() == 0 ? Double.NaN
                : h.getMaxValue() / 1000.0);
        timeline.add(point);
        lastTickNanos = nowNanos;
        sentAtLastTick = s;
        answeredAtLastTick = a;
        return point;
    }

    /** The measurement; whatever is still outstanding now counts as lost. */
    synchronized Measurement finish(long nowNanos) {
        tick(nowNanos);
        long first = firstSendNanos.get();
        long last = lastAnswerNanos.get();
        long n = answered.get();
        double seconds = n == 0 ? 0 : (last - first) / 1e9;
        List<String> lostIds = outstanding.keySet().stream().sorted().limit(LOST_IDS_KEPT).toList();
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((code, count) -> errorCounts.put(code, count.sum()));
        Map<String, Long> versions = new TreeMap<>();
        editVersions.forEach((version, count) -> versions.put(Long.toString(version), count.sum()));
        return new Measurement(seconds, seconds > 0 ? n / seconds : 0, ms(total, 50), ms(total, 90), ms(total, 99),
                ms(total, 99.9), total.getTotalCount() == 0 ? Double.NaN : total.getMaxValue() / 1000.0, sent.get(),
                n, outstanding.size(), failed.get(), duplicates.get(), errorCounts, versions, lostIds,
                List.copyOf(timeline), stages());
    }

    private Map<String, Measurement.Stage> stages() {
        Map<String, Measurement.Stage> out = new TreeMap<>();
        stages.forEach((name, h) -> {
            if (h.getTotalCount() > 0) {
                out.put(name, new Measurement.Stage(ms(h, 50), ms(h, 99)));
            }
        });
        return out;
    }

    private static long micros(long nanos) {
        return Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1000));
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }
}
