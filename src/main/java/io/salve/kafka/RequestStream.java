package io.salve.kafka;

import io.salve.core.SalveException;
import io.salve.serve.InferenceRequest;
import io.salve.serve.InferenceResult;
import io.salve.serve.InferenceService;
import io.salve.wire.RequestCodec;
import io.salve.wire.RequestDecoder;
import io.salve.wire.ResultCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.kafka.CommitterSettings;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ConsumerSettings;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Committer;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.kafka.javadsl.Producer;
import org.apache.pekko.stream.javadsl.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka edge of the service: an at-least-once stream from the requests topic to the results topic.
 *
 * <pre>
 * requests topic ─ committableSource ─ answers (decode, infer; max-in-flight) ─ Producer.flexiFlow ─ Committer.sink
 *                                      bad payload: error result + dead letter (one envelope, same offset)
 * </pre>
 *
 * <ul>
 *   <li>Every request record gets exactly one result record per pass, keyed by the request id (a payload whose id
 *       cannot be read is keyed by the request record's key). A bad payload additionally gets a dead-letter record.
 *       Inference failures become error results: {@code TIMEOUT} after {@link KafkaConfig#requestTimeout()},
 *       the code of a {@link SalveException}, else {@code INFERENCE_FAILED}.</li>
 *   <li>At most {@link KafkaConfig#maxInFlight()} requests are being decoded and inferred at once; when they are,
 *       the stream stops pulling and the consumer stops fetching (its partitions are paused).</li>
 *   <li>The producer is idempotent ({@code enable.idempotence=true}, {@code acks=all}); an offset is committed only
 *       after the broker acknowledged the result (and dead letter) of its record and of every record before it in
 *       its partition. After a crash or restart uncommitted requests are answered again: consumers of the results
 *       topic must tolerate duplicates (same id).</li>
 *   <li>Stop gracefully with {@code control.drainAndShutdown(executor)}: stops fetching, finishes the requests in
 *       flight, produces their results and commits. A failure to produce (after the producer's own retries) fails
 *       {@code control.streamCompletion()}; the caller restarts the stream, and uncommitted requests are redelivered.
 *       </li>
 * </ul>
 */
public final class RequestStream {

    private static final Logger LOG = LoggerFactory.getLogger(RequestStream.class);

    private RequestStream() { }

    /**
     * Starts the stream on {@code system}.
     *
     * @param bootstrap the cluster (the development broker's or {@link KafkaConfig#bootstrapServers()})
     * @param codec     decodes request payloads for the served models
     * @param infer     answers one decoded request; may complete on any thread; its result's id should be the
     *                  request's
     * @param results   told every result the stream produces, errors included (metrics)
     * @return the control: {@code drainAndShutdown} to stop, {@code streamCompletion} to watch for failure
     */
    public static Consumer.DrainingControl<Done> start(ActorSystem<?> system, KafkaConfig cfg, String bootstrap,
                                                       RequestDecoder codec,
                                                       InferenceService infer,
                                                       java.util.function.Consumer<InferenceResult> results) {
        return start(system, cfg, bootstrap, codec, infer, results, result -> List.of());
    }

    /**
     * As above, with {@code observations}: the telemetry and diagnostics records of a successful result, produced with
     * it under the same offset ({@link ObservationRecords}).
     */
    public static Consumer.DrainingControl<Done> start(ActorSystem<?> system, KafkaConfig cfg, String bootstrap,
                                                       RequestDecoder codec,
                                                       InferenceService infer,
                                                       java.util.function.Consumer<InferenceResult> results,
                                                       Function<InferenceResult, List<ProducerRecord<String, byte[]>>>
                                                               observations) {
        ConsumerSettings<String, byte[]> consumerSettings =
                ConsumerSettings.create(system, new StringDeserializer(), new ByteArrayDeserializer())
                        .withProperties(cfg.client())
                        .withBootstrapServers(bootstrap)
                        .withGroupId(cfg.groupId())
                        .withClientId("salve-requests")
                        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                        .withProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
                        .withProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                                Integer.toString(Math.max(1, Math.min(500, cfg.maxInFlight()))))
                        // drainAndShutdown keeps the consumer until the stream is done; no extra stop wait
                        .withStopTimeout(Duration.ZERO);
        ProducerSettings<String, byte[]> producerSettings =
                ProducerSettings.create(system, new StringSerializer(), new ByteArraySerializer())
                        .withProperties(cfg.client())
                        .withBootstrapServers(bootstrap)
                        .withProperty(ProducerConfig.CLIENT_ID_CONFIG, "salve-results")
                        .withProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
                        .withProperty(ProducerConfig.ACKS_CONFIG, "all");
        // linger.ms (and any other client tuning) comes from pekko.kafka.producer.kafka-clients (reference.conf):
        // results and telemetry are keyed by request id, so they spread over every partition.
        CommitterSettings committerSettings = CommitterSettings.create(system)
                .withMaxInterval(cfg.commitInterval());

        LOG.info("consuming {} (group {}) at {}, results to {}, max {} in flight", cfg.topics().requests(),
                cfg.groupId(), bootstrap, cfg.topics().results(), cfg.maxInFlight());
        return Consumer.committableSource(consumerSettings, Subscriptions.topics(cfg.topics().requests()))
                .via(answers(cfg, codec, infer, system.executionContext(), results, observations))
                .via(Producer.flexiFlow(producerSettings))
                .map(produced -> produced.passThrough())
                .toMat(Committer.sink(committerSettings), Consumer::createDrainingControl)
                .run(system);
    }

    /**
     * The stream's logic between the consumer and the producer, without Kafka: each request record in, in order,
     * exactly one envelope out carrying the records to produce for it and its offset to commit once they are
     * produced. At most {@link KafkaConfig#maxInFlight()} records are decoded and inferred at once; decoding runs on
     * {@code executor}. Parameters as for {@link #start}.
     */
    public static Flow<ConsumerMessage.CommittableMessage<String, byte[]>,
            ProducerMessage.Envelope<String, byte[], ConsumerMessage.Committable>, NotUsed> answers(
            KafkaConfig cfg, RequestDecoder codec, InferenceService infer, Executor executor,
            java.util.function.Consumer<InferenceResult> results,
            Function<InferenceResult, List<ProducerRecord<String, byte[]>>> observations) {
        Handler handler = new Handler(cfg, codec, infer, executor, results, observations);
        return Flow.<ConsumerMessage.CommittableMessage<String, byte[]>>create()
                .mapAsync(cfg.maxInFlight(), handler::handle);
    }

    /** Turns one request record into the records to produce for it, with its offset to commit afterwards. */
    private static final class Handler {
        private final KafkaConfig cfg;
        private final RequestDecoder codec;
        private final InferenceService infer;
        private final Executor executor;
        private final java.util.function.Consumer<InferenceResult> results;
        private final Function<InferenceResult, List<ProducerRecord<String, byte[]>>> observations;

        Handler(KafkaConfig cfg, RequestDecoder codec,
                InferenceService infer, Executor executor,
                java.util.function.Consumer<InferenceResult> results,
                Function<InferenceResult, List<ProducerRecord<String, byte[]>>> observations) {
            this.cfg = cfg;
            this.codec = codec;
            this.infer = infer;
            this.executor = executor;
            this.results = results;
            this.observations = observations;
        }

        CompletionStage<ProducerMessage.Envelope<String, byte[], ConsumerMessage.Committable>> handle(
                ConsumerMessage.CommittableMessage<String, byte[]> msg) {
            long received = System.nanoTime();
            ConsumerMessage.CommittableOffset offset = msg.committableOffset();
            ConsumerRecord<String, byte[]> record = msg.record();
            // Decoding (JSON, base64, image) is CPU work: off the stream's actor, in parallel up to max-in-flight.
            return CompletableFuture.supplyAsync(() -> decode(record, received), executor)
                    .thenCompose(decoded -> {
                        if (decoded.error != null) {
                            return CompletableFuture.completedFuture(rejected(record, decoded.error, offset));
                        }
                        return inferSafely(decoded.request).thenApply(result -> answered(decoded.request, result,
                                offset));
                    });
        }

        private Decoded decode(ConsumerRecord<String, byte[]> record, long received) {
            try {
                return new Decoded(codec.decode(record.value(), received), null);
            } catch (RequestCodec.BadRequest e) {
                return new Decoded(null, e);
            } catch (RuntimeException e) {
                LOG.error("unexpected failure decoding {}-{}@{}", record.topic(), record.partition(),
                        record.offset(), e);
                return new Decoded(null, new RequestCodec.BadRequest("INTERNAL_ERROR",
                        "cannot decode the request: " + e, null));
            }
        }

        private CompletableFuture<InferenceResult> inferSafely(InferenceRequest request) {
            CompletableFuture<InferenceResult> pending;
            try {
                CompletionStage<InferenceResult> stage = infer.infer(request);
                pending = stage == null
                        ? CompletableFuture.failedFuture(new IllegalStateException("infer returned null"))
                        : stage.toCompletableFuture().copy();   // copy: the timeout must not complete theirs
            } catch (RuntimeException e) {
                pending = CompletableFuture.failedFuture(e);
            }
            return pending.orTimeout(cfg.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .handle((result, failure) -> {
                        if (failure == null && result != null) {
                            return result;
                        }
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
                        if (cause instanceof TimeoutException) {
                            return InferenceResult.failure(request.id(), request.model(), "TIMEOUT", "no answer within "
                                    + cfg.requestTimeout().toMillis() + " ms");
                        }
                        if (cause instanceof SalveException se) {
                            return InferenceResult.failure(request.id(), request.model(), se.code(), se.getMessage());
                        }
                        LOG.warn("inference failed for {}", request.id(), cause);
                        return InferenceResult.failure(request.id(), request.model(), "INFERENCE_FAILED",
                                cause == null ? "no result" : String.valueOf(cause.getMessage()));
                    });
        }

        private ProducerMessage.Envelope<String, byte[], ConsumerMessage.Committable> answered(
                InferenceRequest request, InferenceResult result, ConsumerMessage.Committable offset) {
            results.accept(result);
            ProducerRecord<String, byte[]> answer = new ProducerRecord<>(cfg.topics().results(), request.id(),
                    ResultCodec.encode(result));
            List<ProducerRecord<String, byte[]>> observed = observations.apply(result);
            if (observed.isEmpty()) {
                return ProducerMessage.single(answer, offset);
            }
            // Telemetry and diagnostics ride with the result under the same offset: at-least-once for all.
            List<ProducerRecord<String, byte[]>> all = new ArrayList<>(1 + observed.size());
            all.add(answer);
            all.addAll(observed);
            return ProducerMessage.multi(all, offset);
        }

        private ProducerMessage.Envelope<String, byte[], ConsumerMessage.Committable> rejected(
                ConsumerRecord<String, byte[]> record, RequestCodec.BadRequest error,
                ConsumerMessage.Committable offset) {
            String key = error.id() != null ? error.id() : record.key();
            InferenceResult failure = InferenceResult.failure(error.id(), null, error.code(), error.getMessage());
            results.accept(failure);
            byte[] result = ResultCodec.encode(failure);
            byte[] deadLetter = ResultCodec.deadLetter(record.value(), error.id(), error.code(), error.getMessage(),
                    record.topic(), record.partition(), record.offset());
            return ProducerMessage.multi(List.of(
                    new ProducerRecord<>(cfg.topics().results(), key, result),
                    new ProducerRecord<>(cfg.topics().deadLetter(), key, deadLetter)), offset);
        }
    }

    private record Decoded(InferenceRequest request, RequestCodec.BadRequest error) {
    }
}
