package io.salve.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SaeKind;
import io.salve.core.SalveException;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.edits.EditJournal;
import io.salve.edits.EditProposal;
import io.salve.edits.EditState;
import io.salve.edits.HistoryEntry;
import io.salve.edits.RegistryActorClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * The edit registry on PostgreSQL (127.0.0.1:5432, database {@code test}, as in CI) behind a {@link TcpProxy} that is
 * cut and restored: changes during the outage answer JOURNAL_UNAVAILABLE and persist nothing, and a change retried
 * with If-Match after the journal is back applies exactly once.
 */
class JournalOutageTest {

    private static final String DATABASE = "jdbc:postgresql://127.0.0.1:5432/test";

    @Test
    void changesDuringAnOutageAreRefusedAsJournalUnavailableAndNothingIsHalfApplied() throws Exception {
        String model = "outage-" + UUID.randomUUID();
        try (TcpProxy proxy = TcpProxy.to("127.0.0.1", 5432)) {
            ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "outage", ConfigFactory.load(
                    ConfigFactory.parseMap(Map.of("salve.edits.journal", "postgres",
                            "salve.edits.postgres.url", "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test",
                            "salve.edits.postgres.user", "postgres",
                            "salve.edits.ask-timeout", "3s"))));
            try {
                RegistryActorClient edits = EditJournal.startRegistry(system, model, head(), sae());
                assertEquals(1, get(edits.apply(proposal(0), OptionalLong.of(0))).version());

                proxy.cut();
                assertEquals("JOURNAL_UNAVAILABLE", failure(edits.apply(proposal(1), OptionalLong.of(1))));
                assertEquals("JOURNAL_UNAVAILABLE", failure(edits.revertAll("ops", "", OptionalLong.empty())));
                proxy.restore();
                long back = System.nanoTime();

                // What a client does after an unclear outcome: retry with If-Match on the version it last saw. Had a
                // refused change been persisted after all, this would be a VERSION_CONFLICT.
                EditState after = null;
                while (after == null) {
                    try {
                        after = get(edits.apply(proposal(1), OptionalLong.of(1)));
                    } catch (ExecutionException e) {
                        String code = assertInstanceOf(SalveException.class, e.getCause()).code();
                        assertTrue(List.of("JOURNAL_UNAVAILABLE", "REGISTRY_TIMEOUT").contains(code), code);
                        assertTrue(System.nanoTime() - back < TimeUnit.SECONDS.toNanos(30),
                                "changes still refused 30 s after the journal came back: " + code);
                        Thread.sleep(200);
                    }
                }
                assertEquals(2, after.version());
                assertEquals(List.of(edit(0), edit(1)), after.editSet().edits());
                assertEquals(List.of(1L, 2L), get(edits.history()).stream().map(HistoryEntry::version).toList());
            } finally {
                system.terminate();
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
                try (Connection db = DriverManager.getConnection(DATABASE, "postgres", "");
                     PreparedStatement delete = db.prepareStatement(
                             "DELETE FROM event_journal WHERE persistence_id = ?")) {
                    delete.setString(1, "salve-edits|" + model);
                    delete.executeUpdate();
                }
            }
        }
    }

    /** K = 2 classes, M = 3 dimensions, 2 SAE features. */
    private static Head head() {
        return new Head(new float[][] {{1f, 2f, -1f}, {0.5f, -1f, 3f}}, new float[] {0.1f, -0.2f});
    }

    private static Sae sae() {
        return new Sae(SaeKind.LINEAR, new float[][] {{1f, 0f, 2f}, {0f, 1f, 0f}}, new float[] {0.5f, 0f},
                new float[][] {{0.6f, 0f}, {0f, 1f}, {0.8f, 0f}}, new float[3], 2f, 0);
    }

    private static Edit edit(int feature) {
        return new Edit(feature, EditMethod.RANK1, Direction.SUPPRESS, 1.0, List.of());
    }

    private static EditProposal proposal(int feature) {
        return new EditProposal(edit(feature), "ops", "outage test");
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static String failure(CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(stage));
        return assertInstanceOf(SalveException.class, e.getCause()).code();
    }
}
