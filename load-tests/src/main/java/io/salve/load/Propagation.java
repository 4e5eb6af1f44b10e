package io.salve.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Edit propagation as a client sees it: from the edit API's answer for version v to the first result carrying v (or
 * a later version) from each replica. Results and answers may be told from different threads.
 */
final class Propagation {

    /**
     * @param count         (edit call, replica) pairs measured
     * @param notPropagated pairs whose replica never answered with the version (or a later one) afterwards
     */
    record Stats(int count, double p50Ms, double p99Ms, double maxMs, int notPropagated) {
    }

    private record Answer(long version, long nanos) {
    }

    // Per replica: the first arrival of each edit version it answered with.
    private final Map<String, ConcurrentSkipListMap<Long, Long>> firstSeen = new ConcurrentHashMap<>();
    private final List<Answer> answers = Collections.synchronizedList(new ArrayList<>());

    /** A result from {@code replica} formed under {@code version}, received at {@code nanos}. */
    void result(String replica, long version, long nanos) {
        firstSeen.computeIfAbsent(replica, r -> new ConcurrentSkipListMap<>()).putIfAbsent(version, nanos);
    }

    /** The edit API answered a change with {@code version} at {@code nanos}. */
    void answered(long version, long nanos) {
        answers.add(new Answer(version, nanos));
    }

    Stats stats() {
        List<Double> ms = new ArrayList<>();
        int missing = 0;
        synchronized (answers) {
            for (Answer a : answers) {
                for (ConcurrentSkipListMap<Long, Long> seen : firstSeen.values()) {
                    // A result may arrive before the API's own answer does: that is no delay at all.
                    long first = seen.tailMap(a.version()).values().stream().mapToLong(Long::longValue).min()
                            .orElse(Long.MAX_VALUE);
                    if (first == Long.MAX_VALUE) {
                        missing++;
                    } else {
                        ms.add(Math.max(0, first - a.nanos()) / 1e6);
                    }
                }
            }
        }
        Collections.sort(ms);
        return new Stats(ms.size(), percentile(ms, 50), percentile(ms, 99), ms.isEmpty() ? Double.NaN
                : ms.get(ms.size() - 1), missing);
    }

    private static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank)));
    }
}
