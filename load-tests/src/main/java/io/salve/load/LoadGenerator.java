package io.salve.load;

import io.salve.data.ImageSet;
import io.salve.kafka.DemoTraffic;
import io.salve.serve.InferenceResult;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.LongPredicate;
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

/**
 * Sends Fashion-MNIST requests to the requests topic and reads the results topic, one measurement at a time. The
 * consumer is assigned every partition at the topic's end when the generator starts (no consumer group: it must
 * not take results from anyone, nor wait for a rebalance), and each measurement uses ids of its own
 * ({@code lt-<run>-<step>-<n>}), so answers to anything else on the topic are ignored.
 */
final class LoadGenerator implements AutoCloseable {

    private final ImageSet images;
    private final String requestsTopic;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread receiver;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final PrintStream progress;
    private volatile boolean closed;
    private volatile Bookkeeping current;
    private volatile Semaphore permits;
    private volatile BiConsumer<String, byte[]> others = (key, value) -> { };
    private volatile Propagation propagation;
    private volatile List<String> models = List.of();
    private int step;

    LoadGenerator(String bootstrap, String requestsTopic, String resultsTopic, ImageSet images, PrintStream progress) {
        this.images = images;
        this.requestsTopic = requestsTopic;
        this.progress = progress;
        // As the service's own producers: acknowledged by the broker, idempotent, small linger.
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG, "salve-load-test",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 1),
                new StringSerializer(), new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.CLIENT_ID_CONFIG, "salve-load-test",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.assign(consumer.partitionsFor(resultsTopic).stream()
                .map(p -> new TopicPartition(resultsTopic, p.partition())).toList());
        consumer.seekToEnd(consumer.assignment());
        consumer.assignment().forEach(consumer::position);   // resolves the end now, before anything is sent
        this.receiver = new Thread(this::receive, "salve-load-test-results");
        receiver.setDaemon(true);
        receiver.start();
    }

    /**
     * Offers {@code load} for {@code duration}, then waits up to {@code drain} for the answers; what is unanswered
     * then is lost. {@code label} prefixes the progress lines (one every 5 s).
     */
    Measurement measure(Load load, Duration duration, Duration drain, String label) {
        return measure(load, duration, drain, label, n -> false);
    }

    /**
     * As {@link #measure(Load, Duration, Duration, String)}, sending request {@code n} as a blank image (all pixels
     * 0) where {@code blank} holds: the poison requests of the replica fault.
     */
    Measurement measure(Load load, Duration duration, Duration drain, String label, LongPredicate blank) {
        Bookkeeping book = new Bookkeeping("lt-" + run + "-" + (step++) + "-", System.nanoTime());
        Semaphore gate = load.open() ? null : new Semaphore(load.concurrency());
        permits = gate;
        current = book;
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "salve-load-test-ticker");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> {
            TimelinePoint p = book.tick(System.nanoTime());
            if (Math.round(p.t()) % 5 == 0) {
                progress.printf("[%s %3.0f/%d s] sent %d, answered %d, %.0f req/s, p99 %.1f ms, outstanding %d%n",
                        label, p.t(), duration.toSeconds(), book.sentCount(), book.answeredCount(),
                        p.answeredPerSecond(), p.p99Ms(), book.outstanding());
            }
        }, 1, 1, TimeUnit.SECONDS);
        try {
            send(book, load, gate, duration, blank);
            long drainEnd = System.nanoTime() + drain.toNanos();
            while (book.outstanding() > 0 && System.nanoTime() < drainEnd) {
                LockSupport.parkNanos(20_000_000);
            }
        } finally {
            ticker.shutdownNow();
        }
        current = null;
        permits = null;
        return book.finish(System.nanoTime());
    }

    /**
     * Request {@code n} of the next measurements names model {@code names[n mod size]} (null: names none, so the
     * default model answers); empty: no request names a model.
     */
    void models(List<String> names) {
        this.models = names;
    }

    /** Receives the result records that are not of a measurement (e.g. answers to a fuzzer's records). */
    void onOtherResults(BiConsumer<String, byte[]> receiver) {
        this.others = receiver;
    }

    /** Tells {@code watch} every successful result of the measurements from now on (null: none). */
    void watchPropagation(Propagation watch) {
        this.propagation = watch;
    }

    /** The bookkeeping of the measurement in progress (null between measurements): a fault injector marks it. */
    Bookkeeping current() {
        return current;
    }

    private void send(Bookkeeping book, Load load, Semaphore gate, Duration duration, LongPredicate blank) {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (long n = 0; ; n++) {
            long due;
            if (load.open()) {
                // Latency counts from when a request was due, not when it went out, so a stalled sender (or a
                // producer blocked on a full buffer) shows up in the latency instead of hiding it (coordinated
                // omission).
                due = start + (long) (n * 1e9 / load.rate());
                if (due >= end) {
                    break;
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            } else {
                if (System.nanoTime() >= end) {
                    break;
                }
                try {
                    if (!gate.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                        n--;
                        continue;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                due = System.nanoTime();
            }
            String id = book.prefix() + n;
            book.sent(id, due);
            byte[] request = blank.test(n) ? RequestCodec.encodeUint8(id, new int[] {images.channels(),
                    images.height(), images.width()}, new byte[images.imageSize()], 0, null)
                    : DemoTraffic.request(id, model(n), images, (int) (n % images.count()));
            producer.send(new ProducerRecord<>(requestsTopic, id, request), (metadata, e) -> {
                        if (e != null && book.sendFailed(id) && gate != null) {
                            gate.release();
                        }
                    });
        }
        producer.flush();
    }

    private String model(long n) {
        List<String> names = models;
        return names.isEmpty() ? null : names.get((int) (n % names.size()));
    }

    private void receive() {
        while (!closed) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                Bookkeeping book = current;
                if (book == null || !book.ours(r.key())) {
                    others.accept(r.key(), r.value());
                    continue;
                }
                long now = System.nanoTime();
                String code;
                Long version;
                InferenceResult.Timings timings;
                try {
                    InferenceResult result = ResultCodec.decode(r.value());
                    code = result.failed() ? result.error().code() : null;
                    version = result.editVersion();
                    timings = result.timings();
                    Propagation watch = propagation;
                    if (watch != null && !result.failed() && result.replica() != null && version != null) {
                        watch.result(result.replica(), result.editVersion(), now);
                    }
                } catch (RuntimeException e) {
                    code = Bookkeeping.UNREADABLE_RESULT;
                    version = null;
                    timings = null;
                }
                Semaphore gate = permits;
                Bookkeeping.Timing timing = new Bookkeeping.Timing(r.timestamp(),
                        timings != null ? timings.totalMs() : null, timings != null ? timings.modelMs() : null,
                        System.currentTimeMillis());
                if (book.answered(r.key(), now, code, version, timing) && gate != null) {
                    gate.release();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            receiver.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
        producer.close(Duration.ofSeconds(10));
    }
}
