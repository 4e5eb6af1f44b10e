package io.salve.load;

import io.salve.data.ImageSet;
import io.salve.devbroker.Ports;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@code load-tests/run chaos}: one fault at a time under a steady stream of requests, each against a service of its
 * own, and what came back. A fault's {@code recoverySeconds} runs from the end of the fault (the restarted service
 * ready, the broker back) to the first answer after it.
 *
 * <ul>
 *   <li>{@code restart}: SIGTERM to the service's process group (as Ctrl-C does), then a start on the same data:
 *       nothing answered before the stop may be answered again.</li>
 *   <li>{@code kill9}: {@code kill -9} of the service's JVM, then a start: every id answered at least once, and the
 *       edit history (one edit applied before the fault) the same after the restart.</li>
 *   <li>{@code broker}: the service on a {@code bin/salve broker} that is stopped for {@link #OUTAGE} and started
 *       again on its data: not ready meanwhile, then answering again by itself, nothing lost.</li>
 * </ul>
 */
final class Chaos {

    enum Fault { restart, kill9, broker }

    /** One fault's outcome; {@code reanswered}: answers after the fault to requests answered before it. */
    record FaultReport(String fault, long sent, long answered, long lost, long failed, long duplicates,
                       long reanswered, double recoverySeconds, boolean passed, List<String> problems,
                       Map<String, Long> errors, List<String> serviceLog) {
    }

    record Report(String scenario, String startedAt, double rate, double loadSeconds, List<FaultReport> faults) {
    }

    static final Duration OUTAGE = Duration.ofSeconds(30);
    static final double RECOVERY_BOUND_SECONDS = 5;
    private static final Duration FAULT_AFTER = Duration.ofSeconds(10);

    private final Path root;
    private final Path results;
    private final Map<String, String> env;
    private final String token;
    private final String javaOpts;
    private final Duration startTimeout;
    private final Duration drain;
    private final ImageSet images;
    private final String requestsTopic;
    private final String resultsTopic;
    private final PrintStream progress;

    Chaos(Path root, Path results, Map<String, String> env, String token, String javaOpts, Duration startTimeout, Duration drain,
          ImageSet images, String requestsTopic, String resultsTopic, PrintStream progress) {
        this.root = root;
        this.results = results;
        this.env = env;
        this.token = token;
        this.javaOpts = javaOpts;
        this.startTimeout = startTimeout;
        this.drain = drain;
        this.images = images;
        this.requestsTopic = requestsTopic;
        this.resultsTopic = resultsTopic;
        this.progress = progress;
    }

    FaultReport run(Fault fault, double rate, Duration load) throws Exception {
        Path log = results.resolve("chaos-" + fault + "-service.log");
        progress.printf("chaos %s: %.0f req/s for %d s, the fault after %d s%n", fault, rate, load.toSeconds(),
                FAULT_AFTER.toSeconds());
        return fault == Fault.broker ? brokerOutage(rate, load, log) : serviceFault(fault, rate, load, log);
    }

    private FaultReport serviceFault(Fault fault, double rate, Duration load, Path log) throws Exception {
        try (LocalService service = LocalService.start(root, env, javaOpts, log, startTimeout, progress);
             LoadGenerator generator = new LoadGenerator(service.bootstrap(), requestsTopic, resultsTopic,
                     images, progress)) {
            EditClient edits = new EditClient(service.http(), token);
            String history = fault == Fault.kill9 ? historyWithOneEdit(edits) : null;
            CompletableFuture<Measurement> run = measure(generator, rate, load, fault);
            Bookkeeping book = awaitAnswers(generator, rate);
            if (fault == Fault.restart) {
                service.signalGroup("TERM");
            } else {
                service.kill();
            }
            progress.printf("chaos %s: stopped; starting again%n", fault);
            book.mark(System.nanoTime());
            long ready = service.startAgain(log);
            List<String> problems = new ArrayList<>();
            EditClient.Outcome after = history != null ? edits.history() : null;
            if (after != null && (after.status() != 200 || !history.equals(after.problem()))) {
                problems.add("the edit history differs after the restart (" + after.status() + "): "
                        + after.problem());
            }
            return report(fault.name(), run, book, ready, log, fault == Fault.restart, problems);
        }
    }

    /** Applies one edit and returns the history then. */
    private static String historyWithOneEdit(EditClient edits) {
        EditClient.Outcome applied = edits.apply(12, "projection", "suppress", 1.0);
        EditClient.Outcome history = edits.history();
        if (!applied.ok() || history.status() != 200) {
            throw new IllegalStateException("kill9 needs the edit API: POST /v1/edits answered " + applied.status()
                    + " (" + applied.problem() + "), GET /v1/edits/history " + history.status());
        }
        return history.problem();
    }

    private FaultReport brokerOutage(double rate, Duration load, Path log) throws Exception {
        Path dir = Files.createTempDirectory("salve-chaos-broker");
        int port = Ports.free("127.0.0.1");
        String bootstrap = "127.0.0.1:" + port;
        ProcessBuilder brokerCommand = new ProcessBuilder(root.resolve("bin/salve").toString(), "broker", "--port",
                Integer.toString(port), "--data-dir", dir.resolve("kafka").toString()).directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(results.resolve("chaos-broker.log").toFile()));
        Process broker = startBroker(brokerCommand, port);
        Map<String, String> external = new HashMap<>(env);
        external.put("SALVE_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        List<String> problems = new ArrayList<>();
        try (LocalService service = LocalService.start(root, external, javaOpts, log, startTimeout, progress);
             LoadGenerator generator = new LoadGenerator(bootstrap, requestsTopic, resultsTopic, images,
                     progress)) {
            CompletableFuture<Measurement> run = measure(generator, rate, load, Fault.broker);
            Bookkeeping book = awaitAnswers(generator, rate);
            stop(broker);
            long down = System.nanoTime();
            boolean notReady = waitFor(() -> readyStatus(service) == 503, OUTAGE);
            if (!notReady) {
                problems.add("the service did not report not-ready while the broker was down");
            }
            long left = OUTAGE.toNanos() - (System.nanoTime() - down);
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);   // the outage itself
            }
            broker = startBroker(brokerCommand, port);
            long back = System.nanoTime();
            progress.println("chaos broker: the broker is back");
            book.mark(back);
            return report("broker", run, book, back, log, false, problems);
        } finally {
            stop(broker);
            LocalService.deleteTree(dir);
        }
    }

    private FaultReport report(String fault, CompletableFuture<Measurement> run, Bookkeeping book, long end,
                               Path log, boolean noReanswers, List<String> problems) throws Exception {
        if (!waitFor(() -> book.firstAnswerSinceMark().isPresent(), Duration.ofMinutes(3))) {
            problems.add("no answer within 3 minutes of the fault's end");
        }
        double recovery = Math.max(0, (book.firstAnswerSinceMark().orElse(System.nanoTime()) - end) / 1e9);
        Measurement m = run.get();
        if (m.lost() > 0) {
            problems.add(m.lost() + " requests lost, e.g. " + m.lostIds());
        }
        if (noReanswers && book.reanswered() > 0) {
            problems.add(book.reanswered() + " requests answered before the stop were answered again");
        }
        if (!fault.equals("broker") && recovery > RECOVERY_BOUND_SECONDS) {
            problems.add(String.format("recovery took %.1f s (at most %.0f)", recovery, RECOVERY_BOUND_SECONDS));
        }
        progress.printf("chaos %s: sent %d, answered %d, lost %d, failed %d, duplicates %d (re-answered %d), "
                        + "recovery %.1f s%s%n", fault, m.sent(), m.answered(), m.lost(), m.failed(), m.duplicates(),
                book.reanswered(), recovery, problems.isEmpty() ? "" : ": " + problems);
        return new FaultReport(fault, m.sent(), m.answered(), m.lost(), m.failed(), m.duplicates(), book.reanswered(),
                Math.round(recovery * 10) / 10.0, problems.isEmpty(), problems, m.errors(), notable(log));
    }

    private CompletableFuture<Measurement> measure(LoadGenerator generator, double rate, Duration load, Fault fault) {
        return CompletableFuture.supplyAsync(() -> generator.measure(Load.rate(rate), load, drain, "chaos " + fault));
    }

    /** The measurement's bookkeeping once {@link #FAULT_AFTER} of answers have come back. */
    private static Bookkeeping awaitAnswers(LoadGenerator generator, double rate) throws InterruptedException {
        long enough = Math.round(rate * FAULT_AFTER.toSeconds());
        if (!waitFor(() -> generator.current() != null && generator.current().answeredCount() >= enough,
                Duration.ofMinutes(2))) {
            throw new IllegalStateException("the service did not answer " + enough + " requests within 2 minutes");
        }
        return generator.current();
    }

    private static int readyStatus(LocalService service) {
        try {
            HttpRequest ready = HttpRequest.newBuilder(URI.create(service.http() + "/health/ready"))
                    .timeout(Duration.ofSeconds(10)).build();
            return HttpClient.newHttpClient().send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static Process startBroker(ProcessBuilder command, int port) throws Exception {
        Process p = command.start();
        if (!waitFor(() -> !p.isAlive() || listening(port), Duration.ofMinutes(2)) || !p.isAlive()) {
            throw new IllegalStateException("bin/salve broker did not start on port " + port);
        }
        return p;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls {@code condition} every 100 ms for up to {@code timeout}; true once it holds. */
    private static boolean waitFor(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /**
     * What the service logged at WARN and above and its readiness, at most 40 lines; the Kafka clients' own retry
     * warnings (one per partition and attempt while a broker is away) as one count.
     */
    static List<String> notable(Path log) {
        try (Stream<String> lines = Files.lines(log)) {
            List<String> all = lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("ready"))
                    .filter(l -> !l.contains("BearerAuth")).toList();
            List<String> shown = new ArrayList<>(all.stream().filter(l -> !retry(l))
                    .map(l -> l.length() > 300 ? l.substring(0, 300) : l).limit(40).toList());
            long retries = all.stream().filter(Chaos::retry).count();
            if (retries > 0) {
                shown.add(retries + " retry warnings of the Kafka clients (disconnections, produce and commit retries)");
            }
            return shown;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean retry(String line) {
        return line.contains(" o.a.k.c.") || line.contains("Kafka commit is to be retried");
    }
}
