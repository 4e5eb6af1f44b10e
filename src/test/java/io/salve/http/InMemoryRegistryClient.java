package io.salve.http;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.edits.ActiveEdit;
import io.salve.edits.EditRegistryClient;
import io.salve.edits.EditProposal;
import io.salve.edits.EditState;
import io.salve.edits.HistoryEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link EditRegistryClient}'s contract without persistence: changes are validated against the head and SAE, a stale expected
 * version is VERSION_CONFLICT, an unknown id UNKNOWN_EDIT, a failed change leaves everything as it was, and every
 * change (reverting nothing included) makes a new version and a history entry.
 */
final class InMemoryRegistryClient implements EditRegistryClient {

    private final Head head;
    private final Sae sae;
    private EditState state = EditState.EMPTY;
    private final List<HistoryEntry> history = new ArrayList<>();
    private int ids;

    InMemoryRegistryClient(Head head, Sae sae) {
        this.head = head;
        this.sae = sae;
    }

    @Override
    public synchronized CompletionStage<EditState> current() {
        return CompletableFuture.completedFuture(state);
    }

    @Override
    public synchronized CompletionStage<List<HistoryEntry>> history() {
        return CompletableFuture.completedFuture(List.copyOf(history));
    }

    @Override
    public synchronized CompletionStage<EditState> apply(EditProposal proposal, OptionalLong expectedVersion) {
        return change(expectedVersion, () -> {
            ActiveEdit added = activate(proposal, state.version() + 1, Instant.now());
            List<ActiveEdit> active = new ArrayList<>(state.active());
            active.add(added);
            return commit(new EditState(added.version(), active, ""), "APPLIED", proposal.author(),
                    proposal.reason(), List.of(added), List.of());
        });
    }

    @Override
    public synchronized CompletionStage<EditState> revert(String editId, String author, String reason,
                                                          OptionalLong expectedVersion) {
        return change(expectedVersion, () -> {
            List<ActiveEdit> active = new ArrayList<>(state.active());
            if (!active.removeIf(a -> a.id().equals(editId))) {
                throw new SalveException("UNKNOWN_EDIT", "no active edit " + editId);
            }
            return commit(new EditState(state.version() + 1, active, state.setName()), "REVERTED", author, reason,
                    List.of(), List.of(editId));
        });
    }

    @Override
    public synchronized CompletionStage<EditState> revertAll(String author, String reason,
                                                             OptionalLong expectedVersion) {
        return change(expectedVersion, () -> commit(new EditState(state.version() + 1, List.of(), ""),
                "REVERTED_ALL", author, reason, List.of(), state.active().stream().map(ActiveEdit::id).toList()));
    }

    @Override
    public synchronized CompletionStage<EditState> set(String name, List<EditProposal> edits, String author,
                                                       String reason, OptionalLong expectedVersion) {
        return change(expectedVersion, () -> {
            long version = state.version() + 1;
            Instant now = Instant.now();
            List<ActiveEdit> active = new ArrayList<>();
            for (EditProposal p : edits) {
                active.add(activate(p, version, now));
            }
            return commit(new EditState(version, active, name), "SET", author, reason, active,
                    state.active().stream().map(ActiveEdit::id).toList());
        });
    }

    private interface Change {
        EditState run();
    }

    private CompletionStage<EditState> change(OptionalLong expectedVersion, Change change) {
        try {
            if (expectedVersion.isPresent() && expectedVersion.getAsLong() != state.version()) {
                throw new SalveException("VERSION_CONFLICT", "expected version " + expectedVersion.getAsLong()
                        + " but the registry is at " + state.version());
            }
            return CompletableFuture.completedFuture(change.run());
        } catch (SalveException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ActiveEdit activate(EditProposal p, long version, Instant at) {
        p.edit().validate(head, sae, OperatorApiTest.MAX_ALPHA);
        return new ActiveEdit("e" + ++ids, p.edit(), p.author(), p.reason(), at, version);
    }

    private EditState commit(EditState next, String kind, String author, String reason, List<ActiveEdit> applied,
                             List<String> reverted) {
        history.add(new HistoryEntry(next.version(), kind, Instant.now(), author, reason, applied, reverted));
        state = next;
        return next;
    }
}
