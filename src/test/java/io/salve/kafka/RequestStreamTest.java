package io.salve.kafka;

import com.typesafe.config.ConfigFactory;
import io.salve.app.DevBrokerSettings;
import io.salve.core.SalveException;
import io.salve.data.FashionMnist;
import io.salve.data.ImageSet;
import io.salve.data.Resize;
import io.salve.devbroker.EmbeddedKafka;
import io.salve.model.InputSpec;
import io.salve.serve.InferenceRequest;
import io.salve.serve.InferenceResult;
import io.salve.serve.InferenceService;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The request stream and the demo traffic against one real broker (a child JVM) for the whole class. */
class RequestStreamTest {

    private static final int[] SHAPE = {1, 28, 28};
    private static final int MAX_BYTES = 16 * 1024;
    private static final RequestCodec CODEC = new RequestCodec(new InputSpec(1, 28, 28, new float[] {0},
            new float[] {1}, Resize.SQUASH), 10, MAX_BYTES, "m");
    private static final Executor LATER = CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS);

    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;
    private static String bs;
    private static ActorSystem<Void> system;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        KafkaTestUtil.quietKafkaLogs();
        kafka = EmbeddedKafka.start(DevBrokerSettings.from(ConfigFactory.defaultReference().resolve()).withPort(0)
                .withDataDir(dir.resolve("kafka")));
        bs = kafka.bootstrapServers();
        System.out.printf("broker start: %d ms%n", kafka.startupTime().toMillis());
        system = ActorSystem.create(Behaviors.empty(), "request-stream-test");
        admin = KafkaTestUtil.admin(bs);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (system != null) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Topics and group of their own for each test, on the shared broker. */
    private static KafkaConfig config(String name) {
        KafkaConfig base = KafkaConfig.from(ConfigFactory.defaultReference().resolve());
        KafkaConfig cfg = base.withBootstrapServers(bs)
                .withTopics(new KafkaConfig.TopicNames(name + ".requests", name + ".results", name + ".telemetry",
                        name + ".diagnostics", name + ".dead-letter"))
                .withGroupId(name)
                .withPartitions(4);
        Topics.ensure(bs, cfg);
        return cfg;
    }

    /** Prediction = a hash of the id, answered asynchronously. */
    private static CompletionStage<InferenceResult> fakeInfer(InferenceRequest r) {
        return CompletableFuture.supplyAsync(() -> {
            int prediction = Math.floorMod(r.id().hashCode(), 10);
            List<Float> probabilities = new ArrayList<>();
            for (int c = 0; c < 10; c++) {
                probabilities.add(c == prediction ? 0.91f : 0.01f);
            }
            double total = (System.nanoTime() - r.receivedNanos()) / 1e6;
            return new InferenceResult(r.id(), r.model(), prediction, "class-" + prediction, probabilities, 0L, "fake-0",
                    new InferenceResult.Timings(0.0, 0.1, Math.max(0.1, total)), r.label(), null, null);
        }, LATER);
    }

    private static byte[] good(String id, Random rnd, Integer label) {
        byte[] pixels = new byte[28 * 28];
        rnd.nextBytes(pixels);
        return RequestCodec.encodeUint8(id, SHAPE, pixels, 0, label);
    }

    private static void drain(Consumer.DrainingControl<Done> control) throws Exception {
        control.drainAndShutdown(system.executionContext()).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static void assertAllCommitted(KafkaConfig cfg) {
        Map<TopicPartition, Long> end = KafkaTestUtil.endOffsets(bs, cfg.topics().requests());
        Map<TopicPartition, Long> committed = KafkaTestUtil.committed(bs, cfg.groupId());
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (e.getValue() > 0) {
                assertEquals(e.getValue(), committed.get(e.getKey()), "committed offset of " + e.getKey());
            }
        }
    }

    // --------------------------------------------------------------------------------------------------- tests

    @Test
    void everyRequestGetsExactlyOneResultAndBadOnesADeadLetter() throws Exception {
        KafkaConfig cfg = config("e2e");
        Random rnd = new Random(7);
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        Map<String, String> badCode = new HashMap<>();     // key -> expected code
        Set<String> idUnknown = new HashSet<>();
        for (int i = 0; i < 2200; i++) {
            if (i % 11 != 5) {
                records.add(Map.entry("g-" + i, good("g-" + i, rnd, i % 10)));
                continue;
            }
            String id = "bad-" + i;
            byte[] value;
            String code;
            switch ((i / 11) % 8) {
                case 0 -> { value = "not json {".getBytes(StandardCharsets.UTF_8); code = "BAD_JSON"; }
                case 1 -> {
                    value = ("{\"id\":\"" + id + "\",\"tensor\":{\"dtype\":\"uint8\",\"shape\":[1,28,27],\"data\":\""
                            + Base64.getEncoder().encodeToString(new byte[28 * 27]) + "\"}}")
                            .getBytes(StandardCharsets.UTF_8);
                    code = "BAD_SHAPE";
                }
                case 2 -> {
                    value = ("{\"id\":\"" + id + "\",\"pad\":\"" + "x".repeat(MAX_BYTES) + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    code = "TOO_LARGE";
                }
                case 3 -> { value = new byte[] {(byte) 0xc3, 0x28, 0, (byte) 0xff}; code = "BAD_JSON"; }
                case 4 -> { value = ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8); code = "MISSING_FIELD"; }
                case 5 -> {
                    float[] p = new float[28 * 28];
                    p[3] = Float.NaN;
                    value = RequestCodec.encodeFloat32(id, SHAPE, p, null);
                    code = "NON_FINITE";
                }
                case 6 -> { value = good(id, rnd, 10); code = "BAD_LABEL"; }
                default -> {
                    byte[] junk = new byte[64];
                    rnd.nextBytes(junk);
                    value = RequestCodec.encodeImage(id, junk, null);
                    code = "BAD_IMAGE";
                }
            }
            if (code.equals("BAD_JSON") || code.equals("TOO_LARGE")) {
                idUnknown.add(id);
            }
            badCode.put(id, code);
            records.add(Map.entry(id, value));
        }
        assertEquals(200, badCode.size());
        KafkaTestUtil.produce(bs, cfg.topics().requests(), records);

        AtomicLong firstCall = new AtomicLong();
        InferenceService infer = r -> {
            firstCall.compareAndSet(0, System.nanoTime());
            return fakeInfer(r);
        };
        long t0 = System.nanoTime();
        Consumer.DrainingControl<Done> control = RequestStream.start(system, cfg, bs, CODEC, infer, result -> { });
        KafkaTestUtil.await("2200 results", Duration.ofSeconds(60),
                () -> KafkaTestUtil.count(admin, cfg.topics().results()) >= 2200);
        long t1 = System.nanoTime();
        drain(control);
        System.out.printf("end to end: 2200 requests in %.2f s from stream start (%.0f/s), %.2f s from the first "
                        + "inference (%.0f/s)%n", (t1 - t0) / 1e9, 2200 / ((t1 - t0) / 1e9),
                (t1 - firstCall.get()) / 1e9, 2200 / ((t1 - firstCall.get()) / 1e9));

        List<ConsumerRecord<String, byte[]>> results = KafkaTestUtil.readAll(bs, cfg.topics().results());
        assertEquals(2200, results.size(), "exactly one result per request");
        Map<String, Long> perKey = results.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                Collectors.counting()));
        assertEquals(2200, perKey.size());
        int errors = 0;
        for (ConsumerRecord<String, byte[]> rec : results) {
            JsonSchemas.RESULT.assertValid(rec.value());
            InferenceResult r = ResultCodec.decode(rec.value());
            String key = rec.key();
            if (badCode.containsKey(key)) {
                errors++;
                assertTrue(r.failed(), key);
                assertEquals(badCode.get(key), r.error().code(), key + ": " + r.error().message());
                if (idUnknown.contains(key)) {
                    assertNull(r.id(), key);
                } else {
                    assertEquals(key, r.id());
                }
            } else {
                assertFalse(r.failed(), key);
                assertEquals(key, r.id());
                assertEquals(Math.floorMod(key.hashCode(), 10), r.prediction());
                assertEquals(Integer.parseInt(key.substring(2)) % 10, r.label());
            }
        }
        assertEquals(200, errors);

        List<ConsumerRecord<String, byte[]>> dead = KafkaTestUtil.readAll(bs, cfg.topics().deadLetter());
        assertEquals(200, dead.size());
        assertEquals(badCode.keySet(), dead.stream().map(ConsumerRecord::key).collect(Collectors.toSet()));
        for (ConsumerRecord<String, byte[]> rec : dead) {
            JsonSchemas.DEAD_LETTER.assertValid(rec.value());
            String json = new String(rec.value(), StandardCharsets.UTF_8);
            assertTrue(json.contains("\"code\":\"" + badCode.get(rec.key()) + "\""), json);
            assertTrue(json.contains("\"topic\":\"" + cfg.topics().requests() + "\""), json);
        }
        assertAllCommitted(cfg);
    }

    @Test
    void restartMidStreamAnswersEveryRequestAtLeastOnce() throws Exception {
        KafkaConfig cfg = config("restart");
        int total = 3000;
        Random rnd = new Random(11);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            values.add(good("r-" + i, rnd, null));
        }
        Set<String> inferred = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        InferenceService infer = r -> {
            inferred.add(r.id());
            calls.incrementAndGet();
            return fakeInfer(r);
        };
        AtomicInteger sent = new AtomicInteger();
        try (KafkaProducer<String, byte[]> producer = KafkaTestUtil.producer(bs)) {
            for (int i = 0; i < 1000; i++) {
                producer.send(new ProducerRecord<>(cfg.topics().requests(), "r-" + i, values.get(i)));
            }
            producer.flush();
            sent.set(1000);
            Consumer.DrainingControl<Done> first = RequestStream.start(system, cfg, bs, CODEC, infer, result -> { });
            KafkaTestUtil.await("500 answered", Duration.ofSeconds(60), () -> calls.get() >= 500);
            // The rest keeps coming while the first stream drains and the second one starts.
            CompletableFuture<Void> more = CompletableFuture.runAsync(() -> {
                for (int i = 1000; i < total; i++) {
                    producer.send(new ProducerRecord<>(cfg.topics().requests(), "r-" + i, values.get(i)));
                    if (i % 100 == 99) {
                        sleep(40);
                    }
                    sent.incrementAndGet();
                }
                producer.flush();
            });
            drain(first);
            int sentAtRestart = sent.get();
            int answeredAtRestart = inferred.size();
            Consumer.DrainingControl<Done> second = RequestStream.start(system, cfg, bs, CODEC, infer, result -> { });
            more.get(60, TimeUnit.SECONDS);
            KafkaTestUtil.await("every request inferred", Duration.ofSeconds(60), () -> inferred.size() == total);
            drain(second);
            System.out.printf("restart: first stream answered %d, %d of %d sent when it stopped; %d inferences "
                    + "for %d requests%n", answeredAtRestart, sentAtRestart, total, calls.get(), total);
            assertTrue(sentAtRestart < total, "requests were still coming at the restart");
        }
        List<ConsumerRecord<String, byte[]>> results = KafkaTestUtil.readAll(bs, cfg.topics().results());
        Set<String> answered = new HashSet<>();
        for (ConsumerRecord<String, byte[]> rec : results) {
            InferenceResult r = ResultCodec.decode(rec.value());
            assertFalse(r.failed());
            answered.add(r.id());
        }
        assertEquals(total, answered.size(), "every request answered at least once");
        assertTrue(results.size() >= total);
        assertAllCommitted(cfg);
    }

    @Test
    void inFlightIsBoundedAndTheStreamResumesWhenAnswersCome() throws Exception {
        KafkaConfig cfg = config("bp").withMaxInFlight(8);
        Random rnd = new Random(3);
        List<Map.Entry<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            records.add(Map.entry("b-" + i, good("b-" + i, rnd, null)));
        }
        KafkaTestUtil.produce(bs, cfg.topics().requests(), records);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
        InferenceService infer = r -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<InferenceResult> answer = new CompletableFuture<>();
            held.add(() -> fakeInfer(r).thenAccept(res -> {
                inFlight.decrementAndGet();
                answer.complete(res);
            }));
            return answer;
        };
        Consumer.DrainingControl<Done> control = RequestStream.start(system, cfg, bs, CODEC, infer, result -> { });
        KafkaTestUtil.await("8 in flight", Duration.ofSeconds(60), () -> inFlight.get() == 8);
        Thread.sleep(1000);
        assertEquals(8, inFlight.get(), "no more requests than max-in-flight are being inferred");
        assertEquals(0, KafkaTestUtil.count(admin, cfg.topics().results()));
        CompletableFuture<Void> releaser = CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && KafkaTestUtil.count(admin, cfg.topics().results()) < 100) {
                Runnable r;
                while ((r = held.poll()) != null) {
                    r.run();
                }
                sleep(20);
            }
        });
        KafkaTestUtil.await("100 results", Duration.ofSeconds(60),
                () -> KafkaTestUtil.count(admin, cfg.topics().results()) >= 100);
        releaser.get(10, TimeUnit.SECONDS);
        drain(control);
        assertEquals(8, maxInFlight.get());
        assertEquals(100, KafkaTestUtil.readAll(bs, cfg.topics().results()).size());
        assertAllCommitted(cfg);
    }

    @Test
    void inferenceFailuresBecomeErrorResults() throws Exception {
        KafkaConfig cfg = config("fail").withRequestTimeout(Duration.ofMillis(500));
        Random rnd = new Random(5);
        Map<String, String> expected = Map.of("ok", "", "slow", "TIMEOUT", "throws", "INFERENCE_FAILED",
                "salve", "MODEL_UNAVAILABLE", "null", "INFERENCE_FAILED", "failed", "INFERENCE_FAILED");
        KafkaTestUtil.produce(bs, cfg.topics().requests(), expected.keySet().stream()
                .map(id -> Map.entry(id, good(id, rnd, 1))).toList());
        InferenceService infer = r -> switch (r.id()) {
            case "slow" -> new CompletableFuture<>();
            case "throws" -> throw new IllegalStateException("boom");
            case "salve" -> CompletableFuture.failedFuture(new SalveException("MODEL_UNAVAILABLE", "no replica"));
            case "null" -> null;
            case "failed" -> CompletableFuture.failedFuture(new RuntimeException("replica died"));
            default -> fakeInfer(r);
        };
        Consumer.DrainingControl<Done> control = RequestStream.start(system, cfg, bs, CODEC, infer, result -> { });
        KafkaTestUtil.await("6 results", Duration.ofSeconds(60),
                () -> KafkaTestUtil.count(admin, cfg.topics().results()) >= 6);
        drain(control);
        List<ConsumerRecord<String, byte[]>> results = KafkaTestUtil.readAll(bs, cfg.topics().results());
        assertEquals(6, results.size());
        for (ConsumerRecord<String, byte[]> rec : results) {
            JsonSchemas.RESULT.assertValid(rec.value());
            InferenceResult r = ResultCodec.decode(rec.value());
            assertEquals(rec.key(), r.id());
            String code = expected.get(rec.key());
            if (code.isEmpty()) {
                assertFalse(r.failed());
            } else {
                assertEquals(code, r.error().code(), rec.key());
            }
        }
        assertEquals(0, KafkaTestUtil.count(admin, cfg.topics().deadLetter()), "inference failures are not dead letters");
        assertAllCommitted(cfg);
    }

    @Test
    void demoTrafficSendsDecodableLabelledRequestsAtTheRate() throws Exception {
        KafkaConfig cfg = config("demo");
        Random rnd = new Random(9);
        byte[] pixels = new byte[50 * 28 * 28];
        rnd.nextBytes(pixels);
        int[] labels = new int[50];
        for (int i = 0; i < 50; i++) {
            labels[i] = i % 10;
        }
        ImageSet images = new ImageSet(50, 1, 28, 28, pixels, labels, FashionMnist.CLASS_NAMES);
        long t0 = System.nanoTime();
        try (DemoTraffic traffic = DemoTraffic.start(cfg.clientConfig(bs, Map.of()), cfg.topics().requests(), images,
                1000, 200)) {
            assertEquals(200L, traffic.finished().toCompletableFuture().get(30, TimeUnit.SECONDS));
        }
        assertTrue(System.nanoTime() - t0 >= 150_000_000L, "200 requests at 1000/s take about 0.2 s");
        List<ConsumerRecord<String, byte[]>> records = KafkaTestUtil.readAll(bs, cfg.topics().requests());
        assertEquals(200, records.size());
        for (ConsumerRecord<String, byte[]> rec : records) {
            JsonSchemas.REQUEST.assertValid(rec.value());
            InferenceRequest r = CODEC.decode(rec.value(), 0);
            int n = Integer.parseInt(r.id().substring("demo-".length()));
            assertEquals(rec.key(), r.id());
            assertEquals(labels[n % 50], r.label());
            for (int p = 0; p < 28 * 28; p++) {
                assertEquals((pixels[(n % 50) * 784 + p] & 0xff) / 255f, r.pixels()[p], 0f);
            }
        }

        Path fm = FashionMnist.defaultDir();
        assumeTrue(Files.exists(fm.resolve("t10k-images-idx3-ubyte.gz")), "Fashion-MNIST not installed");
        ImageSet test = FashionMnist.test(fm);
        long sent;
        try (DemoTraffic traffic = DemoTraffic.fashionMnist(cfg.clientConfig(bs, Map.of()), cfg.topics().telemetry(), fm, 500)) {
            Thread.sleep(400);
            traffic.close();
            sent = traffic.sent();
            assertEquals(sent, traffic.acknowledged());
        }
        assertTrue(sent > 0);
        List<ConsumerRecord<String, byte[]>> fmRecords = KafkaTestUtil.readAll(bs, cfg.topics().telemetry());
        assertEquals(sent, fmRecords.size());
        for (ConsumerRecord<String, byte[]> rec : fmRecords) {
            InferenceRequest r = CODEC.decode(rec.value(), 0);
            int n = Integer.parseInt(r.id().substring("demo-".length()));
            assertEquals(test.labels()[n], r.label());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
