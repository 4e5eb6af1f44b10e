package io.salve.load;

/** One interval of a run: seconds since its start, rates over the interval, latency of the answers in it (ms). */
record TimelinePoint(double t, double sentPerSecond, double answeredPerSecond, double p50Ms, double p99Ms,
                     double maxMs) {

    TimelinePoint shifted(double seconds) {
        return new TimelinePoint(t + seconds, sentPerSecond, answeredPerSecond, p50Ms, p99Ms, maxMs);
    }
}
