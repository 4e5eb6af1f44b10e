package io.salve.serve;

import io.salve.edits.EditState;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Turns every new edit state into a served head: computes the {@link ServingHead} on {@code executor} (off the
 * inference path and off this actor's thread) and hands it to the pool, which forms every later batch with it.
 *
 * <p>Two steps, so that an edit reaches the replicas as soon as its head exists: the head itself (cheap) is swapped in
 * first; the diagnostics' drift references (which trace every held-out sample) are built afterwards and swapped in
 * as the same version. Until then diagnostics say {@code referencesReady: false}.
 *
 * <p>One head computation at a time, newest state wins: states that arrive while a head is being computed are
 * collapsed into the latest, and a head older than the one already served is never swapped in, so versions only go
 * up even when edits arrive faster than heads are built. Likewise one reference build at a time, for the newest
 * served version only. {@code swapTimes} is told, per swap, the time from this actor learning of the change to the
 * pool acknowledging the new head (from then on every replica gets it with its next batch).
 */
public final class HeadSwapper extends AbstractBehavior<HeadSwapper.Command> {

    public sealed interface Command {
    }

    /** The registry's new state. */
    public record Changed(EditState state) implements Command {
    }

    private record Computed(ServingHead head, long since, Throwable failure) implements Command {
    }

    private record Swapped(long version, long since, Throwable failure) implements Command {
    }

    private record Referenced(ServingHead head, long since, Throwable failure) implements Command {
    }

    /** The pool only queues the swap behind messages already in its mailbox; this bounds a stuck pool. */
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    private final ActorRef<ReplicaPool.Command> pool;
    private final Function<EditState, ServingHead> heads;
    private final UnaryOperator<ServingHead> references;
    private final Executor executor;
    private final Consumer<Duration> swapTimes;
    private EditState pending;
    private long pendingSince;
    private boolean computing;
    private long served;
    private ServingHead unreferenced;
    private boolean referencing;

    /**
     * @param servedVersion the version the pool serves now (states up to it are ignored)
     * @param subscribe     given the ref the registry should tell every new state to
     * @param heads         the head of a state, without drift references
     * @param references    the same head with its references ({@link ServingHead#withReferences}); null when nothing
     *                      reads them (diagnostics off): heads are then served without
     */
    public static Behavior<Command> create(ActorRef<ReplicaPool.Command> pool, long servedVersion,
                                           Consumer<ActorRef<EditState>> subscribe,
                                           Function<EditState, ServingHead> heads,
                                           UnaryOperator<ServingHead> references, Executor executor,
                                           Consumer<Duration> swapTimes) {
        return Behaviors.setup(ctx -> {
            subscribe.accept(ctx.messageAdapter(EditState.class, Changed::new));
            ctx.watch(pool);   // the model was unloaded: nothing left to swap into
            return new HeadSwapper(ctx, pool, servedVersion, heads, references, executor, swapTimes);
        });
    }

    private HeadSwapper(ActorContext<Command> context, ActorRef<ReplicaPool.Command> pool, long served,
                        Function<EditState, ServingHead> heads, UnaryOperator<ServingHead> references,
                        Executor executor, Consumer<Duration> swapTimes) {
        super(context);
        this.pool = pool;
        this.served = served;
        this.heads = heads;
        this.references = references;
        this.executor = executor;
        this.swapTimes = swapTimes;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Changed.class, this::onChanged)
                .onMessage(Computed.class, this::onComputed)
                .onMessage(Swapped.class, this::onSwapped)
                .onMessage(Referenced.class, this::onReferenced)
                .onSignal(Terminated.class, stopped -> Behaviors.stopped())
                .build();
    }

    private Behavior<Command> onChanged(Changed changed) {
        if (changed.state().version() <= served
                || (pending != null && changed.state().version() <= pending.version())) {
            return this;
        }
        if (pending == null) {
            pendingSince = System.nanoTime();
        }
        pending = changed.state();
        computeNext();
        return this;
    }

    private void computeNext() {
        if (computing || pending == null) {
            return;
        }
        EditState state = pending;
        long since = pendingSince;
        pending = null;
        computing = true;
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> heads.apply(state), executor),
                (head, failure) -> new Computed(head, since, failure));
    }

    private Behavior<Command> onComputed(Computed computed) {
        computing = false;
        if (computed.failure() != null) {
            // The registry validated the edits, so this is a bug or a resource failure; keep serving the last head.
            getContext().getLog().error("could not build the edited head; still serving version {}", served,
                    computed.failure());
        } else if (computed.head().version() > served) {
            ServingHead head = computed.head();
            served = head.version();
            getContext().ask(Long.class, pool, ACK_TIMEOUT, ack -> new ReplicaPool.SwapHead(head, ack),
                    (version, failure) -> new Swapped(head.version(), computed.since(), failure));
            unreferenced = references == null || head.referencesReady() ? null : head;
            referenceNext();
        }
        computeNext();
        return this;
    }

    private void referenceNext() {
        if (referencing || unreferenced == null) {
            return;
        }
        ServingHead head = unreferenced;
        unreferenced = null;
        referencing = true;
        long since = System.nanoTime();
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> references.apply(head), executor),
                (full, failure) -> new Referenced(full, since, failure));
    }

    private Behavior<Command> onReferenced(Referenced referenced) {
        referencing = false;
        if (referenced.failure() != null) {
            getContext().getLog().error("could not build the drift references of edit version {}; its diagnostics "
                    + "stay without them", served, referenced.failure());
        } else if (referenced.head().version() == served) {
            // Same version: the pool swaps it in like any head; a newer head swapped meanwhile skips this one.
            pool.tell(new ReplicaPool.SwapHead(referenced.head(), getContext().getSystem().ignoreRef()));
            getContext().getLog().info("drift references of edit version {} ready ({} ms)", served,
                    Duration.ofNanos(System.nanoTime() - referenced.since()).toMillis());
        }
        referenceNext();
        return this;
    }

    private Behavior<Command> onSwapped(Swapped swapped) {
        if (swapped.failure() != null) {
            getContext().getLog().error("the replica pool did not take edit version {}", swapped.version(),
                    swapped.failure());
            return this;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - swapped.since());
        swapTimes.accept(took);
        getContext().getLog().info("serving edit version {} ({} ms after the change)", swapped.version(),
                took.toMillis());
        return this;
    }
}
