package io.salve.edits;

import com.typesafe.config.Config;
import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.SalveException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Where the edit registries persist: the journal that {@code salve.edits.journal} names (an H2 file database or
 * PostgreSQL), brought up before a registry recovers from it: the H2 directory and the journal's tables created if
 * missing (with the plugin's own DDL, not its test kit), and every failure to reach it reported as JOURNAL_UNAVAILABLE
 * with the journal it tried.
 */
public final class EditJournal {

    /** Registries started so far: a reloaded model's new registry may start before the old one's name is free. */
    private static final AtomicInteger STARTED = new AtomicInteger();


    private static final int PROBE_SECONDS = 2;

    private EditJournal() {
    }

    /**
     * Starts the registry of {@code model} on the journal that {@code salve.edits} of the system's configuration
     * names, creating the journal's tables if missing, and waits (up to {@code salve.edits.start-timeout}) until it
     * has recovered. Blocks: call it while wiring the service, not from inside an actor.
     *
     * @throws SalveException JOURNAL_UNAVAILABLE when the journal cannot be reached or recovered, BAD_CONFIG for an
     *                        unknown journal kind or a bad H2 directory
     */
    public static RegistryActorClient startRegistry(ActorSystem<?> system, String model, Head head, Sae sae) {
        Config edits = system.settings().config().getConfig("salve.edits");
        EditRegistry.Settings settings = EditRegistry.Settings.fromConfig(edits);
        Duration startTimeout = edits.getDuration("start-timeout");
        String where = describe(edits);
        if (kind(edits).equals("h2")) {
            createH2Dir(edits.getString("h2.dir"));
        }
        createTables(system.settings().config(), settings.journalPluginId(), kind(edits), where);
        ActorRef<EditRegistry.Command> ref = system.systemActorOf(EditRegistry.create(model, head, sae, settings),
                "edit-registry-" + URLEncoder.encode(model, StandardCharsets.UTF_8) + "-" + STARTED.incrementAndGet(),
                Props.empty());
        // The first recovery also warms up serialization and the connection pool: it gets the start timeout.
        EditState recovered = await(AskPattern.ask(ref, EditRegistry.GetCurrent::new, startTimeout,
                system.scheduler()).toCompletableFuture(), startTimeout, where, "recover the edits of model " + model);
        system.log().info("edit registry {} started on {}: version {}, {} active edit(s)", model, where,
                recovered.version(), recovered.active().size());
        return new RegistryActorClient(ref, system, edits.getDuration("ask-timeout"),
                kind(edits).equals("h2") ? RegistryActorClient.JournalProbe.IN_PROCESS
                        : () -> reachable(database(system.settings().config(), settings.journalPluginId())), where);
    }

    /** Whether a fresh connection to the database opens and answers within {@link #PROBE_SECONDS}. */
    static boolean reachable(Config db) {
        Properties p = new Properties();
        p.setProperty("user", db.getString("user"));
        p.setProperty("password", db.getString("password"));
        // PostgreSQL's driver: bound the TCP connect and the login, or a black-holed host blocks for minutes.
        p.setProperty("connectTimeout", Integer.toString(PROBE_SECONDS));
        p.setProperty("loginTimeout", Integer.toString(PROBE_SECONDS));
        p.setProperty("socketTimeout", Integer.toString(PROBE_SECONDS));
        try (Connection c = DriverManager.getConnection(db.getString("url"), p)) {
            return c.isValid(PROBE_SECONDS);
        } catch (SQLException e) {
            return false;
        }
    }

    private static Config database(Config root, String journalPluginId) {
        return root.getConfig("pekko-persistence-jdbc.shared-databases."
                + root.getString(journalPluginId + ".use-shared-db") + ".db");
    }

    /** {@code salve.edits.journal}: "h2" or "postgres". */
    static String kind(Config edits) {
        String journal = edits.getString("journal");
        if (!journal.equals("h2") && !journal.equals("postgres")) {
            throw new SalveException("BAD_CONFIG", "salve.edits.journal (SALVE_JOURNAL) must be \"h2\" or "
                    + "\"postgres\", was \"" + journal + "\"");
        }
        return journal;
    }

    private static String describe(Config edits) {
        return kind(edits).equals("h2") ? "the H2 journal in " + edits.getString("h2.dir")
                : "the PostgreSQL journal at " + edits.getString("postgres.url") + " (user "
                + edits.getString("postgres.user") + ")";
    }

    private static void createH2Dir(String dir) {
        // H2 refuses paths that are implicitly relative to the working directory.
        if (!(dir.startsWith("/") || dir.startsWith("./") || dir.startsWith("../") || dir.startsWith("~"))) {
            throw new SalveException("BAD_CONFIG", "salve.edits.h2.dir (SALVE_JOURNAL_DIR) must be absolute or start "
                    + "with ./, ../ or ~, was \"" + dir + "\"");
        }
        try {
            Files.createDirectories(Path.of(dir.startsWith("~") ? System.getProperty("user.home") + dir.substring(1)
                    : dir));
        } catch (IOException e) {
            throw new SalveException("JOURNAL_UNAVAILABLE", "cannot create the H2 journal directory " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Runs the plugin's own DDL for this kind of database (shipped in its jar) on the database the journal plugin
     * uses; a table or index that exists already is left as it is.
     */
    private static void createTables(Config root, String journalPluginId, String kind, String where) {
        Config db = database(root, journalPluginId);
        String script = "schema/" + kind + "/" + kind + "-create-schema.sql";
        try (InputStream in = EditJournal.class.getClassLoader().getResourceAsStream(script);
             Connection connection = DriverManager.getConnection(db.getString("url"), db.getString("user"),
                     db.getString("password"));
             Statement statement = connection.createStatement()) {
            if (in == null) {
                throw new IOException("no " + script + " on the class path");
            }
            for (String sql : new String(in.readAllBytes(), StandardCharsets.UTF_8).split(";")) {
                if (!sql.isBlank()) {
                    try {
                        statement.execute(sql);
                    } catch (SQLException e) {
                        if (!alreadyExists(e)) {
                            throw e;
                        }
                    }
                }
            }
        } catch (SQLException | IOException e) {
            throw new SalveException("JOURNAL_UNAVAILABLE", "could not create the journal tables in " + where + ": "
                    + e, e);
        }
    }

    // The scripts create their unique indexes without IF NOT EXISTS: H2 42111, PostgreSQL 42P07 (duplicate object).
    private static boolean alreadyExists(SQLException e) {
        return e.getErrorCode() == 42111 || "42P07".equals(e.getSQLState());
    }

    private static <T> T await(CompletableFuture<T> future, Duration timeout, String where, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new SalveException("JOURNAL_UNAVAILABLE", "could not " + what + " in " + where + ": " + cause,
                    cause);
        } catch (TimeoutException e) {
            throw new SalveException("JOURNAL_UNAVAILABLE", "could not " + what + " in " + where + " within "
                    + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SalveException("JOURNAL_UNAVAILABLE", "interrupted while trying to " + what, e);
        }
    }
}
