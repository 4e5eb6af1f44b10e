package io.salve.edits;

import io.salve.core.SalveException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * {@link EditRegistryClient} over an {@link EditRegistry} actor. Rejections fail the stage with the registry's
 * {@link SalveException} (its code intact). No answer within the ask timeout fails it with {@code JOURNAL_UNAVAILABLE}
 * when the journal does not answer a probe either, else with {@code REGISTRY_TIMEOUT}; either way the change, still
 * queued in the registry, is dropped there rather than persisted later ({@link EditRegistry.Expiring}). While the
 * last probe failed, a change is refused with {@code JOURNAL_UNAVAILABLE} at once, before anything is queued, until a
 * probe succeeds again.
 */
public final class RegistryActorClient implements EditRegistryClient {

    /** Whether the journal answers now; blocking, bounded by a few seconds. */
    @FunctionalInterface
    public interface JournalProbe {

        /** A journal that is never probed (an in-process one): timeouts stay REGISTRY_TIMEOUT. */
        JournalProbe IN_PROCESS = () -> true;

        boolean reachable();
    }

    private final ActorRef<EditRegistry.Command> registry;
    private final ActorSystem<?> system;
    private final Duration askTimeout;
    private final JournalProbe probe;
    private final String journal;
    private volatile boolean suspect;

    public RegistryActorClient(ActorRef<EditRegistry.Command> registry, ActorSystem<?> system, Duration askTimeout) {
        this(registry, system, askTimeout, JournalProbe.IN_PROCESS, "the journal");
    }

    /** @param journal where the journal is, for messages */
    public RegistryActorClient(ActorRef<EditRegistry.Command> registry, ActorSystem<?> system, Duration askTimeout,
                               JournalProbe probe, String journal) {
        this.registry = registry;
        this.system = system;
        this.askTimeout = askTimeout;
        this.probe = probe;
        this.journal = journal;
    }

    /** {@code subscriber} gets the current state now and the new state after every persisted change. */
    public void subscribe(ActorRef<EditState> subscriber) {
        registry.tell(new EditRegistry.Subscribe(subscriber));
    }

    /** Stops the registry actor (see {@link EditRegistry.Stop}); completes when it writes nothing more. */
    public CompletionStage<Done> stop() {
        return AskPattern.ask(registry, EditRegistry.Stop::new, askTimeout, system.scheduler());
    }

    @Override
    public CompletionStage<EditState> current() {
        return mapTimeout(AskPattern.ask(registry, EditRegistry.GetCurrent::new, askTimeout, system.scheduler()));
    }

    @Override
    public CompletionStage<List<HistoryEntry>> history() {
        return mapTimeout(AskPattern.ask(registry, EditRegistry.GetHistory::new, askTimeout, system.scheduler())
                .thenApply(EditRegistry.History::entries));
    }

    @Override
    public CompletionStage<EditState> apply(EditProposal proposal, OptionalLong expectedVersion) {
        return change(replyTo -> new EditRegistry.ApplyEdit(proposal, expectedVersion, replyTo));
    }

    @Override
    public CompletionStage<EditState> revert(String editId, String author, String reason,
                                             OptionalLong expectedVersion) {
        return change(replyTo -> new EditRegistry.RevertEdit(editId, author, reason, expectedVersion, replyTo));
    }

    @Override
    public CompletionStage<EditState> revertAll(String author, String reason, OptionalLong expectedVersion) {
        return change(replyTo -> new EditRegistry.RevertAll(author, reason, expectedVersion, replyTo));
    }

    @Override
    public CompletionStage<EditState> set(String name, List<EditProposal> edits, String author, String reason,
                                          OptionalLong expectedVersion) {
        return change(replyTo -> new EditRegistry.SetEdits(name, edits, author, reason, expectedVersion, replyTo));
    }

    private CompletionStage<EditState> change(
            Function<ActorRef<EditRegistry.ChangeReply>, EditRegistry.Change> command) {
        CompletionStage<Boolean> ready = suspect ? probe() : CompletableFuture.completedFuture(true);
        return ready.thenCompose(reachable -> {
            if (!reachable) {
                return CompletableFuture.failedStage(new SalveException("JOURNAL_UNAVAILABLE", journal + " does not "
                        + "answer; nothing was changed (serving goes on with the edits in force). Retry when it is "
                        + "back"));
            }
            long deadline = System.currentTimeMillis() + askTimeout.toMillis();
            CompletionStage<EditState> asked = AskPattern.<EditRegistry.Command, EditRegistry.ChangeReply>ask(
                    registry, replyTo -> new EditRegistry.Expiring(command.apply(replyTo), deadline), askTimeout,
                    system.scheduler()).thenApply(reply -> {
                        if (reply instanceof EditRegistry.Rejected rejected) {
                            throw rejected.toException();
                        }
                        return ((EditRegistry.Changed) reply).state();
                    });
            return asked.exceptionallyCompose(e -> !timeout(e) ? CompletableFuture.failedStage(unwrap(e))
                    : probe().thenCompose(back -> CompletableFuture.failedStage(back ? registryTimeout(e)
                            : new SalveException("JOURNAL_UNAVAILABLE", journal + " did not answer while the change "
                            + "was written: " + EditRegistry.UNCLEAR, e))));
        });
    }

    /** Runs the probe off Pekko's dispatcher and remembers the answer. */
    private CompletionStage<Boolean> probe() {
        return CompletableFuture.supplyAsync(() -> {
            suspect = !probe.reachable();
            return !suspect;
        }, system.dispatchers().lookup(DispatcherSelector.blocking()));
    }

    private static boolean timeout(Throwable e) {
        return unwrap(e) instanceof TimeoutException;
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private SalveException registryTimeout(Throwable cause) {
        return new SalveException("REGISTRY_TIMEOUT", "the edit registry did not answer within "
                + askTimeout.toMillis() + " ms (salve.edits.ask-timeout); the journal may be slow or down", cause);
    }

    private <T> CompletionStage<T> mapTimeout(CompletionStage<T> stage) {
        return stage.exceptionallyCompose(e -> CompletableFuture.failedStage(timeout(e) ? registryTimeout(e)
                : unwrap(e)));
    }
}
