package io.salve.cli;

import io.salve.core.Progress;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Draws {@link Progress} as a progress bar per phase on stderr. Without a terminal (CI, log files) it prints a line
 * per 10% instead, so logs stay readable.
 */
final class ConsoleProgress implements Progress, AutoCloseable {

    private final PrintStream err = System.err;
    private final boolean interactive = System.console() != null;
    private String phase;
    private ProgressBar bar;
    private long lastDecile = -1;

    @Override
    public synchronized void update(String phase, long done, long total, String detail) {
        if (!phase.equals(this.phase)) {
            close();
            this.phase = phase;
            lastDecile = -1;
            if (interactive) {
                bar = new ProgressBarBuilder().setTaskName(phase).setInitialMax(total)
                        .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(err)).build();
            }
        }
        if (bar != null) {
            bar.maxHint(total);
            bar.stepTo(done);
            bar.setExtraMessage(detail);
            return;
        }
        long decile = total == 0 ? 10 : done * 10 / total;
        if (decile != lastDecile) {
            lastDecile = decile;
            err.printf("%s: %d/%d %s%n", phase, done, total, detail);
        }
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
