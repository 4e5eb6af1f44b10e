package io.salve.serve;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Dynamic batching: requests wait here while every replica is busy, and an idle replica takes all that waits at once
 * (as Triton's dynamic batcher and DJL Serving's aggregator do), so a lone request starts at once and a batch grows
 * with the load instead of waiting out a fixed delay.
 *
 * <p>A batch closes when it holds {@code maxBatch} requests, or when a ready replica is idle and the oldest request
 * has waited {@code maxDelay} (0: at once; more trades latency for fuller batches, Triton's max_queue_delay). It is
 * formed under one {@link ServingHead}: a head swap closes the open batch first, so a batch never mixes edit
 * versions. Each replica holds at most {@code maxOutstanding} batches: a full batch may queue in a busy replica's
 * mailbox behind the running one, so under saturation the device never idles between batches; a partial batch goes
 * only to an idle replica, since it can still grow here. Nothing here is unbounded in practice: the edge bounds
 * requests in flight.
 */
public final class ReplicaPool extends AbstractBehavior<ReplicaPool.Command> {

    public sealed interface Command {
    }

    public record Infer(InferenceRequest request, ActorRef<InferenceResult> replyTo) implements Command {
    }

    /**
     * Like {@link Infer}, but the result completes {@code result} (on a dispatcher thread, never the replica's): no
     * temporary actor, no ask timeout per request. The caller bounds the wait itself.
     */
    public record Submit(InferenceRequest request, CompletableFuture<InferenceResult> result) implements Command {
    }

    /** A new head (edit set) for every batch formed from now on. */
    public record SwapHead(ServingHead head, ActorRef<Long> ack) implements Command {
    }

    public record GetStatus(ActorRef<Status> replyTo) implements Command {
    }

    record ReplicaReady(int index) implements Command {
    }

    record BatchDone(int index) implements Command {
    }

    /** A replica gave up (its model failed too often, or failed to load); it takes no more batches. */
    private record ReplicaStopped(int index) implements Command {
    }

    private enum Flush implements Command {
        INSTANCE
    }

    /** A replica as the pool sees it. */
    public record ReplicaStatus(String name, String device, boolean ready, int outstandingBatches) {
    }

    public record Status(List<ReplicaStatus> replicas, long editVersion, int waitingBatches, int buffered) {

        public boolean allReady() {
            return !replicas.isEmpty() && replicas.stream().allMatch(ReplicaStatus::ready);
        }
    }

    /** How to build one replica's model, and where it runs. */
    public record ReplicaSpec(String name, String device, Supplier<BatchModel> models) {
    }

    public record Settings(int maxBatch, Duration maxDelay, int maxOutstanding, int maxAttempts, String dispatcher) {
    }

    private final Settings settings;
    private final TimerScheduler<Command> timers;
    private final List<ReplicaSpec> specs;
    private final List<ActorRef<Replica.Command>> replicas = new ArrayList<>();
    private final boolean[] ready;
    private final int[] outstanding;
    private int alive;
    private final Deque<Replica.RunBatch> waiting = new ArrayDeque<>();
    private List<Pending> buffer = new ArrayList<>();
    private long bufferSince;
    private final IntConsumer batches;
    private ServingHead head;

    public static Behavior<Command> create(List<ReplicaSpec> specs, List<String> classNames, ServingHead head,
                                           Settings settings) {
        return create(specs, classNames, head, settings, size -> { });
    }

    /** @param batches told the size of every batch formed (metrics) */
    public static Behavior<Command> create(List<ReplicaSpec> specs, List<String> classNames, ServingHead head,
                                           Settings settings, IntConsumer batches) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                new ReplicaPool(ctx, timers, specs, classNames, head, settings, batches)));
    }

    private ReplicaPool(ActorContext<Command> context, TimerScheduler<Command> timers, List<ReplicaSpec> specs,
                        List<String> classNames, ServingHead head, Settings settings, IntConsumer batches) {
        super(context);
        this.batches = batches;
        this.timers = timers;
        this.specs = specs;
        this.settings = settings;
        this.head = head;
        this.ready = new boolean[specs.size()];
        this.outstanding = new int[specs.size()];
        this.alive = specs.size();
        for (int i = 0; i < specs.size(); i++) {
            ReplicaSpec spec = specs.get(i);
            ActorRef<Replica.Command> replica = context.spawn(
                    Replica.create(spec.name(), i, spec.models(), classNames, context.getSelf(), settings.maxAttempts()),
                    "replica-" + spec.name(), DispatcherSelector.fromConfig(settings.dispatcher()));
            context.watchWith(replica, new ReplicaStopped(i));
            replicas.add(replica);
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Submit.class, this::onSubmit)
                .onMessage(Infer.class, this::onInfer)
                .onMessageEquals(Flush.INSTANCE, this::onFlush)
                .onMessage(BatchDone.class, this::onBatchDone)
                .onMessage(ReplicaReady.class, this::onReady)
                .onMessage(ReplicaStopped.class, this::onStopped)
                .onMessage(SwapHead.class, this::onSwap)
                .onMessage(GetStatus.class, this::onStatus)
                .build();
    }

    private Behavior<Command> onInfer(Infer infer) {
        return add(Pending.replyingTo(infer.request(), infer.replyTo()));
    }

    private Behavior<Command> onSubmit(Submit submit) {
        return add(new Pending(submit.request(), submit.result()::complete));
    }

    private Behavior<Command> add(Pending pending) {
        if (buffer.isEmpty()) {
            bufferSince = System.nanoTime();
        }
        buffer.add(pending);
        if (buffer.size() >= settings.maxBatch()) {
            closeBatch();
        } else {
            startIfIdle();
        }
        return this;
    }

    /** An idle replica takes what is buffered once the oldest request has waited maxDelay (at once by default). */
    private void startIfIdle() {
        if (buffer.isEmpty() || !waiting.isEmpty() || !anyIdle()) {
            return;
        }
        long left = settings.maxDelay().toNanos() - (System.nanoTime() - bufferSince);
        if (left <= 0) {
            closeBatch();
        } else if (!timers.isTimerActive(Flush.INSTANCE)) {
            timers.startSingleTimer(Flush.INSTANCE, Duration.ofNanos(left));
        }
    }

    private boolean anyIdle() {
        for (int i = 0; i < replicas.size(); i++) {
            if (ready[i] && outstanding[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private Behavior<Command> onFlush() {
        // With every replica busy the buffer keeps growing; the next BatchDone starts it.
        startIfIdle();
        return this;
    }

    private Behavior<Command> onBatchDone(BatchDone done) {
        outstanding[done.index()]--;
        dispatch();
        startIfIdle();
        return this;
    }

    private Behavior<Command> onReady(ReplicaReady r) {
        if (!ready[r.index()]) {
            getContext().getLog().info("replica {} ready on {}", specs.get(r.index()).name(), specs.get(r.index()).device());
        }
        ready[r.index()] = true;
        dispatch();
        startIfIdle();
        return this;
    }

    private Behavior<Command> onStopped(ReplicaStopped stopped) {
        ready[stopped.index()] = false;
        if (--alive == 0) {
            // Nothing could answer what waits here or arrives later: stop, so the service stops and a supervisor
            // restarts it (requests not answered are not committed, and are read again).
            getContext().getLog().error("replica {} stopped, the last one: the pool stops",
                    specs.get(stopped.index()).name());
            return Behaviors.stopped();
        }
        getContext().getLog().error("replica {} stopped; serving with the other {}", specs.get(stopped.index()).name(),
                alive);
        return this;
    }

    private Behavior<Command> onSwap(SwapHead swap) {
        closeBatch();
        head = swap.head();
        swap.ack().tell(head.version());
        return this;
    }

    private Behavior<Command> onStatus(GetStatus get) {
        List<ReplicaStatus> list = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            list.add(new ReplicaStatus(specs.get(i).name(), specs.get(i).device(), ready[i], outstanding[i]));
        }
        get.replyTo().tell(new Status(list, head.version(), waiting.size(), buffer.size()));
        return this;
    }

    private void closeBatch() {
        timers.cancel(Flush.INSTANCE);
        if (buffer.isEmpty()) {
            return;
        }
        batches.accept(buffer.size());
        waiting.add(new Replica.RunBatch(List.copyOf(buffer), head, 0));
        buffer = new ArrayList<>();
        dispatch();
    }

    private void dispatch() {
        while (!waiting.isEmpty()) {
            int best = -1;
            for (int i = 0; i < replicas.size(); i++) {
                if (ready[i] && outstanding[i] < settings.maxOutstanding()
                        && (best < 0 || outstanding[i] < outstanding[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                return;
            }
            outstanding[best]++;
            replicas.get(best).tell(waiting.poll());
        }
    }
}
