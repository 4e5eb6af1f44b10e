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
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * {@link EditRegistryClient} over an {@link EditRegistry} actor. Rejections fail the stage with the registry's
 * {@link SalveException} (its code intact); no answer within the ask timeout fails it with {@code REGISTRY_TIMEOUT}.
 */
public final class RegistryActorClient implements EditRegistryClient {

    private final ActorRef<EditRegistry.Command> registry;
    private final ActorSystem<?> system;
    private final Duration askTimeout;

    public RegistryActorClient(ActorRef<EditRegistry.Command> registry, ActorSystem<?> system, Duration askTimeout) {
        this.registry = registry;
        this.system = system;
        this.askTimeout = askTimeout;
    }

    /** {@code subscriber} gets the current state now and the new state after every persisted change. */
    public void subscribe(ActorRef<EditState> subscriber) {
        registry.tell(new EditRegistry.Subscribe(subscriber));
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
            Function<ActorRef<EditRegistry.ChangeReply>, EditRegistry.Command> command) {
        return mapTimeout(AskPattern.ask(registry, command::apply, askTimeout, system.scheduler())
                .thenApply(reply -> {
                    if (reply instanceof EditRegistry.Rejected rejected) {
                        throw rejected.toException();
                    }
                    return ((EditRegistry.Changed) reply).state();
                }));
    }

    private <T> CompletionStage<T> mapTimeout(CompletionStage<T> stage) {
        return stage.exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                cause = new SalveException("REGISTRY_TIMEOUT", "the edit registry did not answer within "
                        + askTimeout.toMillis() + " ms (salve.edits.ask-timeout); the journal may be slow or down",
                        cause);
            }
            return CompletableFuture.failedStage(cause);
        });
    }
}
