package io.salve.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.Fixtures;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The registry on the real JDBC journals: the embedded H2 file database and PostgreSQL on 127.0.0.1:5432 (database
 * {@code test}, user {@code postgres}, as in CI). Each test persists in one ActorSystem, terminates it and recovers
 * in a new one on the same database. Rows are removed afterwards, so reruns start clean.
 */
class EditRegistryJournalTest {

    private static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final int SNAPSHOT_EVERY = 3;
    private static final Head HEAD = Fixtures.handHead();
    private static final Sae SAE = Fixtures.handSae();

    @TempDir
    Path dir;

    private final String model = "journal-test-" + UUID.randomUUID();
    private Config config;

    @AfterEach
    void deleteRows() throws SQLException {
        if (config == null) {
            return;
        }
        try (Connection db = connect(config)) {
            for (String table : List.of("event_journal", "snapshot")) {
                try (PreparedStatement delete = db.prepareStatement("DELETE FROM \"" + table
                        + "\" WHERE \"persistence_id\" = ?")) {
                    delete.setString(1, persistenceId());
                    delete.executeUpdate();
                }
            }
        }
    }

    private Config config(String journal, String postgresUrl) {
        Map<String, Object> overrides = new HashMap<>();
        overrides.put("salve.edits.journal", journal);
        overrides.put("salve.edits.h2.dir", dir.toString());
        overrides.put("salve.edits.postgres.url", postgresUrl);
        overrides.put("salve.edits.postgres.user", "postgres");
        overrides.put("salve.edits.snapshot-every", SNAPSHOT_EVERY);
        overrides.put("salve.edits.keep-snapshots", 2);
        // Generous: CI shares two cores with other builds.
        overrides.put("salve.edits.start-timeout", "30s");
        overrides.put("salve.edits.ask-timeout", "15s");
        // load() resolves after merging, so the journal's JDBC URL follows these overrides.
        return ConfigFactory.load(ConfigFactory.parseMap(overrides));
    }

    private <T> T inSystem(String journal, Function<RegistryActorClient, T> body) throws Exception {
        config = config(journal, POSTGRES_URL);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "edits", config);
        try {
            return body.apply(EditJournal.startRegistry(system, model, HEAD, SAE));
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private String persistenceId() {
        return EditRegistry.persistenceId(model).id();
    }

    private static Connection connect(Config config) throws SQLException {
        Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.salve-edits-"
                + config.getString("salve.edits.journal") + ".db");
        return DriverManager.getConnection(db.getString("url"), db.getString("user"), db.getString("password"));
    }

    private long count(String sql) throws SQLException {
        try (Connection db = connect(config); PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, persistenceId());
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String rejection(CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> stage.toCompletableFuture().get(20, TimeUnit.SECONDS));
        return assertInstanceOf(SalveException.class, e.getCause()).code();
    }

    private static EditProposal suppress(int feature, double alpha) {
        return new EditProposal(new Edit(feature, EditMethod.SALVE, Direction.SUPPRESS, alpha, List.of()), "ana",
                "test");
    }

    private record Recovered(EditState state, List<HistoryEntry> history) {
    }

    private static Recovered read(RegistryActorClient log) {
        return new Recovered(get(log.current()), get(log.history()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aNewSystemRecoversStateAndHistory(String journal) throws Exception {
        Recovered written = inSystem(journal, log -> {
            assertEquals(EditState.EMPTY, get(log.current()));
            get(log.apply(suppress(0, 1.5), OptionalLong.of(0)));
            get(log.apply(new EditProposal(new Edit(1, EditMethod.RANK1, Direction.ENHANCE, 600, List.of(1)), "bo",
                    "more sleeves"), OptionalLong.of(1)));
            get(log.set("winter", List.of(suppress(1, 2), suppress(0, 3)), "cy", "season", OptionalLong.empty()));
            get(log.revert("e3", "cy", "too strong", OptionalLong.of(3)));
            // Rejections through the client keep their code and persist nothing.
            assertEquals("BAD_ALPHA", rejection(log.apply(suppress(0, 1001), OptionalLong.empty())));
            assertEquals("VERSION_CONFLICT", rejection(log.revertAll("bo", "", OptionalLong.of(2))));
            assertEquals("UNKNOWN_EDIT", rejection(log.revert("e1", "bo", "", OptionalLong.empty())));
            return read(log);
        });
        assertEquals(4, written.state().version());
        assertEquals(List.of("e4"), written.state().active().stream().map(ActiveEdit::id).toList());
        assertEquals(List.of("APPLIED", "APPLIED", "SET", "REVERTED"),
                written.history().stream().map(HistoryEntry::kind).toList());
        assertEquals(4, count("SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" = ?"));

        Recovered recovered = inSystem(journal, log -> {
            Recovered r = read(log);
            // Ids keep counting after recovery.
            assertEquals("e5", get(log.apply(suppress(1, 1), OptionalLong.of(4))).active().get(1).id());
            return r;
        });
        assertEquals(written, recovered);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void recoveryStartsFromTheLatestSnapshot(String journal) throws Exception {
        int changes = 3 * SNAPSHOT_EVERY + 1;
        Recovered written = inSystem(journal, log -> {
            for (int i = 0; i < changes; i++) {
                get(log.apply(suppress(i % 2, i), OptionalLong.empty()));
            }
            return read(log);
        });
        // Snapshots at 3, 6 and 9; retention keeps the newest two.
        awaitSnapshots(2);
        assertEquals(3 * SNAPSHOT_EVERY, count("SELECT MAX(\"sequence_number\") FROM \"snapshot\" "
                + "WHERE \"persistence_id\" = ?"));
        // Without the events the snapshot covers, only a recovery from the snapshot can rebuild all the history.
        try (Connection db = connect(config); PreparedStatement delete = db.prepareStatement(
                "DELETE FROM \"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" <= ?")) {
            delete.setString(1, persistenceId());
            delete.setLong(2, 3 * SNAPSHOT_EVERY);
            assertEquals(3 * SNAPSHOT_EVERY, delete.executeUpdate());
        }

        Recovered recovered = inSystem(journal, EditRegistryJournalTest::read);
        assertEquals(changes, recovered.history().size());
        assertEquals(written, recovered);
    }

    private void awaitSnapshots(long expected) throws Exception {
        // Old snapshots are deleted asynchronously after a new one is saved.
        String sql = "SELECT COUNT(*) FROM \"snapshot\" WHERE \"persistence_id\" = ?";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count(sql) != expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(expected, count(sql));
    }

    @Test
    void unreachablePostgresIsJournalUnavailable() throws Exception {
        Config unreachable = config("postgres", "jdbc:postgresql://127.0.0.1:1/test");
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "edits", unreachable);
        try {
            SalveException e = assertThrows(SalveException.class, () -> EditJournal.startRegistry(system, model, HEAD, SAE));
            assertEquals("JOURNAL_UNAVAILABLE", e.code());
            assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void unknownJournalKindIsBadConfig() {
        Config edits = config("mysql", POSTGRES_URL).getConfig("salve.edits");
        assertEquals("BAD_CONFIG", assertThrows(SalveException.class,
                () -> EditRegistry.Settings.fromConfig(edits)).code());
    }
}
