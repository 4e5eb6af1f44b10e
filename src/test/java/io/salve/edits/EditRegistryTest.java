package io.salve.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry behaviour on Pekko's in-memory test journal; commands, events and state round-trip through CBOR. */
class EditRegistryTest {

    private static final ActorTestKit TEST_KIT = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config()).withFallback(ConfigFactory.load()));
    private static final AtomicInteger MODELS = new AtomicInteger();
    private static final int SNAPSHOT_EVERY = 3;

    private String model;
    private EventSourcedBehaviorTestKit<EditRegistry.Command, EditRegistry.Event, EditRegistry.State> registry;

    @AfterAll
    static void shutdown() {
        TEST_KIT.shutdownTestKit();
    }

    @BeforeEach
    void newRegistry() {
        model = "model-" + MODELS.incrementAndGet();
        // K = 2 classes, M = 3 dims, 2 SAE features.
        EditRegistry.Settings settings = new EditRegistry.Settings(1000, 64, SNAPSHOT_EVERY, 2, "", "");
        registry = EventSourcedBehaviorTestKit.create(TEST_KIT.system(),
                EditRegistry.create(model, Fixtures.handHead(), Fixtures.handSae(), settings),
                EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(true));
    }

    private static Edit suppress(int feature, double alpha, Integer... rows) {
        return new Edit(feature, EditMethod.SALVE, Direction.SUPPRESS, alpha, List.of(rows));
    }

    private CommandResultWithReply<EditRegistry.Command, EditRegistry.Event, EditRegistry.State,
            EditRegistry.ChangeReply> change(
            Function<ActorRef<EditRegistry.ChangeReply>, EditRegistry.Command> command) {
        return registry.runCommand(command);
    }

    private CommandResultWithReply<EditRegistry.Command, EditRegistry.Event, EditRegistry.State,
            EditRegistry.ChangeReply> apply(Edit edit, OptionalLong expected) {
        return change(r -> new EditRegistry.ApplyEdit(new EditProposal(edit, "ana", "why"), expected, r));
    }

    private EditState applied(Edit edit) {
        return changed(apply(edit, OptionalLong.empty()).reply());
    }

    private static EditState changed(EditRegistry.ChangeReply reply) {
        return assertInstanceOf(EditRegistry.Changed.class, reply).state();
    }

    private static String code(EditRegistry.ChangeReply reply) {
        return assertInstanceOf(EditRegistry.Rejected.class, reply).code();
    }

    @Test
    void applyPersistsOneEventAndBumpsTheVersion() {
        Instant before = Instant.now();
        var result = apply(suppress(1, 2.5, 0), OptionalLong.of(0));

        EditRegistry.EditApplied event = (EditRegistry.EditApplied) result.event();
        ActiveEdit active = event.edit();
        assertEquals("e1", active.id());
        assertEquals(suppress(1, 2.5, 0), active.edit());
        assertEquals("ana", active.author());
        assertEquals("why", active.reason());
        assertEquals(1, active.version());
        assertTrue(!active.appliedAt().isBefore(before), "applied at " + active.appliedAt());
        EditState state = changed(result.reply());
        assertEquals(new EditState(1, List.of(active), ""), state);
        assertEquals(state, result.state().current());
        assertEquals(List.of(new HistoryEntry(1, HistoryEntry.APPLIED, active.appliedAt(), "ana", "why",
                List.of(active), List.of())), result.state().history());

        EditState second = applied(suppress(0, 1, 1));
        assertEquals(2, second.version());
        assertEquals(List.of("e1", "e2"), second.active().stream().map(ActiveEdit::id).toList());
        assertEquals(List.of(suppress(1, 2.5, 0), suppress(0, 1, 1)), second.editSet().edits());
    }

    @Test
    void invalidEditsPersistNothing() {
        applied(suppress(0, 1));
        List<Edit> invalid = List.of(suppress(2, 1), suppress(-1, 1), suppress(0, 1, 2), suppress(0, -0.5),
                suppress(0, Double.NaN), suppress(0, Double.POSITIVE_INFINITY), suppress(0, 1000.5));
        List<String> codes = List.of("UNKNOWN_FEATURE", "UNKNOWN_FEATURE", "UNKNOWN_CLASS", "BAD_ALPHA", "BAD_ALPHA",
                "BAD_ALPHA", "BAD_ALPHA");
        for (int i = 0; i < invalid.size(); i++) {
            var result = apply(invalid.get(i), OptionalLong.empty());
            assertEquals(codes.get(i), code(result.reply()), invalid.get(i).toString());
            assertTrue(result.hasNoEvents(), "persisted " + result.events());
            assertEquals(1, result.state().current().version());
        }
        assertEquals(1, registry.getState().history().size());
        // The bound itself is allowed (salve gate alphas reach ~600 on real models).
        assertEquals(2, applied(suppress(0, 1000)).version());
    }

    @Test
    void staleExpectedVersionIsAConflict() {
        applied(suppress(0, 1));
        var result = apply(suppress(1, 1), OptionalLong.of(0));
        assertEquals("VERSION_CONFLICT", code(result.reply()));
        assertTrue(result.hasNoEvents());

        var revert = change(r -> new EditRegistry.RevertAll("bo", "", OptionalLong.of(7), r));
        assertEquals("VERSION_CONFLICT", code(revert.reply()));
        assertTrue(revert.hasNoEvents());
        assertEquals(1, registry.getState().current().version());
        assertEquals(2, changed(apply(suppress(1, 1), OptionalLong.of(1)).reply()).version());
    }

    @Test
    void revertTakesOneEditOutAndUnknownIdsAreRejected() {
        applied(suppress(0, 1));
        applied(suppress(1, 2));
        var result = change(
                r -> new EditRegistry.RevertEdit("e1", "bo", "too strong", OptionalLong.of(2), r));
        EditRegistry.EditReverted event = (EditRegistry.EditReverted) result.event();
        assertEquals("e1", event.editId());
        assertEquals(3, event.version());
        EditState state = changed(result.reply());
        assertEquals(3, state.version());
        assertEquals(List.of("e2"), state.active().stream().map(ActiveEdit::id).toList());
        HistoryEntry entry = result.state().history().get(2);
        assertEquals(HistoryEntry.REVERTED, entry.kind());
        assertEquals(List.of("e1"), entry.reverted());
        assertEquals("bo", entry.author());
        assertEquals("too strong", entry.reason());

        for (String id : List.of("e1", "e9", "")) {
            var unknown = change(
                    r -> new EditRegistry.RevertEdit(id, "bo", "", OptionalLong.empty(), r));
            assertEquals("UNKNOWN_EDIT", code(unknown.reply()), id);
            assertTrue(unknown.hasNoEvents());
        }
        // Ids are never reused after a revert.
        assertEquals("e3", applied(suppress(0, 3)).active().get(1).id());
    }

    @Test
    void revertAllClearsEverythingInOneEventEvenWhenEmpty() {
        applied(suppress(0, 1));
        applied(suppress(1, 2));
        var result = change(r -> new EditRegistry.RevertAll("bo", "reset", OptionalLong.empty(), r));
        assertEquals(1, result.events().size());
        assertEquals(List.of("e1", "e2"), ((EditRegistry.AllReverted) result.event()).editIds());
        assertEquals(new EditState(3, List.of(), ""), changed(result.reply()));

        var again = change(r -> new EditRegistry.RevertAll("bo", "", OptionalLong.empty(), r));
        assertEquals(new EditState(4, List.of(), ""), changed(again.reply()));
        assertEquals(List.of(HistoryEntry.APPLIED, HistoryEntry.APPLIED, HistoryEntry.REVERTED_ALL,
                HistoryEntry.REVERTED_ALL), again.state().history().stream().map(HistoryEntry::kind).toList());
    }

    @Test
    void setReplacesTheActiveEditsInOneEvent() {
        applied(suppress(0, 1));
        List<EditProposal> winter = List.of(new EditProposal(suppress(1, 4, 1), "cy", "coats"),
                new EditProposal(new Edit(0, EditMethod.RANK1, Direction.ENHANCE, 0.5, List.of()), "cy", "sleeves"));
        var result = change(
                r -> new EditRegistry.SetEdits("winter", winter, "cy", "season", OptionalLong.of(1), r));

        assertEquals(1, result.events().size());
        EditState state = changed(result.reply());
        assertEquals(2, state.version());
        assertEquals("winter", state.setName());
        assertEquals(List.of("e2", "e3"), state.active().stream().map(ActiveEdit::id).toList());
        assertEquals(winter.stream().map(EditProposal::edit).toList(), state.editSet().edits());
        assertEquals(List.of("coats", "sleeves"), state.active().stream().map(ActiveEdit::reason).toList());
        HistoryEntry entry = result.state().history().get(1);
        assertEquals(HistoryEntry.SET, entry.kind());
        assertEquals("winter", entry.setName());
        assertEquals(List.of("e1"), entry.reverted());
        assertEquals(state.active(), entry.applied());

        // One bad edit rejects the whole set; its position is named.
        List<EditProposal> bad = List.of(new EditProposal(suppress(0, 1), "cy", ""),
                new EditProposal(suppress(0, 1, 5), "cy", ""));
        var rejected = change(
                r -> new EditRegistry.SetEdits("summer", bad, "cy", "", OptionalLong.empty(), r));
        assertEquals("UNKNOWN_CLASS", code(rejected.reply()));
        assertTrue(((EditRegistry.Rejected) rejected.reply()).message().startsWith("edit 1 of set 'summer'"),
                ((EditRegistry.Rejected) rejected.reply()).message());
        assertTrue(rejected.hasNoEvents());
        assertEquals(state, registry.getState().current());

        // A later single change leaves the named set behind.
        assertEquals("", applied(suppress(0, 1)).setName());
    }

    @Test
    void subscribersGetTheCurrentStateThenEveryPersistedChange() {
        applied(suppress(0, 1));
        TestProbe<EditState> subscriber = TEST_KIT.createTestProbe();
        registry.runCommand(new EditRegistry.Subscribe(subscriber.ref()));
        assertEquals(1, subscriber.receiveMessage().version());

        EditState second = applied(suppress(1, 1));
        assertEquals(second, subscriber.receiveMessage());
        apply(suppress(9, 1), OptionalLong.empty());
        apply(suppress(1, 1), OptionalLong.of(0));
        subscriber.expectNoMessage(Duration.ofMillis(200));

        var reverted = change(r -> new EditRegistry.RevertAll("", "", OptionalLong.empty(), r));
        assertEquals(changed(reverted.reply()), subscriber.receiveMessage());

        registry.runCommand(new EditRegistry.Unsubscribe(subscriber.ref()));
        applied(suppress(0, 2));
        subscriber.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void aFailedJournalWriteIsAnsweredAfterTheRestartAndTheSubscribersAreKept() {
        // Spawned for real (the behaviour test kit stops at the first failure); its own model, so its own journal.
        String spawned = model + "-spawned";
        ActorRef<EditRegistry.Command> ref = TEST_KIT.spawn(EditRegistry.create(spawned, Fixtures.handHead(),
                Fixtures.handSae(), new EditRegistry.Settings(1000, 64, SNAPSHOT_EVERY, 2, "", "")));
        TestProbe<EditState> subscriber = TEST_KIT.createTestProbe();
        ref.tell(new EditRegistry.Subscribe(subscriber.ref()));
        assertEquals(0, subscriber.receiveMessage().version());

        PersistenceTestKit.create(TEST_KIT.system()).failNextPersisted(EditRegistry.persistenceId(spawned).id());
        TestProbe<EditRegistry.ChangeReply> replies = TEST_KIT.createTestProbe();
        ref.tell(new EditRegistry.ApplyEdit(new EditProposal(suppress(0, 1), "ana", ""), OptionalLong.empty(),
                replies.ref()));
        // Answered once the registry has recovered and found nothing written; subscribers hear the recovered state.
        assertEquals("JOURNAL_UNAVAILABLE", code(replies.receiveMessage(Duration.ofSeconds(10))));
        assertEquals(0, subscriber.receiveMessage().version());

        ref.tell(new EditRegistry.ApplyEdit(new EditProposal(suppress(1, 2), "ana", ""), OptionalLong.of(0),
                replies.ref()));
        EditState state = changed(replies.receiveMessage(Duration.ofSeconds(10)));
        assertEquals(1, state.version());
        assertEquals(List.of(suppress(1, 2)), state.editSet().edits());
        assertEquals(state, subscriber.receiveMessage());
    }

    @Test
    void restartRecoversStateAndHistory() {
        applied(suppress(0, 1));
        applied(suppress(1, 2, 0));
        change(r -> new EditRegistry.RevertEdit("e1", "bo", "", OptionalLong.empty(), r));
        EditRegistry.State before = registry.getState();

        assertEquals(before, registry.restart().state());
        // The edit counter is recovered too: no id is handed out twice.
        assertEquals("e3", applied(suppress(0, 1)).active().get(1).id());
    }

    @Test
    void theClientReportsASilentRegistryAsRegistryTimeout() {
        TestProbe<EditRegistry.Command> silent = TEST_KIT.createTestProbe();
        RegistryActorClient client = new RegistryActorClient(silent.ref(), TEST_KIT.system(), Duration.ofMillis(100));
        var failure = assertThrows(ExecutionException.class, () -> client.revertAll("bo", "", OptionalLong.empty())
                .toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertEquals("REGISTRY_TIMEOUT", assertInstanceOf(SalveException.class, failure.getCause()).code());
        assertInstanceOf(EditRegistry.RevertAll.class,
                silent.expectMessageClass(EditRegistry.Expiring.class).change());
    }

    @Test
    void aChangeArrivingAfterItsCallersDeadlinePersistsNothing() {
        applied(suppress(0, 1));
        var late = change(r -> new EditRegistry.Expiring(new EditRegistry.ApplyEdit(new EditProposal(suppress(1, 2),
                "ana", ""), OptionalLong.empty(), r), System.currentTimeMillis() - 1));
        assertEquals("REGISTRY_TIMEOUT", code(late.reply()));
        assertTrue(late.hasNoEvents());
        var inTime = change(r -> new EditRegistry.Expiring(new EditRegistry.ApplyEdit(new EditProposal(
                suppress(1, 2), "ana", ""), OptionalLong.empty(), r), System.currentTimeMillis() + 60_000));
        assertEquals(2, changed(inTime.reply()).version());
    }

    @Test
    void aTimeoutWithTheJournalUnreachableIsJournalUnavailableAndLaterChangesFailFastUntilItIsBack() {
        TestProbe<EditRegistry.Command> silent = TEST_KIT.createTestProbe();
        AtomicInteger probes = new AtomicInteger();
        AtomicBoolean up = new AtomicBoolean(false);
        RegistryActorClient client = new RegistryActorClient(silent.ref(), TEST_KIT.system(), Duration.ofMillis(100),
                () -> {
                    probes.incrementAndGet();
                    return up.get();
                }, "the test journal");
        assertEquals("JOURNAL_UNAVAILABLE", failureCode(client.revertAll("bo", "", OptionalLong.empty())));
        silent.expectMessageClass(EditRegistry.Expiring.class);
        assertEquals(1, probes.get());

        // Refused without reaching the registry while the journal stays away.
        assertEquals("JOURNAL_UNAVAILABLE", failureCode(client.revertAll("bo", "", OptionalLong.empty())));
        silent.expectNoMessage(Duration.ofMillis(200));
        assertEquals(2, probes.get());

        up.set(true);
        var answered = client.revertAll("bo", "", OptionalLong.empty());
        silent.expectMessageClass(EditRegistry.Expiring.class).change().replyTo()
                .tell(new EditRegistry.Changed(new EditState(7, List.of(), "")));
        assertEquals(7, answered.toCompletableFuture().join().version());
        assertEquals(3, probes.get());
        // Reachable again: the next change goes straight to the registry, unprobed.
        client.revertAll("bo", "", OptionalLong.empty());
        silent.expectMessageClass(EditRegistry.Expiring.class);
        assertEquals(3, probes.get());
    }

    private static String failureCode(CompletionStage<EditState> stage) {
        var failure = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10,
                TimeUnit.SECONDS));
        return assertInstanceOf(SalveException.class, failure.getCause()).code();
    }

    @Test
    void snapshotsAreTakenEveryNChanges() {
        String persistenceId = "salve-edits|" + model;
        for (int i = 1; i < SNAPSHOT_EVERY; i++) {
            applied(suppress(0, i));
        }
        var snapshots = registry.snapshotTestKit().orElseThrow();
        snapshots.expectNothingPersisted(persistenceId, Duration.ofMillis(100));
        applied(suppress(0, SNAPSHOT_EVERY));
        EditRegistry.State snapshot = snapshots.expectNextPersisted(persistenceId, registry.getState());
        assertEquals(SNAPSHOT_EVERY, snapshot.current().version());
    }
}
