package io.salve.load;

import com.fasterxml.jackson.databind.JsonNode;
import io.salve.data.FashionMnist;
import io.salve.data.ImageSet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code load-tests/run SCENARIO [options]}: one scenario against a service started here or a running one. */
@Command(name = "load-tests/run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load scenarios against SALVE serving over Kafka. Writes load-tests/results/SCENARIO-latest"
                + ".{json,png} and prints a one-line summary. `load-tests/run jmh` runs the micro-benchmarks instead.",
                "Exit code 1 when a request was lost (and, for swap, when a request or an edit call failed); 2 when "
                        + "the scenario could not run."})
public final class LoadTest implements Callable<Integer> {

    enum Scenario { steady, ramp, swap, soak, ceiling, slo, models, chaos }

    /** slo: a second whose slowest answer took longer than this is a stall. */
    static final double STALL_MS = 250;

    @Parameters(index = "0", description = "steady, ramp, swap, soak, ceiling, slo, models or chaos.")
    Scenario scenario;

    @Option(names = "--bootstrap", description = "Kafka of a running service; default: start `bin/salve serve` on "
            + "free ports with a temporary broker and stop it (SIGTERM) at the end.")
    String bootstrap;

    @Option(names = "--http", description = "HTTP base URL of a running service, e.g. http://127.0.0.1:8080 (swap).")
    String http;

    @Option(names = "--bundle", description = "Bundle the started service (and the ceiling) serve; default: the "
            + "service's default (data/bundles/demo, built when missing).")
    Path bundle;

    @Option(names = "--second-bundle", description = "models: the second model's bundle, copied into "
            + "RESULTS/models-repository/second and served beside the first; default: a copy of the first (--bundle, "
            + "else data/bundles/demo).")
    Path secondBundle;

    @Option(names = "--max-batch", description = "salve.batching.max-batch of the started service and the ceiling; "
            + "default: the service's (32).")
    Integer maxBatch;

    @Option(names = "--service-opts", defaultValue = "-Xmx2g",
            description = "JVM options of the started service (SALVE_JAVA_OPTS). Default: ${DEFAULT-VALUE}.")
    String serviceOpts;

    @Option(names = "--service-threads", description = "DJL intra-op threads of the started service and the ceiling "
            + "(SALVE_THREADS); default: bin/salve's, half the cores.")
    Integer serviceThreads;

    @Option(names = "--rate", description = "Requests per second (open loop). Defaults: steady 50; swap and soak "
            + "--load-fraction of the maximum rate.")
    Double rate;

    @Option(names = "--concurrency", description = "Closed loop with this many requests outstanding instead of a "
            + "rate (steady); ceiling default 256, the service's max-in-flight.")
    Integer concurrency;

    @Option(names = "--duration", converter = DurationConverter.class, description = "Measured time (e.g. 30s, 10m)."
            + " Defaults: steady, swap 60s; soak 10m; ceiling 30s; slo 5m (its last phase); ramp: --step-duration "
            + "per rate.")
    Duration duration;

    @Option(names = "--warmup", converter = DurationConverter.class, defaultValue = "10s",
            description = "Load before measuring, at the first rate; not counted. Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--drain", converter = DurationConverter.class, defaultValue = "40s",
            description = "How long to wait for answers after the last request; unanswered then = lost (the "
                    + "service answers TIMEOUT after 30 s). Default: ${DEFAULT-VALUE}.")
    Duration drain;

    @Option(names = "--p99-bound", description = "ramp, slo: p99 (ms) a sustainable rate keeps under. Defaults: "
            + "ramp 100, slo 50.")
    Double p99Bound;

    @Option(names = "--start-rate", description = "ramp, slo: first rate. Defaults: ramp 50; slo a fifth of the "
            + "ceiling.")
    Double startRate;

    @Option(names = "--min-step-requests", description = "ramp, slo: a rate's step lasts long enough for this many "
            + "requests (at least --step-duration). Defaults: ramp 0, slo 2000.")
    Integer minStepRequests;

