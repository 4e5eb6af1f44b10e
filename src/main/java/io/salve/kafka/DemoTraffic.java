package io.salve.kafka;

import io.salve.core.SalveException;
import io.salve.data.FashionMnist;
import io.salve.data.ImageSet;
import io.salve.wire.RequestCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Demo load: labelled images (by default the Fashion-MNIST test set) sent as {@code uint8} tensor requests with ids
 * {@code demo-0, demo-1, ...} to the requests topic at a steady rate, cycling through the images, until
 * {@link #close()} (or a given number of requests).
 */
public final class DemoTraffic implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoTraffic.class);
    private static final long TICK_MILLIS = 10;

    private final KafkaProducer<String, byte[]> producer;
    private final ScheduledExecutorService timer;
    private final String topic;
    private final ImageSet images;
    private final double rate;
    private final long limit;
    private final long startNanos = System.nanoTime();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final CompletableFuture<Long> finished = new CompletableFuture<>();
    private long skipped;   // only touched on the timer thread
    private volatile boolean closed;

    private DemoTraffic(Map<String, ?> client, String topic, ImageSet images, double rate, long limit) {
        this.topic = topic;
        this.images = images;
        this.rate = rate;
        this.limit = limit;
        Map<String, Object> config = new HashMap<>(client);
        config.putAll(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "salve-demo-traffic",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, 5));
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "salve-demo-traffic");
            t.setDaemon(true);
            return t;
        });
    }

    /** Sends the Fashion-MNIST test images found in {@code dataDir} (see {@link FashionMnist#test}). */
    public static DemoTraffic fashionMnist(Map<String, ?> client, String topic, Path dataDir, double ratePerSecond) {
        return start(client, topic, FashionMnist.test(dataDir), ratePerSecond, 0);
    }

    /**
     * Starts sending.
     *
     * @param client        the producer's settings: at least {@code bootstrap.servers} (see
     *                      {@link KafkaConfig#clientConfig})
     * @param ratePerSecond requests per second (positive)
     * @param limit         stop after this many requests; 0 = until {@link #close()}
     */
    public static DemoTraffic start(Map<String, ?> client, String topic, ImageSet images, double ratePerSecond,
                                    long limit) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new SalveException("BAD_CONFIG", "demo traffic rate must be a positive number of requests per "
                    + "second, was " + ratePerSecond);
        }
        if (images.count() == 0) {
            throw new SalveException("DATA_EMPTY", "no images to send as demo traffic");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0");
        }
        DemoTraffic traffic = new DemoTraffic(client, topic, images, ratePerSecond, limit);
        traffic.timer.scheduleAtFixedRate(traffic::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("demo traffic: {} images at {}/s to {}{}", images.count(), ratePerSecond, topic,
                limit > 0 ? " (" + limit + " requests)" : "");
        return traffic;
    }

    /** The JSON request for image {@code index} of {@code images} with the given id. */
    public static byte[] request(String id, ImageSet images, int index) {
        return request(id, null, images, index);
    }

    /** Image {@code index} as a request for {@code model} (null: names none, the default model answers). */
    public static byte[] request(String id, String model, ImageSet images, int index) {
        int[] shape = {images.channels(), images.height(), images.width()};
        return RequestCodec.encodeUint8(id, model, shape, images.pixels(), index * images.imageSize(),
                images.labels()[index]);
    }

    private void tick() {
        try {
            long elapsed = System.nanoTime() - startNanos;
            long due = (long) (elapsed / 1e9 * rate) - skipped;
            long n = sent.get();
            if (due - n > Math.max(1, (long) rate)) {
                // More than a second behind (a stall, a slow broker): drop the backlog rather than burst it.
                skipped += due - n - 1;
                due = n + 1;
            }
            while (n < due && (limit == 0 || n < limit) && !closed) {
                String id = "demo-" + n;
                byte[] value = request(id, images, (int) (n % images.count()));
                producer.send(new ProducerRecord<>(topic, id, value), (metadata, e) -> {
                    if (e == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        if (firstFailure.compareAndSet(null, e)) {
                            LOG.warn("demo traffic: cannot send to {}: {}", topic, e.toString());
                        }
                    }
                });
                n = sent.incrementAndGet();
            }
            if (limit > 0 && n >= limit) {
                producer.flush();
                finished.complete(acknowledged.get());
                timer.shutdown();
            }
        } catch (RuntimeException e) {
            LOG.warn("demo traffic stopped: {}", e.toString());
            finished.completeExceptionally(e);
            timer.shutdown();
        }
    }

    /** Requests handed to the producer. */
    public long sent() {
        return sent.get();
    }

    /** Requests the broker acknowledged. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /** Requests the producer gave up on. */
    public long failed() {
        return failed.get();
    }

    /** Completes with the number acknowledged once {@code limit} requests are sent and flushed (or on close). */
    public CompletionStage<Long> finished() {
        return finished;
    }

    /** Stops sending, flushes what was sent and closes the producer. */
    @Override
    public void close() {
        closed = true;
        timer.shutdown();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
        finished.complete(acknowledged.get());
        LOG.info("demo traffic stopped: {} sent, {} acknowledged, {} failed", sent.get(), acknowledged.get(),
                failed.get());
    }
}
