package io.salve.serve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One model replica pinned to one device: it owns its {@link BatchModel} (loaded on the replica's own dedicated
 * thread, so a forward pass never blocks other actors) and runs micro-batches sent by the {@link ReplicaPool}.
 *
 * <p>Failures: a failed batch is re-queued in the replica's mailbox: a batch of several requests is split into single
 * requests so one poison request cannot fail its batch-mates; a single request is retried until {@code maxAttempts},
 * then answered with {@code INFERENCE_FAILED}. The model stays loaded: a bad input is no reason to reload it. Only
 * {@code maxAttempts + 2} failed runs in a row, more than one poison request's retries can make, say the model
 * itself is broken: then the replica restarts (the model is closed and loaded again; the mailbox survives). A model
 * that keeps failing to load stops the replica, and the pool stops when it has none left.
 */
public final class Replica extends AbstractBehavior<Replica.Command> {

    public sealed interface Command {
    }

    /** Run one micro-batch with the head it was formed under. */
    public record RunBatch(List<Pending> requests, ServingHead head, int attempt) implements Command {
    }

    private static final int MAX_RESTARTS = 20;

    private final String name;
    private final int index;
    private final List<String> classNames;
    private final ActorRef<ReplicaPool.Command> pool;
    private final int maxAttempts;
    private final BatchModel model;
    private final Executor replies;
    private int failuresInARow;

    public static Behavior<Command> create(String name, int index, Supplier<BatchModel> models, List<String> classNames,
                                           ActorRef<ReplicaPool.Command> pool, int maxAttempts) {
        Behavior<Command> replica = Behaviors.setup(ctx -> {
            BatchModel model = models.get();
            pool.tell(new ReplicaPool.ReplicaReady(index));
            return new Replica(ctx, name, index, model, classNames, pool, maxAttempts);
        });
        // A model that keeps failing to load stops the replica instead of spinning.
        return Behaviors.supervise(replica).onFailure(RuntimeException.class,
                SupervisorStrategy.restart().withLimit(MAX_RESTARTS, Duration.ofMinutes(1)).withLoggingEnabled(false));
    }

    private Replica(ActorContext<Command> context, String name, int index, BatchModel model, List<String> classNames,
                    ActorRef<ReplicaPool.Command> pool, int maxAttempts) {
        super(context);
        this.name = name;
        this.index = index;
        this.model = model;
        this.classNames = classNames;
        this.pool = pool;
        this.maxAttempts = maxAttempts;
        this.replies = context.getSystem().executionContext();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(RunBatch.class, this::run)
                .onSignal(PreRestart.class, signal -> closeModel())
                .onSignal(PostStop.class, signal -> closeModel())
                .build();
    }

    private Behavior<Command> run(RunBatch batch) {
        long start = System.nanoTime();
        List<BatchModel.Output> outputs;
        try {
            List<float[]> pixels = new ArrayList<>(batch.requests().size());
            batch.requests().forEach(p -> pixels.add(p.request().pixels()));
            outputs = model.run(pixels, batch.head());
        } catch (RuntimeException e) {
            getContext().getLog().warn("replica {} failed on a batch of {} (attempt {}): {}", name,
                    batch.requests().size(), batch.attempt() + 1, e.toString());
            requeue(batch, e);
            if (batch.attempt() == 0) {
                pool.tell(new ReplicaPool.BatchDone(index));
            }
            if (++failuresInARow >= maxAttempts + 2) {
                getContext().getLog().error("replica {} failed {} times in a row; loading its model again", name,
                        failuresInARow);
                throw e;
            }
            return this;
        }
        failuresInARow = 0;
        long end = System.nanoTime();
        InferenceResult[] results = new InferenceResult[outputs.size()];
        for (int n = 0; n < outputs.size(); n++) {
            Pending p = batch.requests().get(n);
            BatchModel.Output out = outputs.get(n);
            List<Float> probabilities = new ArrayList<>(out.probabilities().length);
            for (float v : out.probabilities()) {
                probabilities.add(v);
            }
            InferenceRequest r = p.request();
            results[n] = new InferenceResult(r.id(), r.model(), out.prediction(), classNames.get(out.prediction()),
                    probabilities, batch.head().version(), name,
                    new InferenceResult.Timings(ms(start - r.receivedNanos()), ms(end - start), ms(end - r.receivedNanos())),
                    r.label(), null, out.observed());
        }
        if (batch.attempt() == 0) {
            pool.tell(new ReplicaPool.BatchDone(index));
        }
        // One task per batch hands the results over (their callbacks encode and produce): the replica's thread goes
        // straight back to the model.
        List<Pending> requests = batch.requests();
        replies.execute(() -> {
            for (int n = 0; n < results.length; n++) {
                requests.get(n).reply().accept(results[n]);
            }
        });
        return this;
    }

    private void requeue(RunBatch batch, RuntimeException cause) {
        if (batch.requests().size() > 1) {
            for (Pending p : batch.requests()) {
                getContext().getSelf().tell(new RunBatch(List.of(p), batch.head(), batch.attempt() + 1));
            }
        } else if (batch.attempt() + 1 < maxAttempts) {
            getContext().getSelf().tell(new RunBatch(batch.requests(), batch.head(), batch.attempt() + 1));
        } else {
            Pending p = batch.requests().get(0);
            p.reply().accept(InferenceResult.failure(p.request().id(), p.request().model(), "INFERENCE_FAILED",
                    "the model failed on this request " + maxAttempts + " times: " + cause.getMessage()));
        }
    }

    private Behavior<Command> closeModel() {
        model.close();
        return this;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