    @Option(names = "--low-rate", defaultValue = "20", description = "slo: the low-load phase's rate. Default: "
            + "${DEFAULT-VALUE}.")
    double lowRate;

    @Option(names = "--low-duration", converter = DurationConverter.class, defaultValue = "60s",
            description = "slo: the low-load phase's length. Default: ${DEFAULT-VALUE}.")
    Duration lowDuration;

    @Option(names = "--growth", defaultValue = "1.25", description = "ramp: factor between rates until one fails "
            + "(or, from a failing start, until one holds), then two bisection steps. Default: ${DEFAULT-VALUE}.")
    double growth;

    @Option(names = "--step-duration", converter = DurationConverter.class, defaultValue = "15s",
            description = "ramp: time per rate. Default: ${DEFAULT-VALUE}.")
    Duration stepDuration;

    @Option(names = "--max-rate", description = "swap, soak: the maximum sustainable rate; default: maxRate of "
            + "results/slo-latest.json or else results/ramp-latest.json (the newer), else a ramp is run first.")
    Double maxRate;

    @Option(names = "--load-fraction", defaultValue = "0.7", description = "swap, soak, slo: fraction of the maximum "
            + "rate. Default: ${DEFAULT-VALUE}.")
    double loadFraction;

    @Option(names = "--swap-interval", converter = DurationConverter.class, defaultValue = "1s",
            description = "swap: apply an edit, revert it, apply... every this often. Default: ${DEFAULT-VALUE}.")
    Duration swapInterval;

    @Option(names = "--edit", defaultValue = "12:projection:suppress:1.0",
            description = "swap: the edit as FEATURE:METHOD:DIRECTION:ALPHA. Default: ${DEFAULT-VALUE}.")
    String edit;

    @Option(names = "--token", description = "swap: bearer token of the edit API; default: $SALVE_API_TOKEN (a "
            + "started service gets this token, or a random one).")
    String token;

    @Option(names = "--memory-interval", converter = DurationConverter.class, defaultValue = "10s",
            description = "soak, slo: RSS and heap sampling interval. Default: ${DEFAULT-VALUE}.")
    Duration memoryInterval;

    @Option(names = "--bench-requests", defaultValue = "500", description = "ceiling, slo: --requests of the "
            + "`bin/salve bench` run that measures the ceiling. Default: ${DEFAULT-VALUE}.")
    int benchRequests;

    @Option(names = "--start-timeout", converter = DurationConverter.class, defaultValue = "15m",
            description = "How long the started service may take to be ready (the first start builds the demo "
                    + "bundle). Default: ${DEFAULT-VALUE}.")
    Duration startTimeout;

    @Option(names = "--faults", split = ",", description = "chaos: the faults, in order: restart, kill9, broker, "
            + "journal, replica, fuzz. "
            + "Default: all.")
    List<Chaos.Fault> faults;

    @Option(names = "--postgres", description = "chaos journal: host:port of a PostgreSQL server (trust "
            + "authentication) on which a database of its own is created and dropped. Default: ${DEFAULT-VALUE}.",
            defaultValue = "127.0.0.1:5432")
    String postgres;

    @Option(names = "--postgres-user", description = "chaos journal: its user. Default: ${DEFAULT-VALUE}.",
            defaultValue = "postgres")
    String postgresUser;

    @Option(names = "--results", description = "Directory of the results; default: load-tests/results.")
    Path results;

    @Option(names = "--data-dir", description = "Fashion-MNIST directory; default: the service's.")
    Path dataDir;

    @Option(names = "--requests-topic", defaultValue = "salve.requests")
    String requestsTopic;

    @Option(names = "--results-topic", defaultValue = "salve.results")
    String resultsTopic;

