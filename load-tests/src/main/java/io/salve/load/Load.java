package io.salve.load;

/**
 * How requests are offered: open loop at {@code rate} per second (when positive), or closed loop with
 * {@code concurrency} requests outstanding at any time.
 */
record Load(double rate, int concurrency) {

    Load {
        if (rate > 0 == concurrency > 0) {
            throw new IllegalArgumentException("give either a rate or a concurrency");
        }
    }

    static Load rate(double perSecond) {
        return new Load(perSecond, 0);
    }

    static Load closed(int concurrency) {
        return new Load(0, concurrency);
    }

    boolean open() {
        return rate > 0;
    }

    @Override
    public String toString() {
        return open() ? String.format("%.0f req/s", rate) : "concurrency " + concurrency;
    }
}
