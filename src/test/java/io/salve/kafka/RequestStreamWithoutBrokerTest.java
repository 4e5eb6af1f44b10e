package io.salve.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import io.salve.data.Resize;
import io.salve.model.InputSpec;
import io.salve.serve.InferenceResult;
import io.salve.serve.InferenceService;
import io.salve.wire.RequestCodec;
import io.salve.wire.ResultCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.testkit.ConsumerResultFactory;
import org.apache.pekko.kafka.testkit.ProducerResultFactory;
import org.apache.pekko.kafka.testkit.javadsl.ConsumerControlFactory;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request stream's logic ({@link RequestStream#answers}) between stand-ins for the consumer and the producer
 * (Pekko Connectors Kafka's testkit), without a broker; {@link RequestStreamTest} runs it against a real one.
 */
class RequestStreamWithoutBrokerTest {

    private static final int[] SHAPE = {1, 2, 2};
    private static final RequestCodec CODEC = new RequestCodec(new InputSpec(1, 2, 2, new float[] {0},
            new float[] {1}, Resize.SQUASH), 10, 4096, "m");
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final KafkaConfig CFG = KafkaConfig.from(ConfigFactory.defaultReference().resolve())
            .withTopics(new KafkaConfig.TopicNames("requests", "results", "telemetry", "diagnostics", "dead-letter"))
            .withMaxInFlight(8)
            .withRequestTimeout(TIMEOUT);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ActorSystem<Void> system;

    @BeforeAll
    static void start() {
        system = ActorSystem.create(Behaviors.empty(), "request-stream-without-broker");
    }

    @AfterAll
    static void stop() throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** What the stand-in producer produced (one envelope) and the stand-in committer committed, as it happened. */
    private sealed interface Event permits Produced, Committed { }

    private record Produced(long offset, List<ProducerRecord<String, byte[]>> records) implements Event { }

    private record Committed(long offset) implements Event { }

    /** The run's events and every result the stream reported (as they completed). */
    private record Run(List<Event> events, List<InferenceResult> reported) {
        List<Produced> produced() {
            return events.stream().filter(Produced.class::isInstance).map(Produced.class::cast).toList();
        }
    }

    @Test
    void everyRequestGetsOneEnvelopeInOffsetOrderAndIsCommittedOnlyAfterItIsProduced() throws Exception {
        // The first request is answered only after the last one was.
        CompletableFuture<InferenceResult> first = new CompletableFuture<>();
        InferenceService infer = r -> {
            if (r.id().equals("r-0")) {
                return first;
            }
            if (r.id().equals("r-4")) {
                first.completeAsync(() -> answer("r-0"));
            }
            return CompletableFuture.completedFuture(answer(r.id()));
        };
        Run run = run(IntStream.range(0, 5).mapToObj(i -> good("r-" + i)).toList(), infer, r -> List.of());

        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), run.produced().stream().map(Produced::offset).toList());
        for (Produced p : run.produced()) {
            assertEquals(1, p.records().size());
            ProducerRecord<String, byte[]> result = p.records().get(0);
            assertEquals("results", result.topic());
            assertEquals("r-" + p.offset(), result.key());
            assertEquals(answer(result.key()), ResultCodec.decode(result.value()));
        }
        assertEquals(5, run.reported().size());
        assertCommittedInOrderEachAfterItsEnvelope(run, 5);
    }

    @Test
    void aBadPayloadGetsAnErrorResultAndADeadLetterInOneEnvelope() throws Exception {
        byte[] wrongShape = RequestCodec.encodeUint8("r-shape", new int[] {1, 1, 4}, new byte[4], 0, null);
        Run run = run(List.of("not json".getBytes(StandardCharsets.UTF_8), wrongShape, good("r-ok")),
                r -> CompletableFuture.completedFuture(answer(r.id())), r -> List.of());

        List<Produced> produced = run.produced();
        assertEquals(3, produced.size());
        assertRejected(produced.get(0), "key-0", null, "BAD_JSON");
        assertRejected(produced.get(1), "r-shape", "r-shape", "BAD_SHAPE");
        assertEquals(List.of("results"), produced.get(2).records().stream().map(ProducerRecord::topic).toList());
        assertEquals(Set.of("BAD_JSON", "BAD_SHAPE"), run.reported().stream().filter(InferenceResult::failed)
                .map(r -> r.error().code()).collect(Collectors.toSet()));
        assertCommittedInOrderEachAfterItsEnvelope(run, 3);
    }

    @Test
    void observationRecordsRideInTheEnvelopeOfTheirResult() throws Exception {
        Function<InferenceResult, List<ProducerRecord<String, byte[]>>> observations = r -> List.of(
                new ProducerRecord<>("telemetry", r.id(), new byte[] {1}),
                new ProducerRecord<>("diagnostics", r.id(), new byte[] {2}));
        Run run = run(List.of(good("a"), good("b")), r -> CompletableFuture.completedFuture(answer(r.id())),
                observations);

        List<Produced> produced = run.produced();
        assertEquals(2, produced.size());
        for (Produced p : produced) {
            assertEquals(List.of("results", "telemetry", "diagnostics"),
                    p.records().stream().map(ProducerRecord::topic).toList());
            assertEquals(1, p.records().stream().map(ProducerRecord::key).distinct().count());
        }
        assertCommittedInOrderEachAfterItsEnvelope(run, 2);
    }

    @Test
    void aFailingSilentOrBrokenInferenceBecomesAnErrorResult() throws Exception {
        InferenceService infer = r -> switch (r.id()) {
            case "silent" -> new CompletableFuture<>();
            case "refused" -> CompletableFuture.failedFuture(new SalveException("NO_REPLICA", "no replica is up"));
            case "throws" -> throw new IllegalStateException("replica crashed");
            case "null" -> null;
            default -> CompletableFuture.completedFuture(answer(r.id()));
        };
        Run run = run(List.of(good("silent"), good("refused"), good("throws"), good("null"), good("fine")), infer,
                r -> List.of());

        List<InferenceResult> results = run.produced().stream()
                .map(p -> ResultCodec.decode(p.records().get(0).value())).toList();
        assertEquals(List.of("silent", "refused", "throws", "null", "fine"),
                results.stream().map(InferenceResult::id).toList());
        assertEquals(new InferenceResult.Error("TIMEOUT", "no answer within " + TIMEOUT.toMillis() + " ms"),
                results.get(0).error());
        assertEquals(new InferenceResult.Error("NO_REPLICA", "no replica is up"), results.get(1).error());
        assertEquals(new InferenceResult.Error("INFERENCE_FAILED", "replica crashed"), results.get(2).error());
        assertEquals("INFERENCE_FAILED", results.get(3).error().code());
        assertNull(results.get(4).error());
        assertEquals(Set.copyOf(results), Set.copyOf(run.reported()));
        assertCommittedInOrderEachAfterItsEnvelope(run, 5);
    }

    /** Runs the stream over {@code payloads} (offsets 0, 1, ... of one partition, keys key-0, key-1, ...). */
    private static Run run(List<byte[]> payloads, InferenceService infer,
                           Function<InferenceResult, List<ProducerRecord<String, byte[]>>> observations)
            throws Exception {
        List<ConsumerMessage.CommittableMessage<String, byte[]>> messages = IntStream.range(0, payloads.size())
                .mapToObj(i -> ConsumerResultFactory.committableMessage(
                        new ConsumerRecord<>("requests", 0, i, "key-" + i, payloads.get(i)),
                        ConsumerResultFactory.committableOffset("group", "requests", 0, i, "")))
                .toList();
        Queue<Event> events = new ConcurrentLinkedQueue<>();
        Queue<InferenceResult> reported = new ConcurrentLinkedQueue<>();
        Flow<ProducerMessage.Envelope<String, byte[], ConsumerMessage.Committable>,
                ProducerMessage.Results<String, byte[], ConsumerMessage.Committable>, NotUsed> producer =
                Flow.<ProducerMessage.Envelope<String, byte[], ConsumerMessage.Committable>>create().map(envelope -> {
                    long offset = offset(envelope.passThrough());
                    if (envelope instanceof ProducerMessage.Message<String, byte[], ConsumerMessage.Committable> m) {
                        events.add(new Produced(offset, List.of(m.record())));
                        return ProducerResultFactory.result(m);
                    }
                    var multi = (ProducerMessage.MultiMessage<String, byte[], ConsumerMessage.Committable>) envelope;
                    events.add(new Produced(offset, List.copyOf(CollectionConverters.asJava(multi.records()))));
                    return ProducerResultFactory.multiResult(multi);
                });
        Source.from(messages)
                .viaMat(ConsumerControlFactory.controlFlow(), Keep.right())
                .via(RequestStream.answers(CFG, CODEC, infer, system.executionContext(), reported::add, observations))
                .via(producer)
                .map(ProducerMessage.Results::passThrough)
                .runWith(Sink.foreach(committable -> events.add(new Committed(offset(committable)))), system)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        return new Run(List.copyOf(events), List.copyOf(reported));
    }

    private static void assertCommittedInOrderEachAfterItsEnvelope(Run run, int requests) {
        List<Long> committed = new ArrayList<>();
        List<Long> produced = new ArrayList<>();
        for (Event e : run.events()) {
            if (e instanceof Produced p) {
                produced.add(p.offset());
            } else if (e instanceof Committed c) {
                assertTrue(produced.contains(c.offset()), "offset " + c.offset() + " committed before produced");
                committed.add(c.offset());
            }
        }
        assertEquals(LongStream.range(0, requests).boxed().toList(), committed);
    }

    private static void assertRejected(Produced p, String key, String id, String code) throws Exception {
        assertEquals(List.of("results", "dead-letter"), p.records().stream().map(ProducerRecord::topic).toList());
        assertEquals(List.of(key, key), p.records().stream().map(ProducerRecord::key).toList());
        InferenceResult result = ResultCodec.decode(p.records().get(0).value());
        assertEquals(id, result.id());
        assertEquals(code, result.error().code());
        JsonNode deadLetter = JSON.readTree(p.records().get(1).value());
        assertEquals(code, deadLetter.at("/error/code").asText());
        assertEquals(p.offset(), deadLetter.at("/source/offset").asLong());
    }

    private static long offset(ConsumerMessage.Committable committable) {
        return ((ConsumerMessage.CommittableOffset) committable).partitionOffset().offset();
    }

    private static byte[] good(String id) {
        return RequestCodec.encodeUint8(id, SHAPE, new byte[] {0, 64, (byte) 128, (byte) 255}, 0, null);
    }

    /** Prediction = a hash of the id. */
    private static InferenceResult answer(String id) {
        int prediction = Math.floorMod(id.hashCode(), 10);
        return new InferenceResult(id, "m", prediction, "class-" + prediction, List.of(), 0L, "fake-0", null, null,
                null, null);
    }
}
