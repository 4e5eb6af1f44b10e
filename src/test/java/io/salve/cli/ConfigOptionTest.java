package io.salve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.salve.core.SalveException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A --config file reaches settings derived from the keys it sets; overrides and system properties win over it. */
class ConfigOptionTest {

    static final String H2_URL = "pekko-persistence-jdbc.shared-databases.salve-edits-h2.db.url";

    @Test
    void aJournalDirectoryInTheFileMovesTheJournalItself(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("application.conf");
        Files.writeString(file, "salve.edits.h2.dir = \"" + dir.resolve("journal") + "\"\nsalve.http.port = 9000\n");
        ConfigOption option = new ConfigOption();
        option.file = file;
        Config config = option.unresolved(ConfigFactory.parseString("salve.http.port = 9001")).resolve();
        assertTrue(config.getString(H2_URL).startsWith("jdbc:h2:file:" + dir.resolve("journal") + "/edits;"),
                config.getString(H2_URL));
        assertEquals(9001, config.getInt("salve.http.port"), "overrides win over the file");
    }

    @Test
    void withoutAFileTheDefaultsHold() {
        Config config = new ConfigOption().unresolved(ConfigFactory.empty()).resolve();
        assertTrue(config.getString(H2_URL).startsWith("jdbc:h2:file:./data/journal/edits;"), config.getString(H2_URL));
    }

    @Test
    void aMissingFileIsAClearError(@TempDir Path dir) {
        ConfigOption option = new ConfigOption();
        option.file = dir.resolve("nope.conf");
        SalveException e = assertThrows(SalveException.class, () -> option.unresolved(ConfigFactory.empty()));
        assertEquals("CONFIG_MISSING", e.code());
    }
}
