package io.salve.load;

import io.salve.data.ImageSet;
import io.salve.devbroker.Ports;
import io.salve.serve.InferenceResult;
import io.salve.wire.ResultCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

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
 *   <li>{@code journal}: the service's edit journal on PostgreSQL through a {@link TcpProxy}, cut for
 *       {@link #OUTAGE}: serving goes on at the current edit version; edit changes meanwhile answer 503
 *       {@code JOURNAL_UNAVAILABLE}; afterwards the change retried with {@code If-Match} applies once, so the history
 *       gains exactly one version.</li>
 *   <li>{@code fuzz}: {@link #FUZZ_RECORDS} malformed request records (random bytes, truncated, oversized and deeply
 *       nested JSON, wrong dtypes and shapes, NaN, infinite and out-of-range pixels, giant image headers, a
 *       decompression bomb, unknown models, missing ids, ...; {@link Fuzz}) interleaved with as many valid ones, then
 *       {@link #FUZZ_CALLS} malformed operator API calls: each bad record answered with an error result of its
 *       kind's code, each bad call a 4xx with its code, every valid request answered, the service alive, its heap
 *       after a full GC within 10% of before, and the valid requests' p99 at most twice that of the same stream
 *       without fuzz (measured first).</li>
 *   <li>{@code replica}: the service with fault injection on (every {@link #FAIL_EVERY}th batch of several fails,
 *       blank images are poison), and every {@link #POISON_EVERY}th request after the first {@link #FAULT_AFTER} a
 *       blank image: each poison request answered {@code INFERENCE_FAILED}, every other one answered, the replica
 *       never reloaded (it stays ready).</li>
 * </ul>
 */
final class Chaos {

    enum Fault { restart, kill9, broker, journal, replica, fuzz }

    /**
     * One fault's outcome; {@code reanswered}: answers after the fault to requests answered before it;
     * {@code measured}: what only this fault measures (journal: {@code changesRecoverySeconds}, from the journal's
     * return to the first edit change it takes; fuzz: the valid requests' p99 with and without fuzz, the heap).
     */
    record FaultReport(String fault, long sent, long answered, long lost, long failed, long duplicates,
                       long reanswered, double recoverySeconds, Map<String, Object> measured, boolean passed,
                       List<String> problems, Map<String, Long> errors, List<String> serviceLog) {
    }

    record Report(String scenario, String startedAt, double rate, double loadSeconds, List<FaultReport> faults) {
    }

    static final Duration OUTAGE = Duration.ofSeconds(30);
    static final int FUZZ_RECORDS = 10_000;
    static final int FUZZ_CALLS = 10_000;
    /** The fuzzed service's salve.kafka.max-request-bytes: low enough that an oversized record still fits Kafka's. */
    static final int FUZZ_MAX_REQUEST_BYTES = 256 * 1024;
    static final int FAIL_EVERY = 3;
    static final int POISON_EVERY = 50;
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
    private final String postgres;
    private final String postgresUser;

    /** @param postgres {@code host:port} of the PostgreSQL server the journal fault creates its database on */
    Chaos(Path root, Path results, Map<String, String> env, String token, String javaOpts, Duration startTimeout, Duration drain,
          ImageSet images, String requestsTopic, String resultsTopic, PrintStream progress, String postgres,
          String postgresUser) {
        this.postgres = postgres;
        this.postgresUser = postgresUser;
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
        return switch (fault) {
            case broker -> brokerOutage(rate, load, log);
            case journal -> journalOutage(rate, load, log);
            case replica -> replicaFaults(rate, load, log);
            case fuzz -> fuzz(load, log);
            default -> serviceFault(fault, rate, load, log);
        };
    }

    private FaultReport journalOutage(double rate, Duration load, Path log) throws Exception {
        String database = "salve_chaos_" + System.currentTimeMillis();
        String admin = "jdbc:postgresql://" + postgres + "/postgres";
        try (Connection db = DriverManager.getConnection(admin, postgresUser, "");
             Statement create = db.createStatement()) {
            create.execute("CREATE DATABASE " + database);
        }
        String[] hostPort = postgres.split(":");
        List<String> problems = new ArrayList<>();
        try (TcpProxy proxy = TcpProxy.to(hostPort[0], Integer.parseInt(hostPort[1]))) {
            Map<String, String> journal = new HashMap<>(env);
            journal.putAll(Map.of("SALVE_JOURNAL", "postgres", "SALVE_JOURNAL_URL", "jdbc:postgresql://127.0.0.1:"
                    + proxy.port() + "/" + database, "SALVE_JOURNAL_USER", postgresUser));
            try (LocalService service = LocalService.start(root, journal, javaOpts, log, startTimeout, progress);
                 LoadGenerator generator = new LoadGenerator(service.bootstrap(), requestsTopic, resultsTopic,
                         images, progress)) {
                EditClient edits = new EditClient(service.http(), token);
                CompletableFuture<Measurement> run = measure(generator, rate, load, Fault.journal);
                Bookkeeping book = awaitAnswers(generator, rate);
                long version = edits.current().version();
                proxy.cut();
                long down = System.nanoTime();
                progress.println("chaos journal: the journal is cut off");
                long answeredAtCut = book.answeredCount();
                List<Integer> during = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    EditClient.Outcome refused = edits.apply(12, "projection", "suppress", 1.0, version);
                    during.add(refused.status());
                    if (refused.status() != 503 || !String.valueOf(refused.problem()).contains("JOURNAL_UNAVAILABLE")) {
                        problems.add("a change during the outage answered " + refused.status() + ": "
                                + refused.problem());
                    }
                }
                long left = OUTAGE.toNanos() - (System.nanoTime() - down);
                if (left > 0) {
                    TimeUnit.NANOSECONDS.sleep(left);
                }
                if (book.answeredCount() <= answeredAtCut) {
                    problems.add("nothing was answered while the journal was away");
                }
                proxy.restore();
                long back = System.nanoTime();
                progress.printf("chaos journal: the journal is back (changes during the outage: %s)%n", during);
                book.mark(back);
                // A client after an unclear outcome: retry on the version it last saw.
                EditClient.Outcome retried;
                do {
                    retried = edits.apply(12, "projection", "suppress", 1.0, version);
                    if (!retried.ok()) {
                        Thread.sleep(200);
                    }
                } while (!retried.ok() && System.nanoTime() - back < TimeUnit.SECONDS.toNanos(60));
                double changes = (System.nanoTime() - back) / 1e9;
                if (!retried.ok()) {
                    problems.add("changes still refused 60 s after the journal came back: " + retried.status() + " "
                            + retried.problem());
                } else if (retried.version() != version + 1) {
                    problems.add("the retried change made version " + retried.version() + ", not " + (version + 1)
                            + ": a refused change was persisted after all");
                }
                return report("journal", run, book, back, log, false, problems,
                        Map.of("changesRecoverySeconds", Math.round(changes * 10) / 10.0, "statusesDuringOutage",
                                during));
            }
        } finally {
            try (Connection db = DriverManager.getConnection(admin, postgresUser, "");
                 Statement drop = db.createStatement()) {
                drop.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }

    /** The fuzz fault sends {@link #FUZZ_RECORDS} bad records over {@code load}: the valid stream at that rate too. */
    private FaultReport fuzz(Duration load, Path log) throws Exception {
        double rate = FUZZ_RECORDS / (double) load.toSeconds();
        String opts = javaOpts + " -Dsalve.kafka.max-request-bytes=" + FUZZ_MAX_REQUEST_BYTES;
        Fuzz fuzz = new Fuzz(1, FUZZ_MAX_REQUEST_BYTES);
        List<String> problems = new ArrayList<>();
        Map<String, Long> errors = new TreeMap<>();
        try (LocalService service = LocalService.start(root, env, opts, log, startTimeout, progress);
             LoadGenerator generator = new LoadGenerator(service.bootstrap(), requestsTopic, resultsTopic, images,
                     progress);
             KafkaProducer<String, byte[]> bad = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, service.bootstrap(),
                     ProducerConfig.CLIENT_ID_CONFIG, "salve-fuzz", ProducerConfig.LINGER_MS_CONFIG, 5),
                     new StringSerializer(), new ByteArraySerializer())) {
            // Warm up and measure the clean stream first: the yardstick for the fuzzed one.
            generator.measure(Load.rate(rate), Duration.ofSeconds(10), drain, "fuzz warm-up");
            Measurement clean = generator.measure(Load.rate(rate), load, drain, "fuzz baseline");
            long heapBefore = heapAfterGc(service);
            Map<String, Long> classesBefore = liveBytesByClass(service);

            String prefix = "fz-" + System.currentTimeMillis() + "-";
            Map<String, Set<String>> expected = new ConcurrentHashMap<>();
            Map<String, String> kinds = new ConcurrentHashMap<>();
            Map<String, String> answers = new ConcurrentHashMap<>();
            generator.onOtherResults((key, value) -> {
                if (key != null && key.startsWith(prefix)) {
                    String code;
                    try {
                        InferenceResult r = ResultCodec.decode(value);
                        code = r.failed() ? r.error().code() : "ANSWERED_AS_VALID";
                    } catch (RuntimeException e) {
                        code = "UNREADABLE_RESULT";
                    }
                    answers.putIfAbsent(key, code);
                }
            });
            CompletableFuture<Measurement> run = measure(generator, rate, load, Fault.fuzz);
            long start = System.nanoTime();
            for (int n = 0; n < FUZZ_RECORDS; n++) {
                long due = start + (long) (n * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String id = prefix + n;
                Fuzz.Record record = fuzz.record(n, id);
                expected.put(id, record.codes());
                kinds.put(id, record.kind());
                bad.send(new ProducerRecord<>(requestsTopic, id, record.payload()));
            }
            bad.flush();
            Measurement fuzzed = run.get();
            waitFor(() -> answers.size() >= FUZZ_RECORDS, drain);
            Map<String, Long> wrong = new TreeMap<>();
            for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
                String code = answers.getOrDefault(e.getKey(), "UNANSWERED");
                errors.merge("kafka " + code, 1L, Long::sum);
                if (!e.getValue().contains(code)) {
                    wrong.merge(kinds.get(e.getKey()) + " -> " + code, 1L, Long::sum);
                }
            }
            if (!wrong.isEmpty()) {
                problems.add("malformed records answered otherwise than their kind's code: " + wrong);
            }
            httpFuzz(service, fuzz, errors, problems);
            if (readyStatus(service) != 200) {
                problems.add("the service is not ready after the fuzz");
            }
            long heapAfter = heapAfterGc(service);
            Map<String, Long> grown = new LinkedHashMap<>();
            Map<String, Long> classesAfter = liveBytesByClass(service);
            classesAfter.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - classesBefore.getOrDefault(e.getKey(), 0L)))
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                    .forEach(e -> grown.put(e.getKey(), e.getValue()));
            if (heapAfter > heapBefore * 1.1) {
                problems.add(String.format("heap after a full GC grew %.0f%%: %d -> %d KiB (largest growth, bytes: "
                        + "%s)", 100.0 * (heapAfter - heapBefore) / heapBefore, heapBefore, heapAfter, grown));
            }
            if (fuzzed.failed() > 0) {
                problems.add(fuzzed.failed() + " valid requests failed: " + fuzzed.errors());
            }
            double ratio = fuzzed.p99Ms() / clean.p99Ms();
            progress.printf("chaos fuzz: valid p99 %.1f ms with fuzz vs %.1f ms without (x%.2f); heap %d -> %d KiB%n",
                    fuzzed.p99Ms(), clean.p99Ms(), ratio, heapBefore, heapAfter);
            if (ratio > 2) {
                problems.add(String.format("the valid requests' p99 was %.1f ms with fuzz, %.1f ms without (x%.2f)",
                        fuzzed.p99Ms(), clean.p99Ms(), ratio));
            }
            if (fuzzed.lost() > 0) {
                problems.add(fuzzed.lost() + " valid requests lost, e.g. " + fuzzed.lostIds());
            }
            fuzzed.errors().forEach((code, count) -> errors.merge("valid " + code, count, Long::sum));
            Map<String, Object> measured = new LinkedHashMap<>();
            measured.put("malformedRecords", FUZZ_RECORDS);
            measured.put("malformedCalls", FUZZ_CALLS);
            measured.put("p99MsWithoutFuzz", clean.p99Ms());
            measured.put("p99MsWithFuzz", fuzzed.p99Ms());
            measured.put("heapKiBBefore", heapBefore);
            measured.put("heapKiBAfter", heapAfter);
            measured.put("liveBytesGrowthByClass", grown);
            return new FaultReport("fuzz", fuzzed.sent(), fuzzed.answered(), fuzzed.lost(), fuzzed.failed(),
                    fuzzed.duplicates(), 0, 0, measured, problems.isEmpty(), problems, errors, notable(log));
        }
    }

    /** {@link #FUZZ_CALLS} malformed calls: each must be a 4xx with the JSON error code its kind may have. */
    private void httpFuzz(LocalService service, Fuzz fuzz, Map<String, Long> counts, List<String> problems)
            throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, Long> wrong = new TreeMap<>();
        for (int n = 0; n < FUZZ_CALLS; n++) {
            Fuzz.Call call = fuzz.call(n, token);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(service.http() + call.path()))
                    .timeout(Duration.ofSeconds(20)).method(call.method(), call.body() == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(call.body()));
            for (int h = 0; h < call.headers().size(); h += 2) {
                b.header(call.headers().get(h), call.headers().get(h + 1));
            }
            String outcome;
            try {
                HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
                String code = errorCode(response.body());
                outcome = response.statusCode() + " " + code;
                if (response.statusCode() / 100 != 4 || !call.codes().contains(code)) {
                    wrong.merge(call.kind() + " -> " + outcome, 1L, Long::sum);
                }
            } catch (IOException e) {
                outcome = "no answer";
                wrong.merge(call.kind() + " -> " + e, 1L, Long::sum);
            }
            counts.merge("http " + outcome, 1L, Long::sum);
        }
        if (!wrong.isEmpty()) {
            problems.add("malformed calls answered otherwise than a 4xx with their kind's code: " + wrong);
        }
    }

    private static String errorCode(String body) {
        try {
            return ReportWriter.JSON.readTree(body).path("error").path("code").asText("NO_CODE");
        } catch (IOException e) {
            return "NOT_JSON";
        }
    }

    /** The service JVM's used heap in KiB right after a full collection ({@code jcmd GC.run}, then GC.heap_info). */
    private static long heapAfterGc(LocalService service) throws IOException, InterruptedException {
        jcmd(service, "GC.run");
        String out = jcmd(service, "GC.heap_info");
        Matcher used = Pattern.compile("used (\\d+)K").matcher(out);
        if (!used.find()) {
            throw new IllegalStateException("jcmd GC.heap_info said: " + out);
        }
        return Long.parseLong(used.group(1));
    }

    /** Live bytes per class ({@code jcmd GC.class_histogram}, which collects first): where a heap growth is. */
    private static Map<String, Long> liveBytesByClass(LocalService service) throws IOException, InterruptedException {
        Map<String, Long> bytes = new HashMap<>();
        Matcher row = Pattern.compile("^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE)
                .matcher(jcmd(service, "GC.class_histogram"));
        while (row.find()) {
            bytes.merge(row.group(2), Long.parseLong(row.group(1)), Long::sum);
        }
        return bytes;
    }

    /** What {@code jcmd <service> command} prints (the JDK's own jcmd, beside this JVM's java). */
    private static String jcmd(LocalService service, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(service.pid()), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private FaultReport replicaFaults(double rate, Duration load, Path log) throws Exception {
        String faults = javaOpts + " -Dsalve.replicas.fault-injection.fail-every=" + FAIL_EVERY
                + " -Dsalve.replicas.fault-injection.poison-blank-images=true";
        long first = Math.round(rate * FAULT_AFTER.toSeconds());
        LongPredicate poison = n -> n >= first && (n - first) % POISON_EVERY == 0;
        long expected = LongStream.range(0, Math.round(rate * load.toSeconds())).filter(poison).count();
        try (LocalService service = LocalService.start(root, env, faults, log, startTimeout, progress);
             LoadGenerator generator = new LoadGenerator(service.bootstrap(), requestsTopic, resultsTopic,
                     images, progress)) {
            CompletableFuture<Measurement> run = CompletableFuture.supplyAsync(() -> generator.measure(
                    Load.rate(rate), load, drain, "chaos replica", poison));
            Bookkeeping book = awaitAnswers(generator, rate);
            book.mark(System.nanoTime());
            long start = System.nanoTime();
            List<String> problems = new ArrayList<>();
            Measurement m = run.get();
            long failedOk = m.errors().getOrDefault("INFERENCE_FAILED", 0L);
            if (failedOk != expected || m.failed() != expected) {
                problems.add(expected + " poison requests sent, " + failedOk + " answered INFERENCE_FAILED, "
                        + m.failed() + " failed in all (errors " + m.errors() + ")");
            }
            if (readyStatus(service) != 200) {
                problems.add("the service is not ready after the run");
            }
            if (Files.readString(log).contains("loading its model again")) {
                problems.add("a replica reloaded its model: a poison request was taken for a broken model");
            }
            return report("replica", CompletableFuture.completedFuture(m), book, start, log, false, problems);
        }
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
        return report(fault, run, book, end, log, noReanswers, problems, Map.of());
    }

    private FaultReport report(String fault, CompletableFuture<Measurement> run, Bookkeeping book, long end,
                               Path log, boolean noReanswers, List<String> problems, Map<String, Object> measured)
            throws Exception {
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
                Math.round(recovery * 10) / 10.0, measured, problems.isEmpty(), problems, m.errors(), notable(log));
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
