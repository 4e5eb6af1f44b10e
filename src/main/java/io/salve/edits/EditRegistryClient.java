package io.salve.edits;

import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;

/**
 * What the edges (HTTP API, service wiring, tests) use to read and change one model's persisted edit registry.
 *
 * <p>Every change is validated first and persisted before the returned stage completes, with the new state. A change
 * fails (the stage completes exceptionally with a {@link io.salve.core.SalveException}) and persists nothing when:
 * the edit is invalid ({@code UNKNOWN_FEATURE}, {@code UNKNOWN_CLASS}, {@code BAD_ALPHA}, {@code SHAPE_MISMATCH}),
 * the edit id is unknown ({@code UNKNOWN_EDIT}), or {@code expectedVersion} is given and is not the current version
 * ({@code VERSION_CONFLICT}). Revert-all on an empty set and reverting nothing are still changes (new version).
 */
public interface EditRegistryClient {

    CompletionStage<EditState> current();

    /** Every change since the model was first served, oldest first. */
    CompletionStage<List<HistoryEntry>> history();

    CompletionStage<EditState> apply(EditProposal proposal, OptionalLong expectedVersion);

    CompletionStage<EditState> revert(String editId, String author, String reason, OptionalLong expectedVersion);

    CompletionStage<EditState> revertAll(String author, String reason, OptionalLong expectedVersion);

    /** Replaces the active edits with {@code edits} (in order) in one step, under a name. */
    CompletionStage<EditState> set(String name, List<EditProposal> edits, String author, String reason,
                                   OptionalLong expectedVersion);
}