    private final PrintStream progress = System.err;
    private Path root;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadTest()).setCaseInsensitiveEnumValuesAllowed(true)
                // A scenario that cannot run (no edit API, a service that does not start) says why in one line.
                .setExecutionExceptionHandler((e, commandLine, parsed) -> {
                    commandLine.getErr().println("error: " + e.getMessage());
                    return 2;
                }).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        root = Path.of(System.getProperty("salve.root", ".")).toAbsolutePath().normalize();
        results = results != null ? results : root.resolve("load-tests/results");
        Files.createDirectories(results);
        if (bootstrap == null && http != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--http needs --bootstrap");
        }
        String startedAt = Instant.now().toString();
        ImageSet images = FashionMnist.test(dataDir != null ? dataDir : FashionMnist.defaultDir());
        // Measured before the service under test starts, so the two never share the cores.
        JsonNode bench = scenario == Scenario.ceiling || scenario == Scenario.slo ? runBench() : null;
        if (token == null) {
            token = System.getenv().getOrDefault("SALVE_API_TOKEN", bootstrap == null ? UUID.randomUUID().toString()
                    : null);
        }
        if (scenario == Scenario.chaos) {
            return chaos(images, startedAt);
        }
        RunReport report;
        try (LocalService local = bootstrap == null ? startService() : null;
             LoadGenerator generator = new LoadGenerator(local != null ? local.bootstrap() : bootstrap, requestsTopic,
                     resultsTopic, images, progress)) {
            String kafka = local != null ? local.bootstrap() : bootstrap;
            String api = local != null ? local.http() : http;
            String target = local != null ? "bin/salve serve started here (bundle " + (bundle != null ? bundle
                    : "default") + ", kafka " + kafka + ")" : "running service at " + kafka + (api != null
                    ? ", " + api : "");
            report = switch (scenario) {
                case steady -> steady(generator, startedAt, target);
                case ramp -> ramp(generator, startedAt, target);
                case swap -> swap(generator, startedAt, target, api);
                case soak -> soak(generator, startedAt, target, local);
                case ceiling -> ceiling(generator, startedAt, target, bench);
                case slo -> slo(generator, startedAt, target, local, bench);
                case models -> models(generator, startedAt, target);
                case chaos -> throw new IllegalStateException("chaos starts services of its own (above)");
            };
        }
        Path json = ReportWriter.write(results, report);
        System.out.println(report.summary() + " -> " + json);
        Measurement m = report.measurement();
        boolean swapClean = scenario != Scenario.swap || (m.failed() == 0 && report.swap().failedCalls().isEmpty());
        return m.lost() == 0 && swapClean ? 0 : 1;
    }

    /** Each fault against a service of its own (started here): chaos-latest.json; exit 1 unless all passed. */
    private int chaos(ImageSet images, String startedAt) throws Exception {
        if (bootstrap != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "chaos stops and starts services of its "
                    + "own; it takes no --bootstrap");
        }
        double r = rate != null ? rate : 20;
        Duration load = or(duration, Duration.ofSeconds(60));
        Chaos chaos = new Chaos(root, results, serviceEnv(), token, javaOpts(), startTimeout, drain, images, requestsTopic,
                resultsTopic, progress, postgres, postgresUser);
        List<Chaos.FaultReport> reports = new ArrayList<>();
        for (Chaos.Fault fault : faults != null ? faults : List.of(Chaos.Fault.values())) {
            reports.add(chaos.run(fault, r, load));
        }
        Path json = results.resolve("chaos-latest.json");
        ReportWriter.JSON.writeValue(json.toFile(), new Chaos.Report("chaos", startedAt, r, load.toSeconds(),
                reports));
        reports.forEach(f -> System.out.printf("%s: %s, sent %d, lost %d, re-answered %d, recovery %.1f s%n",
                f.fault(), f.passed() ? "passed" : "FAILED " + f.problems(), f.sent(), f.lost(), f.reanswered(),
                f.recoverySeconds()));
        System.out.println("-> " + json);
        return reports.stream().allMatch(Chaos.FaultReport::passed) ? 0 : 1;
    }

    private RunReport steady(LoadGenerator generator, String startedAt, String target) {
        Load load = concurrency != null ? Load.closed(concurrency) : Load.rate(rate != null ? rate : 50);
        Measurement m = warmAndMeasure(generator, load, or(duration, Duration.ofSeconds(60)));
        return report(startedAt, target, load, m, null, null, null, null, null, null);
    }

    private RunReport ramp(LoadGenerator generator, String startedAt, String target) {
        Ramp ramp = runRamp(generator, startRate != null ? startRate : 50);
        return report(startedAt, target, Load.rate(ramp.maxRate > 0 ? ramp.maxRate : ramp.steps.get(0).rate()),
                ramp.best, ramp.maxRate, ramp.steps, null, null, null, null);
    }

    /**
     * The latency objective in one run: (a) the in-process ceiling (measured before the service started), (b)
     * --low-duration at --low-rate, (c) the highest rate whose p99 stays under --p99-bound with nothing lost (a ramp
     * of at least --min-step-requests per rate), (d) --duration at --load-fraction of it, with its stalls (seconds
     * whose slowest answer took over 250 ms) and the service's memory. The top-level latency fields are (d)'s.
     */
    private RunReport slo(LoadGenerator generator, String startedAt, String target, LocalService local,
                          JsonNode bench) {
        double ceiling = bench.get("ceilingImagesPerSecond").asDouble();
        Measurement low = warmAndMeasure(generator, Load.rate(lowRate), lowDuration);
        progress.printf("slo: low load %.0f req/s: p50 %.1f ms, p99 %.1f ms, lost %d%n", lowRate, low.p50Ms(),
                low.p99Ms(), low.lost());
        Ramp ramp = runRamp(generator, startRate != null ? startRate : Math.max(1, Math.round(ceiling / 5)));
        if (!(ramp.maxRate > 0)) {
            throw new IllegalStateException("slo: no rate down to 1 req/s kept p99 under " + p99Bound() + " ms");
        }
        Load load = Load.rate(loadFraction * ramp.maxRate);
        progress.printf("slo: max rate %.0f req/s (%.2f of the ceiling); %s for %d s%n", ramp.maxRate,
                ramp.maxRate / ceiling, load, or(duration, Duration.ofMinutes(5)).toSeconds());
        try (MemorySampler memory = memorySampler(local)) {
            Measurement m = generator.measure(load, or(duration, Duration.ofMinutes(5)), drain, "slo steady");
            int stalls = (int) m.timeline().stream().filter(p -> p.maxMs() > STALL_MS).count();
            return report(startedAt, target, load, m, ramp.maxRate, ramp.steps, null,
                    memory != null ? memory.samples() : null, ceiling, bench.get("maxBatch").asInt())
                    .withSlo(new RunReport.LowLoad(lowRate, low.p50Ms(), low.p99Ms(), low.lost(), low.stages()),
                            stalls);
        }
    }

    /**
     * Two models at once against one, on one service: (1) requests name no model (the default one answers): the
     * highest rate with p99 under --p99-bound (a ramp), then --duration at --load-fraction of it; (2) the same with
     * requests alternating between the default model and "second": a ramp, then --duration at the same rate as (1).
     * The top-level measurement is (2)'s steady phase.
     */
    private RunReport models(LoadGenerator generator, String startedAt, String target) {
        if (bootstrap != null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "models starts a service of its own with "
                    + "the second model in its repository; it takes no --bootstrap");
        }
        Duration length = or(duration, Duration.ofSeconds(60));
        generator.models(List.of());
        Ramp oneRamp = runRamp(generator, startRate != null ? startRate : 50);
        if (!(oneRamp.maxRate > 0)) {
            throw new IllegalStateException("models: no rate kept p99 under " + p99Bound() + " ms with one model");
        }
        Load load = Load.rate(loadFraction * oneRamp.maxRate);
        Measurement one = generator.measure(load, length, drain, "one model");
        progress.printf("models: one model: max %.0f req/s; %s p50 %.1f ms, p99 %.1f ms%n", oneRamp.maxRate, load,
                one.p50Ms(), one.p99Ms());
        List<String> both = Arrays.asList(null, "second");
        generator.models(both);
        Ramp twoRamp = runRamp(generator, startRate != null ? startRate : 50);
        Measurement two = generator.measure(load, length, drain, "two models");
        progress.printf("models: two models: max %.0f req/s; %s p50 %.1f ms, p99 %.1f ms%n", twoRamp.maxRate, load,
                two.p50Ms(), two.p99Ms());
        List<RunReport.RampStep> steps = new ArrayList<>(oneRamp.steps);
        steps.addAll(twoRamp.steps);
        return report(startedAt, target, load, two, twoRamp.maxRate, steps, null, null, null, null)
                .withModels(new RunReport.ModelsComparison(load.rate(),
                        RunReport.Phase.of(Collections.singletonList(null), oneRamp.maxRate, one),
                        RunReport.Phase.of(both, twoRamp.maxRate, two)));
    }

    /** The repository of the models scenario's service: a copy of the second bundle, named "second". */
    private Path modelsRepository() throws IOException {
        Path first = bundle != null ? bundle : root.resolve("data/bundles/demo");
        Path source = (secondBundle != null ? secondBundle : first).toAbsolutePath().normalize();
        if (!Files.isRegularFile(source.resolve("bundle.json"))) {
            throw new IllegalStateException("models: " + source + " holds no bundle; build it first (bin/salve demo) "
                    + "or pass --bundle / --second-bundle");
        }
        Path repository = results.resolve("models-repository");
        Path copy = repository.resolve("second");
        if (Files.exists(copy)) {
            try (Stream<Path> old = Files.walk(copy)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Files.copy(p, copy.resolve(source.relativize(p).toString()));
            }
        }
        return repository;
    }

    private double p99Bound() {
        return p99Bound != null ? p99Bound : scenario == Scenario.slo ? 50 : 100;
    }

    private record Ramp(double maxRate, Measurement best, List<RunReport.RampStep> steps) {
    }

    /**
     * Rates growing by --growth until one is not sustained (falling by --growth squared while none is), then two
     * bisection steps between the highest sustained and the lowest failed rate.
     */
    private Ramp runRamp(LoadGenerator generator, double startRate) {
        int minRequests = minStepRequests != null ? minStepRequests : scenario == Scenario.slo ? 2000 : 0;
        Duration step = scenario == Scenario.ramp ? or(duration, stepDuration) : stepDuration;
        double bound = p99Bound();
        warm(generator, Load.rate(startRate));
        List<RunReport.RampStep> steps = new ArrayList<>();
        List<TimelinePoint> timeline = new ArrayList<>();
        double good = 0;
        double bad = Double.POSITIVE_INFINITY;
        Measurement best = null;
        Measurement last = null;
        double next = startRate;
        int bisections = 0;
        while (next >= 1 && steps.size() < 30) {
            Duration length = Duration.ofMillis(Math.max(step.toMillis(), (long) Math.ceil(1000.0 * minRequests / next)));
            Measurement m = generator.measure(Load.rate(next), length, drain, String.format("ramp %.0f/s", next));
            double offset = timeline.isEmpty() ? 0 : timeline.get(timeline.size() - 1).t() + 1;
            m.timeline().forEach(p -> timeline.add(p.shifted(offset)));
            boolean sustained = m.lost() == 0 && m.failed() == 0 && m.p99Ms() <= bound
                    && m.throughput() >= 0.95 * next;
            steps.add(new RunReport.RampStep(next, m.throughput(), m.p50Ms(), m.p99Ms(), m.sent(), m.lost(),
                    m.failed(), sustained));
            progress.printf("ramp: %.0f req/s -> %.1f req/s, p99 %.1f ms, lost %d, failed %d: %s%n", next,
                    m.throughput(), m.p99Ms(), m.lost(), m.failed(), sustained ? "sustained" : "not sustained");
            last = m;
            if (sustained && next > good) {
                good = next;
                best = m;
            } else if (!sustained) {
                bad = Math.min(bad, next);
            }
            if (Double.isInfinite(bad)) {
                next *= growth;
            } else if (good == 0) {
                next /= growth * growth;
            } else if (bisections++ < 2) {
                next = Math.round((good + bad) / 2);
            } else {
                break;
            }
        }
        Measurement shown = best != null ? best : last;
        return new Ramp(good, withTimeline(shown, timeline), steps);
    }

    private RunReport swap(LoadGenerator generator, String startedAt, String target, String api) {
        if (api == null) {
            throw new IllegalArgumentException("swap needs the service's HTTP address: --http");
        }
        String[] e = edit.split(":");
        if (e.length != 4) {
            throw new IllegalArgumentException("--edit must be FEATURE:METHOD:DIRECTION:ALPHA, was " + edit);
        }
        int feature = Integer.parseInt(e[0]);
        double alpha = Double.parseDouble(e[3]);
        EditClient client = new EditClient(api, token);
        // Fails fast, before any load, when the edit API is missing or refuses the token.
        EditClient.Outcome probe = client.apply(feature, e[1], e[2], alpha);
        if (!probe.ok() || !client.revert(probe.id()).ok()) {
            throw new IllegalStateException("the edit API at " + api + " did not apply and revert an edit (POST "
                    + "/v1/edits answered " + probe.status() + ": " + probe.problem() + "); swap needs it");
        }
        double r = rateAtFraction(generator);
        Load load = Load.rate(r);
        warm(generator, load);
        Map<String, Long> failedCalls = new TreeMap<>();
        List<Long> versions = new ArrayList<>();
        long[] counts = new long[2];   // applied, reverted
        String[] active = new String[1];
        Propagation propagation = new Propagation();
        generator.watchPropagation(propagation);
        ScheduledExecutorService swapper = Executors.newSingleThreadScheduledExecutor();
        Duration length = or(duration, Duration.ofSeconds(60));
        // Changes only while requests are sent: one made during the drain has no later request to show it.
        long stopAt = System.nanoTime() + length.toNanos();
        swapper.scheduleAtFixedRate(() -> {
            if (System.nanoTime() >= stopAt) {
                return;
            }
            EditClient.Outcome o = active[0] == null ? client.apply(feature, e[1], e[2], alpha)
                    : client.revert(active[0]);
            if (o.ok() && o.version() != null) {
                propagation.answered(o.version(), System.nanoTime());
            }
            if (!o.ok()) {
                failedCalls.merge(Integer.toString(o.status()), 1L, Long::sum);
                progress.printf("swap: edit call failed (%d): %s%n", o.status(), o.problem());
            } else if (active[0] == null) {
                counts[0]++;
                versions.add(o.version());
            } else {
                counts[1]++;
            }
            // A failed revert is not retried: the next tick applies a new edit rather than stall the swapping.
            active[0] = active[0] == null && o.ok() ? o.id() : null;
        }, 0, swapInterval.toMillis(), TimeUnit.MILLISECONDS);
        Measurement m;
        try {
            m = generator.measure(load, length, drain, "swap");
        } finally {
            swapper.shutdown();
            try {
                swapper.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            generator.watchPropagation(null);
        }
        if (active[0] != null && client.revert(active[0]).ok()) {
            counts[1]++;
        }
        Propagation.Stats spread = propagation.stats();
        progress.printf("swap: edit propagation p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d (call, replica) pairs, "
                + "%d never seen%n", spread.p50Ms(), spread.p99Ms(), spread.maxMs(), spread.count(),
                spread.notPropagated());
        return report(startedAt, target, load, m, null, null, new RunReport.SwapStats(counts[0], counts[1],
                failedCalls, versions, swapInterval.toMillis() / 1000.0, spread), null, null, null);
    }

    private RunReport soak(LoadGenerator generator, String startedAt, String target, LocalService local) {
        Load load = Load.rate(rateAtFraction(generator));
        warm(generator, load);
        if (local == null) {
            progress.println("soak: memory is sampled only for a service started here (it needs the process)");
        }
        try (MemorySampler memory = memorySampler(local)) {
            Measurement m = generator.measure(load, or(duration, Duration.ofMinutes(10)), drain, "soak");
            return report(startedAt, target, load, m, null, null, null, memory != null ? memory.samples() : null,
                    null, null);
        }
    }

    private RunReport ceiling(LoadGenerator generator, String startedAt, String target, JsonNode bench) {
        Load load = Load.closed(concurrency != null ? concurrency : 256);
        Measurement m = warmAndMeasure(generator, load, or(duration, Duration.ofSeconds(30)));
        double ceiling = bench.get("ceilingImagesPerSecond").asDouble();
        int batch = bench.get("maxBatch").asInt();
        if (bootstrap != null) {
            progress.printf("ceiling: measured here on %s at batch %d; the running service's batch size must match%n",
                    bench.get("bundle").asText(), batch);
        }
        return report(startedAt, target, load, m, null, null, null, null, ceiling, batch);
    }

    /** The in-process ceiling, measured by `bin/salve bench` (ServeBenchmark), on the same bundle and batch size. */
    private JsonNode runBench() throws IOException, InterruptedException {
        Path out = results.resolve("ceiling-bench.json");
        Path log = results.resolve("ceiling-bench.log");
        progress.printf("ceiling: bin/salve bench --requests %d (log %s) ...%n", benchRequests, log);
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/salve").toString(), "bench", "--requests",
                Integer.toString(benchRequests), "--out", out.toString()).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(serviceEnv());
        int code = pb.start().waitFor();
        if (code != 0) {
            throw new IllegalStateException("bin/salve bench failed with exit code " + code + "; see " + log);
        }
        JsonNode bench = ReportWriter.JSON.readTree(out.toFile());
        progress.printf("ceiling: %.0f img/s at batch %d%n", bench.get("ceilingImagesPerSecond").asDouble(),
                bench.get("maxBatch").asInt());
        return bench;
    }

    /** The started service's memory every --memory-interval; null for a service not started here. */
    private MemorySampler memorySampler(LocalService local) {
        return local != null ? new MemorySampler(local.pid(), local.http(), memoryInterval.toSeconds()) : null;
    }

    private LocalService startService() throws IOException {
        Map<String, String> env = serviceEnv();
        if (scenario == Scenario.models) {
            Files.createDirectories(results.resolve("models-repository"));
            env.put("SALVE_MODELS", modelsRepository().toString());
        }
        return LocalService.start(root, env, javaOpts(), results.resolve(scenario + "-service.log"),
                startTimeout, progress);
    }

    private Map<String, String> serviceEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SALVE_JAVA_OPTS", javaOpts());
        if (bundle != null) {
            env.put("SALVE_BUNDLE", bundle.toAbsolutePath().toString());
        }
        if (serviceThreads != null) {
            env.put("SALVE_THREADS", serviceThreads.toString());
        }
        if (token != null) {
            env.put("SALVE_API_TOKEN", token);
        }
        return env;
    }

    private String javaOpts() {
        return serviceOpts + (maxBatch != null ? " -Dsalve.batching.max-batch=" + maxBatch : "");
    }

    /** --rate, else --load-fraction of --max-rate, of the newest slo's or ramp's maxRate, or of a ramp run now. */
    private double rateAtFraction(LoadGenerator generator) {
        if (rate != null) {
            return rate;
        }
        double max;
        Path last = Stream.of("slo-latest.json", "ramp-latest.json").map(results::resolve)
                .filter(Files::isRegularFile).max(Comparator.comparing(LoadTest::modified)).orElse(null);
        if (maxRate != null) {
            max = maxRate;
        } else if (last != null) {
            try {
                max = ReportWriter.JSON.readTree(last.toFile()).get("maxRate").asDouble();
            } catch (IOException | NullPointerException e) {
                throw new IllegalStateException("cannot read maxRate from " + last, e);
            }
            progress.printf("%s: maximum rate %.0f req/s from %s%n", scenario, max, last);
        } else {
            progress.printf("%s: no --max-rate and no slo or ramp results in %s: running a ramp first%n", scenario,
                    results);
            max = runRamp(generator, startRate != null ? startRate : 50).maxRate;
        }
        if (!(max > 0)) {
            throw new IllegalStateException("no sustainable rate to take " + loadFraction + " of: pass --rate");
        }
        return loadFraction * max;
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private Measurement warmAndMeasure(LoadGenerator generator, Load load, Duration measured) {
        warm(generator, load);
        return generator.measure(load, measured, drain, scenario.name());
    }

    private void warm(LoadGenerator generator, Load load) {
        if (!warmup.isZero()) {
            generator.measure(load, warmup, drain, "warm-up");
        }
    }

    private RunReport report(String startedAt, String target, Load load, Measurement m, Double max,
                             List<RunReport.RampStep> steps, RunReport.SwapStats swap,
                             List<MemorySampler.Sample> memory, Double ceiling, Integer batch) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("warmupSeconds", warmup.toSeconds());
        settings.put("drainSeconds", drain.toSeconds());
        settings.put("maxBatch", maxBatch);
        settings.put("serviceOpts", bootstrap == null ? javaOpts() : null);
        settings.put("serviceThreads", serviceThreads);
        settings.put("cores", Runtime.getRuntime().availableProcessors());
        settings.put("loadAverage", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        if (scenario == Scenario.ramp || scenario == Scenario.slo) {
            settings.put("p99BoundMs", p99Bound());
            settings.put("growth", growth);
            settings.put("stepSeconds", (scenario == Scenario.ramp ? or(duration, stepDuration) : stepDuration)
                    .toSeconds());
            settings.put("minStepRequests", minStepRequests != null ? minStepRequests
                    : scenario == Scenario.slo ? 2000 : 0);
        }
        if (scenario == Scenario.slo) {
            settings.put("loadFraction", loadFraction);
            settings.put("stallMs", STALL_MS);
        }
        settings.values().removeIf(v -> v == null);
        return new RunReport(scenario.name(), startedAt, target, load.toString(), settings, m, max, steps, swap,
                memory, ceiling, ceiling != null ? m.throughput() / ceiling : null, batch);
    }

    private static Measurement withTimeline(Measurement m, List<TimelinePoint> timeline) {
        return new Measurement(m.seconds(), m.throughput(), m.p50Ms(), m.p90Ms(), m.p99Ms(), m.p999Ms(), m.maxMs(),
                m.sent(), m.answered(), m.lost(), m.failed(), m.duplicates(), m.errors(), m.editVersions(),
                m.lostIds(), timeline, m.stages());
    }

    private static Duration or(Duration d, Duration fallback) {
        return d != null ? d : fallback;
    }

    /** "500ms", "30s", "10m", "1h" (a bare number is seconds). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            char unit = v.charAt(v.length() - 1);
            double n = Double.parseDouble(Character.isDigit(unit) ? v : v.substring(0, v.length() - 1));
            double seconds = switch (unit) {
                case 'h' -> n * 3600;
                case 'm' -> n * 60;
                case 's' -> n;
                default -> {
                    if (!Character.isDigit(unit)) {
                        throw new CommandLine.TypeConversionException("not a duration: " + value);
                    }
                    yield n;
                }
            };
            return Duration.ofMillis(Math.round(seconds * 1000));
        }
    }
}
