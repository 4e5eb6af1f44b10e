package io.salve.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.app.SalveService;
import io.salve.core.Progress;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditSet;
import io.salve.data.ImageSet;
import io.salve.kafka.DemoTraffic;
import io.salve.kafka.KafkaConfig;
import io.salve.model.Bundle;
import io.salve.serve.BundleBatchModel;
import io.salve.serve.ReplicaPool;
import io.salve.serve.ServeConfig;
import io.salve.serve.ServingHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serving throughput and latency against the model's own ceiling, in one run on one machine.
 *
 * <ol>
 *   <li>ceiling: the replica's batch computation (backbone forward + SAE + head) in-process, no Kafka, no actors, at
 *       the configured max batch;</li>
 *   <li>saturation: {@code requests} Fashion-MNIST requests produced at once; throughput = answered / (last result
 *       - first request), from the records' broker timestamps;</li>
 *   <li>latency: the same number of requests at 70% of that throughput; end-to-end latency = result record time -
 *       request record time (p50, p99).</li>
 * </ol>
 */
public final class ServeBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ServeBenchmark.class);

    /**
     * What the benchmark writes as JSON.
     *
     * @param ceilingImagesPerSecond the mean of {@code ceilingRuns}: the ceiling measured before and after the service
     *                               phases, same JVM, same batch size ({@code maxBatch}), same PyTorch threads
     * @param intraOpThreads         PyTorch intra-op threads (ai.djl.pytorch.num_threads), for the service and the
     *                               ceiling alike
     * @param warmupRequests         requests sent at saturation before measuring (JIT, connections), not counted
     * @param meanBatchSize          requests per micro-batch while saturated
     * @param edit                   the edit set served (one suppression, so the diagnostics run) and used by the ceiling
     */
    public record Result(String bundle, List<String> devices, int maxBatch, long maxDelayMs, int requests,
                         double ceilingImagesPerSecond, double throughput, double ratio, Latency saturated,
                         double rateAt70, double throughputAt70, Latency at70, int failed, int lost,
                         List<Double> ceilingRuns, String intraOpThreads, String interOpThreads, int warmupRequests,
                         double meanBatchSize, String edit) {
    }

    public record Latency(double p50Ms, double p90Ms, double p99Ms, double maxMs) {

        static Latency of(double[] ms) {
            Arrays.sort(ms);
            return new Latency(at(ms, 0.5), at(ms, 0.9), at(ms, 0.99), ms.length == 0 ? Double.NaN : ms[ms.length - 1]);
        }

        private static double at(double[] sorted, double q) {
            return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        }
    }

    private record Run(double throughput, Latency latency, int failed, int lost) {
    }

    private ServeBenchmark() {
    }

    public static Result run(Config base, Path workDir, ImageSet images, int requests, Progress progress) {
        return run(base, workDir, images, requests, requests, progress);
    }

    /**
     * @param warmup requests sent at saturation first and not measured. Per-request code paths reach C2 only after
     *               about 10,000 requests; with a warm-up of 3,000 the JIT compilers still took half of the bench
     *               JVM's CPU while the saturated phase was measured.
     */
    public static Result run(Config base, Path workDir, ImageSet images, int requests, int warmup,
                             Progress progress) {
        Config config = onFreePorts(workDir, "").withFallback(base).resolve();
        ServeConfig serve = ServeConfig.from(config);
        try (SalveService service = SalveService.start(config, progress)) {
            // Sent as tensors of the bundle's shape: an imported bundle takes another size than Fashion-MNIST's.
            ImageSet input = service.bundle().inputSpec().conform(images);
            // Served under one suppression (with an SAE), so that the diagnostics run for every request as in use.
            ServingHead head = suppress(service);
            KafkaConfig.TopicNames topics = KafkaConfig.from(config).topics();
            // Warm-up at saturation, not measured (JIT, connections, consumer group): the ceiling is measured warm,
            // so is the service.
            LOG.info("bench: warm-up, {} requests at once", warmup);
            measure(service, topics, input, warmup, 0, "warm-");
            LOG.info("bench: ceiling (in-process, batch {})", serve.batching().maxBatch());
            double before = ceiling(service, serve, input, head);
            long[] b0 = service.metrics().model(service.models().defaultModel()).batches();
            LOG.info("bench: saturated, {} requests at once", requests);
            Run saturated = measure(service, topics, input, requests, 0, "bench-");
            long[] b1 = service.metrics().model(service.models().defaultModel()).batches();
            double rate = 0.7 * saturated.throughput();
            LOG.info("bench: {} requests at {} req/s (70%)", requests, Math.round(rate));
            Run at70 = measure(service, topics, input, requests, rate, "demo-");
            LOG.info("bench: ceiling again");
            double after = ceiling(service, serve, input, head);
            LOG.info("bench: done");
            double ceiling = (before + after) / 2;
            return new Result(service.bundle().dir().toString(), serve.devices(), serve.batching().maxBatch(),
                    serve.batching().maxDelay().toMillis(), requests, ceiling, saturated.throughput(),
                    saturated.throughput() / ceiling, saturated.latency(), rate, at70.throughput(), at70.latency(),
                    saturated.failed() + at70.failed(), saturated.lost() + at70.lost(), List.of(before, after),
                    System.getProperty("ai.djl.pytorch.num_threads", "default"),
                    System.getProperty("ai.djl.pytorch.num_interop_threads", "default"), warmup,
                    b1[0] > b0[0] ? (double) (b1[1] - b0[1]) / (b1[0] - b0[0]) : Double.NaN,
                    head.edits().toString());
        }
    }

    /**
     * Saturated throughput under each telemetry setting, in one run, under the same suppression edit.
     *
     * @param variants in the order of {@link #COST_VARIANTS}; the first is the baseline
     */
    public record TelemetryCost(String edit, int requests, List<Variant> variants, int failed, int lost) {
    }

    /**
     * @param throughput req/s, one per round
     * @param cost       {@code 1 - median / median of the baseline}
     */
    public record Variant(String name, String config, List<Double> throughput, double median, double cost) {
    }

    /** What a cost run compares: name and configuration overrides. */
    static final Map<String, String> COST_VARIANTS = new LinkedHashMap<>();

    static {
        COST_VARIANTS.put("off", "salve.telemetry.enabled = false, salve.diagnostics.enabled = false");
        COST_VARIANTS.put("on, no per-request records", "salve.telemetry.sample-rate = 0, "
                + "salve.diagnostics.sample-rate = 0");
        COST_VARIANTS.put("on", "salve.telemetry.enabled = true, salve.diagnostics.enabled = true");
    }

    /**
     * Telemetry's cost: {@code rounds} rounds, each starting the service once per {@link #COST_VARIANTS} entry
     * (rotating which goes first, so a drift in the machine's load hits all alike), serving the same suppression edit
     * (class 0's dominant feature at alpha 4, so diagnostics have work to do); each measures saturated throughput
     * after a warm-up of {@code requests / 4}.
     */
    public static TelemetryCost telemetryCost(Config base, Path workDir, ImageSet images, int requests, int rounds,
                                              Progress progress) {
        List<String> names = new ArrayList<>(COST_VARIANTS.keySet());
        Map<String, List<Double>> measured = new LinkedHashMap<>();
        names.forEach(n -> measured.put(n, new ArrayList<>()));
        String edit = null;
        int failed = 0;
        int lost = 0;
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((round + i) % names.size());
                Config config = ConfigFactory.parseString(COST_VARIANTS.get(name))
                        .withFallback(onFreePorts(workDir, "-" + round + "-" + i)).withFallback(base).resolve();
                try (SalveService service = SalveService.start(config, progress)) {
                    ImageSet input = service.bundle().inputSpec().conform(images);
                    edit = suppress(service).edits().toString();
                    KafkaConfig.TopicNames topics = KafkaConfig.from(config).topics();
                    measure(service, topics, input, Math.max(1, requests / 4), 0, "warm-");
                    Run run = measure(service, topics, input, requests, 0, "bench-");
                    measured.get(name).add(run.throughput());
                    failed += run.failed();
                    lost += run.lost();
                }
            }
        }
        double baseline = median(measured.get(names.get(0)));
        List<Variant> variants = names.stream().map(n -> new Variant(n, COST_VARIANTS.get(n), measured.get(n),
                median(measured.get(n)), 1 - median(measured.get(n)) / baseline)).toList();
        return new TelemetryCost(edit, requests, variants, failed, lost);
    }

    /** Free ports, and a broker and an edit journal of its own in {@code workDir} (a running service keeps its own). */
    private static Config onFreePorts(Path workDir, String suffix) {
        return ConfigFactory.parseString("""
                salve.http.port = 0
                salve.kafka.embedded.port = 0
                salve.kafka.embedded.data-dir = "%s"
                salve.edits.h2.dir = "%s"
                """.formatted(workDir.resolve("kafka" + suffix), workDir.resolve("journal" + suffix).toAbsolutePath()));
    }

    /**
     * Puts {@link #benchEdit} into the replicas (as edit version 1) and returns the head they serve. A bundle without
     * an SAE cannot be edited: it is measured as it is served, unedited.
     */
    private static ServingHead suppress(SalveService service) {
        if (!service.bundle().hasSae()) {
            return ServingHead.unedited(service.bundle().head());
        }
        ServingHead head = ServingHead.of(service.bundle(), EditSet.of(benchEdit(service.bundle())), 1);
        AskPattern.<ReplicaPool.Command, Long>ask(service.pool(), ack -> new ReplicaPool.SwapHead(head, ack),
                Duration.ofSeconds(60), service.system().scheduler()).toCompletableFuture().join();
        return head;
    }

    /** Suppression of class 0's dominant feature (from the bundle's catalog; feature 0 without one) at alpha 4. */
    private static Edit benchEdit(Bundle bundle) {
        int feature = Files.isRegularFile(bundle.file("catalog.json"))
                ? bundle.readJson("catalog.json", JsonNode.class).at("/classes/0/dominantFeature").asInt(0) : 0;
        return new Edit(feature, EditMethod.SALVE, Direction.SUPPRESS, 4.0, List.of());
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length == 0 ? Double.NaN
                : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Images per second through one replica's batch computation under {@code head}, after warm-up. */
    private static double ceiling(SalveService service, ServeConfig serve, ImageSet images, ServingHead head) {
        int batch = serve.batching().maxBatch();
        List<float[]> pixels = new ArrayList<>();
        for (int n = 0; n < batch; n++) {
            float[] p = new float[images.imageSize()];
            for (int i = 0; i < p.length; i++) {
                p[i] = (images.pixels()[(n % images.count()) * images.imageSize() + i] & 0xff) / 255f;
            }
            pixels.add(p);
        }
        try (BundleBatchModel model = new BundleBatchModel(service.bundle(), Device.fromName(serve.devices().get(0)))) {
            for (int i = 0; i < 20; i++) {
                model.run(pixels, head);
            }
            // Eight windows of half a second; the median, so that a burst from another process on these shared
            // cores does not set the ceiling.
            double[] windows = new double[8];
            for (int w = 0; w < windows.length; w++) {
                int rounds = 0;
                long start = System.nanoTime();
                while (System.nanoTime() - start < 500_000_000L) {
                    model.run(pixels, head);
                    rounds++;
                }
                windows[w] = rounds * batch / ((System.nanoTime() - start) / 1e9);
            }
            Arrays.sort(windows);
            return (windows[3] + windows[4]) / 2;
        }
    }

    /**
     * Sends {@code count} requests (all at once when {@code rate} is 0; else through {@link DemoTraffic}, whose ids
     * are {@code demo-<n>}) and reads their results back.
     */
    private static Run measure(SalveService service, KafkaConfig.TopicNames topics, ImageSet images, int count,
                               double rate, String prefix) {
        String bootstrap = service.bootstrapServers();
        // Positioned at the results' end before sending, and polled incrementally: the benchmark must not re-read
        // topics while it measures a service that shares its cores.
        try (KafkaConsumer<String, byte[]> results = consumer(bootstrap, topics.results())) {
            results.seekToEnd(results.assignment());
            results.assignment().forEach(results::position);
            send(bootstrap, topics, images, count, rate, prefix);
            Map<String, ConsumerRecord<String, byte[]>> answered = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (answered.size() < count && System.nanoTime() < deadline) {
                results.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.key() != null && r.key().startsWith(prefix)) {
                        answered.put(r.key(), r);
                    }
                });
            }
            return summarise(bootstrap, topics, answered, count, prefix);
        }
    }

    private static void send(String bootstrap, KafkaConfig.TopicNames topics, ImageSet images, int count, double rate,
                             String prefix) {
        if (rate > 0) {
            try (DemoTraffic traffic = DemoTraffic.start(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    topics.requests(), images, rate, count)) {
                traffic.finished().toCompletableFuture().join();
            }
        } else {
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int n = 0; n < count; n++) {
                    String id = prefix + n;
                    producer.send(new ProducerRecord<>(topics.requests(), id,
                            DemoTraffic.request(id, images, n % images.count())));
                }
            }
        }
    }

    /** Throughput and latency from the answered results and their requests' broker timestamps. */
    private static Run summarise(String bootstrap, KafkaConfig.TopicNames topics,
                                 Map<String, ConsumerRecord<String, byte[]>> answered, int count, String prefix) {
        Map<String, Long> sent = new HashMap<>();
        readAll(bootstrap, topics.requests()).stream().filter(r -> r.key() != null && r.key().startsWith(prefix))
                .forEach(r -> sent.putIfAbsent(r.key(), r.timestamp()));
        double[] latency = new double[answered.size()];
        int i = 0;
        int failed = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (ConsumerRecord<String, byte[]> r : answered.values()) {
            long t0 = sent.getOrDefault(r.key(), r.timestamp());
            latency[i++] = r.timestamp() - t0;
            first = Math.min(first, t0);
            last = Math.max(last, r.timestamp());
            if (isError(r.value())) {
                failed++;
            }
        }
        double seconds = Math.max(1e-3, (last - first) / 1000.0);
        return new Run(answered.size() / seconds, Latency.of(latency), failed, count - answered.size());
    }

    private static boolean isError(byte[] json) {
        try {
            JsonNode node = JSON.readTree(json);
            return node.has("error");
        } catch (IOException e) {
            return true;
        }
    }

    /** A consumer assigned to every partition of {@code topic}. */
    private static KafkaConsumer<String, byte[]> consumer(String bootstrap, String topic) {
        // Large fetches: the bench shares the service's JVM and cores, and its reading is not in the latencies (they
        // are the records' own timestamps).
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.assign(consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList());
        return consumer;
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap, topic)) {
            consumer.seekToBeginning(consumer.assignment());
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
