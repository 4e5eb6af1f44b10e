package io.salve.edits;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.typesafe.config.Config;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.core.edit.Edit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One served model's persisted edit registry: an event-sourced actor (persistence id {@code salve-edits|<model>})
 * whose state is the active edit set, its version and the full history. Changes are validated against the served
 * head and SAE before anything is persisted; subscribers get the new state after every persisted change.
 *
 * <p>The service starts it with {@link EditJournal#startRegistry}; tests and other wiring may spawn {@link #create}
 * themselves.
 */
public final class EditRegistry
        extends EventSourcedBehaviorWithEnforcedReplies<EditRegistry.Command, EditRegistry.Event, EditRegistry.State> {

    /** Commands, events and state serialize with Jackson CBOR (bound to this marker in reference.conf). */
    public interface CborSerializable {
    }

    // ---------------------------------------------------------------------------------------------- commands

    public sealed interface Command extends CborSerializable
            permits Change, Expiring, GetCurrent, GetHistory, Subscribe, Unsubscribe, Stop {
    }

    /** The advice given with a change whose outcome the registry or its client cannot know (the journal went away). */
    public static final String UNCLEAR = "its outcome is unclear: read GET /v1/edits and retry with If-Match: "
            + "\"<version>\" (a change that did persist then answers 409 VERSION_CONFLICT instead of applying twice)";

    /** A change; fails with VERSION_CONFLICT when {@code expectedVersion} is given and is not the current version. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
    @JsonSubTypes({@JsonSubTypes.Type(ApplyEdit.class), @JsonSubTypes.Type(RevertEdit.class),
            @JsonSubTypes.Type(RevertAll.class), @JsonSubTypes.Type(SetEdits.class)})
    public sealed interface Change extends Command permits ApplyEdit, RevertEdit, RevertAll, SetEdits {

        OptionalLong expectedVersion();

        ActorRef<ChangeReply> replyTo();
    }

    public record ApplyEdit(EditProposal proposal, OptionalLong expectedVersion,
                            ActorRef<ChangeReply> replyTo) implements Change {

        public ApplyEdit {
            Objects.requireNonNull(proposal, "proposal");
            expectedVersion = orNone(expectedVersion);
        }
    }

    public record RevertEdit(String editId, String author, String reason, OptionalLong expectedVersion,
                             ActorRef<ChangeReply> replyTo) implements Change {

        public RevertEdit {
            Objects.requireNonNull(editId, "editId");
            expectedVersion = orNone(expectedVersion);
        }
    }

    public record RevertAll(String author, String reason, OptionalLong expectedVersion,
                            ActorRef<ChangeReply> replyTo) implements Change {

        public RevertAll {
            expectedVersion = orNone(expectedVersion);
        }
    }

    /** Replaces the active edits with {@code edits}, in order, in one event. */
    public record SetEdits(String name, List<EditProposal> edits, String author, String reason,
                           OptionalLong expectedVersion, ActorRef<ChangeReply> replyTo) implements Change {

        public SetEdits {
            edits = List.copyOf(edits);
            expectedVersion = orNone(expectedVersion);
        }
    }

    /**
     * A change its caller waits for only until {@code deadline} (epoch milliseconds). Changes queue while the journal
     * writes or the registry recovers; one that reaches the head of the queue after its caller gave up (and told its
     * client so) is dropped with REGISTRY_TIMEOUT rather than persisted behind the client's back.
     */
    public record Expiring(Change change, long deadline) implements Command {

        public Expiring {
            Objects.requireNonNull(change, "change");
        }
    }

    /** The answer to a change: the new state, or why nothing was persisted. */
    public sealed interface ChangeReply extends CborSerializable permits Changed, Rejected {
    }

    public record Changed(EditState state) implements ChangeReply {
    }

    /** Nothing was persisted; {@code code} is the {@link SalveException} code (VERSION_CONFLICT, BAD_ALPHA, ...). */
    public record Rejected(String code, String message) implements ChangeReply {

        public SalveException toException() {
            return new SalveException(code, message);
        }
    }

    public record GetCurrent(ActorRef<EditState> replyTo) implements Command {
    }

    public record GetHistory(ActorRef<History> replyTo) implements Command {
    }

    /** The answer to {@link GetHistory}: every change, oldest first. */
    public record History(List<HistoryEntry> entries) implements CborSerializable {

        public History {
            entries = List.copyOf(entries);
        }
    }

    /** The subscriber gets the current state now and the new state after every persisted change, until it stops. */
    public record Subscribe(ActorRef<EditState> subscriber) implements Command {
    }

    public record Unsubscribe(ActorRef<EditState> subscriber) implements Command {
    }

    /**
     * Stops the registry after the changes queued before it (its model is unloaded, or handed to a new version of the
     * bundle, whose registry recovers the same journal); replies when nothing more will be written.
     */
    public record Stop(ActorRef<Done> replyTo) implements Command {
    }

    // ------------------------------------------------------------------------------------------------ events

    /** A persisted change; each becomes one {@link HistoryEntry}. */
    public sealed interface Event extends CborSerializable
            permits EditApplied, EditReverted, AllReverted, EditSetReplaced {

        long version();

        HistoryEntry toHistoryEntry();
    }

    public record EditApplied(ActiveEdit edit) implements Event {

        @Override
        public long version() {
            return edit.version();
        }

        @Override
        public HistoryEntry toHistoryEntry() {
            return new HistoryEntry(edit.version(), HistoryEntry.APPLIED, edit.appliedAt(), edit.author(),
                    edit.reason(), List.of(edit), List.of());
        }
    }

    public record EditReverted(String editId, String author, String reason, Instant at, long version)
            implements Event {

        @Override
        public HistoryEntry toHistoryEntry() {
            return new HistoryEntry(version, HistoryEntry.REVERTED, at, author, reason, List.of(), List.of(editId));
        }
    }

    public record AllReverted(List<String> editIds, String author, String reason, Instant at, long version)
            implements Event {

        @Override
        public HistoryEntry toHistoryEntry() {
            return new HistoryEntry(version, HistoryEntry.REVERTED_ALL, at, author, reason, List.of(), editIds);
        }
    }

    /** The active edits became {@code edits}; {@code replaced} are the ids that were active before. */
    public record EditSetReplaced(String name, List<ActiveEdit> edits, List<String> replaced, String author,
                                  String reason, Instant at, long version) implements Event {

        @Override
        public HistoryEntry toHistoryEntry() {
            return new HistoryEntry(version, HistoryEntry.SET, at, author, reason, edits, replaced, name);
        }
    }

    // ------------------------------------------------------------------------------------------------- state

    /**
     * @param editsIssued edits ever put in force; the next edit's id is {@code "e" + (editsIssued + 1)}, so ids are
     *                    never reused, even after a revert
     */
    public record State(EditState current, List<HistoryEntry> history, long editsIssued) implements CborSerializable {

        public static final State EMPTY = new State(EditState.EMPTY, List.of(), 0);

        public State {
            history = List.copyOf(history);
        }

        State after(Event event) {
            List<HistoryEntry> more = new ArrayList<>(history);
            more.add(event.toHistoryEntry());
            // Java 17: no pattern matching for switch yet.
            if (event instanceof EditApplied e) {
                List<ActiveEdit> active = new ArrayList<>(current.active());
                active.add(e.edit());
                return new State(new EditState(e.version(), active, ""), more, editsIssued + 1);
            } else if (event instanceof EditReverted e) {
                return new State(new EditState(e.version(),
                        current.active().stream().filter(a -> !a.id().equals(e.editId())).toList(), ""),
                        more, editsIssued);
            } else if (event instanceof AllReverted e) {
                return new State(new EditState(e.version(), List.of(), ""), more, editsIssued);
            } else {
                EditSetReplaced e = (EditSetReplaced) event;
                return new State(new EditState(e.version(), e.edits(), e.name()), more,
                        editsIssued + e.edits().size());
            }
        }
    }

    // -------------------------------------------------------------------------------------------- settings

    /**
     * @param journalPluginId  "" = pekko.persistence.journal.plugin (the test kit's in-memory journal in tests)
     * @param snapshotPluginId "" = pekko.persistence.snapshot-store.plugin
     */
    public record Settings(double maxAlpha, int maxActive, int snapshotEvery, int keepSnapshots,
                           String journalPluginId, String snapshotPluginId) {

        public Settings {
            if (maxActive <= 0) {
                throw new SalveException("BAD_CONFIG", "salve.edits.max-active must be positive, was " + maxActive);
            }
            if (snapshotEvery <= 0 || keepSnapshots <= 0) {
                throw new SalveException("BAD_CONFIG", "salve.edits.snapshot-every and keep-snapshots must be "
                        + "positive, were " + snapshotEvery + " and " + keepSnapshots);
            }
        }

        /** From the {@code salve.edits} block, with the JDBC plugins of the journal it names. */
        public static Settings fromConfig(Config edits) {
            String plugins = "salve.edits.plugins." + EditJournal.kind(edits);
            return new Settings(edits.getDouble("max-alpha"), edits.getInt("max-active"),
                    edits.getInt("snapshot-every"),
                    edits.getInt("keep-snapshots"), plugins + ".journal", plugins + ".snapshot");
        }
    }

    // ------------------------------------------------------------------------------------------- behaviour

    private final ActorContext<Command> context;
    private final String model;
    private final Head head;
    private final Sae sae;
    private final Settings settings;
    // Not persisted: actor refs do not outlive the system. Kept across journal-failure restarts (same instance).
    private final Set<ActorRef<EditState>> subscribers = new HashSet<>();
    // The change being written, if any (the journal takes one at a time; later ones are stashed). A failed write
    // restarts the registry without answering it: the recovery that follows does, from what the journal holds.
    private Pending pending;

    private record Pending(long version, ActorRef<ChangeReply> replyTo) {
    }

    private EditRegistry(ActorContext<Command> context, String model, Head head, Sae sae, Settings settings) {
        // A failed journal write restarts the registry (recovering from the journal) instead of stopping it. The
        // backoff is capped at 2 s so that changes work again within seconds of the journal's return.
        super(persistenceId(model), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200),
                Duration.ofSeconds(2), 0.2));
        this.context = context;
        this.model = model;
        this.head = head;
        this.sae = sae;
        this.settings = settings;
    }

    static PersistenceId persistenceId(String model) {
        return PersistenceId.of("salve-edits", model);
    }

    /** The registry of {@code model}, whose edits are validated against {@code head} and {@code sae}. */
    public static Behavior<Command> create(String model, Head head, Sae sae, Settings settings) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(sae, "sae");
        return Behaviors.setup(context -> new EditRegistry(context, model, head, sae, settings));
    }

    @Override
    public State emptyState() {
        return State.EMPTY;
    }

    @Override
    public String journalPluginId() {
        return settings.journalPluginId();
    }

    @Override
    public String snapshotPluginId() {
        return settings.snapshotPluginId();
    }

    @Override
    public RetentionCriteria retentionCriteria() {
        // Events are kept (they are the history); only old snapshots are deleted.
        return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.keepSnapshots());
    }

    @Override
    public CommandHandlerWithReply<Command, Event, State> commandHandler() {
        return newCommandHandlerWithReplyBuilder().forAnyState()
                .onCommand(Change.class, this::onChange)
                .onCommand(Expiring.class, this::onExpiring)
                .onCommand(GetCurrent.class, (state, c) -> Effect().reply(c.replyTo(), state.current()))
                .onCommand(GetHistory.class, (state, c) -> Effect().reply(c.replyTo(), new History(state.history())))
                .onCommand(Subscribe.class, this::onSubscribe)
                .onCommand(Unsubscribe.class, (state, c) -> {
                    subscribers.remove(c.subscriber());
                    return Effect().noReply();
                })
                .onCommand(Stop.class, (state, c) -> Effect().stop().thenReply(c.replyTo(), s -> Done.getInstance()))
                .build();
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(State::after);
    }

    @Override
    public SignalHandler<State> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.class, (state, signal) -> recovered(state))
                .onSignal(RecoveryFailed.class, (state, signal) -> answerPending(new Rejected("JOURNAL_UNAVAILABLE",
                        "the journal failed while the change was written and could not be read back: " + UNCLEAR)))
                .build();
    }

    /**
     * After a restart: the change whose write failed is answered from what the journal holds (the write can have
     * landed although its acknowledgement was lost), and subscribers get the recovered state.
     */
    private void recovered(State state) {
        if (pending == null) {
            return;
        }
        boolean persisted = state.current().version() >= pending.version();
        answerPending(persisted ? new Changed(state.current()) : new Rejected("JOURNAL_UNAVAILABLE",
                "the journal failed while the change was written; nothing was persisted (edit version "
                        + state.current().version() + "); retry when the journal is back"));
        subscribers.forEach(s -> s.tell(state.current()));
    }

    private void answerPending(ChangeReply reply) {
        if (pending != null) {
            context.getLog().warn("edit registry {}: the change to version {} answered after a journal failure: {}",
                    model, pending.version(), reply);
            pending.replyTo().tell(reply);
            pending = null;
        }
    }

    private ReplyEffect<Event, State> onExpiring(State state, Expiring c) {
        if (System.currentTimeMillis() > c.deadline()) {
            return Effect().reply(c.change().replyTo(), new Rejected("REGISTRY_TIMEOUT", "the change reached the "
                    + "registry after its caller stopped waiting; nothing was persisted"));
        }
        return onChange(state, c.change());
    }

    private ReplyEffect<Event, State> onSubscribe(State state, Subscribe c) {
        if (subscribers.add(c.subscriber())) {
            context.watchWith(c.subscriber(), new Unsubscribe(c.subscriber()));
        }
        return Effect().reply(c.subscriber(), state.current());
    }

    private ReplyEffect<Event, State> onChange(State state, Change change) {
        Event event;
        try {
            event = toEvent(state, change);
        } catch (SalveException e) {
            return Effect().reply(change.replyTo(), new Rejected(e.code(), e.getMessage()));
        }
        pending = new Pending(event.version(), change.replyTo());
        return Effect().persist(event)
                .thenRun(after -> {
                    pending = null;
                    announce(after, event);
                })
                .thenReply(change.replyTo(), after -> new Changed(after.current()));
    }

    /** The event a change persists, or a SalveException saying why it persists nothing. */
    private Event toEvent(State state, Change change) {
        long version = state.current().version();
        if (change.expectedVersion().isPresent() && change.expectedVersion().getAsLong() != version) {
            throw new SalveException("VERSION_CONFLICT", "model " + model + " is at edit version " + version
                    + ", not the expected " + change.expectedVersion().getAsLong() + "; read the current state and "
                    + "retry");
        }
        long next = version + 1;
        Instant now = Instant.now();
        if (change instanceof ApplyEdit c) {
            checkActive(state.current().active().size() + 1);
            return new EditApplied(activate(c.proposal(), "e" + (state.editsIssued() + 1), now, next));
        } else if (change instanceof RevertEdit c) {
            if (state.current().active().stream().noneMatch(a -> a.id().equals(c.editId()))) {
                throw new SalveException("UNKNOWN_EDIT", "no active edit '" + c.editId() + "' on model " + model
                        + " (active: " + activeIds(state) + ")");
            }
            return new EditReverted(c.editId(), orEmpty(c.author()), orEmpty(c.reason()), now, next);
        } else if (change instanceof RevertAll c) {
            return new AllReverted(activeIds(state), orEmpty(c.author()), orEmpty(c.reason()), now, next);
        }
        SetEdits c = (SetEdits) change;
        checkActive(c.edits().size());
        List<ActiveEdit> edits = new ArrayList<>();
        for (int i = 0; i < c.edits().size(); i++) {
            try {
                edits.add(activate(c.edits().get(i), "e" + (state.editsIssued() + i + 1), now, next));
            } catch (SalveException e) {
                throw new SalveException(e.code(), "edit " + i + " of set '" + orEmpty(c.name()) + "': "
                        + e.getMessage(), e);
            }
        }
        return new EditSetReplaced(orEmpty(c.name()), edits, activeIds(state), orEmpty(c.author()),
                orEmpty(c.reason()), now, next);
    }

    /** Every active edit costs each request a little and each head build more: their number is bounded. */
    private void checkActive(int active) {
        if (active > settings.maxActive()) {
            throw new SalveException("TOO_MANY_EDITS", "model " + model + " would have " + active + " active edits; "
                    + "at most " + settings.maxActive() + " (salve.edits.max-active): revert some, or PUT a smaller "
                    + "set");
        }
    }

    private ActiveEdit activate(EditProposal proposal, String id, Instant now, long version) {
        Edit edit = proposal.edit();
        edit.validate(head, sae, settings.maxAlpha());
        return new ActiveEdit(id, edit, proposal.author(), proposal.reason(), now, version);
    }

    private void announce(State after, Event event) {
        HistoryEntry entry = event.toHistoryEntry();
        context.getLog().info("edit registry {}: version {} {} by '{}' ({})", model, entry.version(), entry.kind(),
                entry.author(), entry.reason());
        subscribers.forEach(s -> s.tell(after.current()));
    }

    private static List<String> activeIds(State state) {
        return state.current().active().stream().map(ActiveEdit::id).toList();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    // Checked where commands are built: a null reaching the handler would stop the registry.
    private static OptionalLong orNone(OptionalLong expectedVersion) {
        return expectedVersion == null ? OptionalLong.empty() : expectedVersion;
    }
}
