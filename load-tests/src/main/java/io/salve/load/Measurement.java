package io.salve.load;

import java.util.List;
import java.util.Map;

/**
 * One measured load: throughput = answered / (last answer - first send); end-to-end latency = answer received -
 * request due, in ms; {@code failed} = error results plus sends the producer gave up on; {@code lost} = sent and
 * never answered within the drain time (the first few ids in {@code lostIds}). {@code stages}: where the latency
 * went (dueToResultRecord: request due until the service produced its result, by the result record's ms timestamp;
 * inService: the service's own decode-to-model-output part of that, and model: the forward pass's part of that;
 * resultRecordToArrival: the result's way back).
 */
record Measurement(double seconds, double throughput, double p50Ms, double p90Ms, double p99Ms, double p999Ms,
                   double maxMs, long sent, long answered, long lost, long failed, long duplicates,
                   Map<String, Long> errors, Map<String, Long> editVersions, List<String> lostIds,
                   List<TimelinePoint> timeline, Map<String, Stage> stages) {

    record Stage(double p50Ms, double p99Ms) {
    }
}
