package io.salve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.model.VitConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TrainOptionsTest {

    static TrainCommand parse(String... args) {
        TrainCommand command = new TrainCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void flipsAreOnByDefaultAndNoFlipTurnsThemOff() {
        assertTrue(parse("--out", "x").flip);
        assertFalse(parse("--out", "x", "--no-flip").flip);
    }

    @Test
    void defaultsMatchTheDocumentedRecipe() {
        TrainCommand c = parse("--out", "x");
        assertEquals("resnet18", c.arch);
        assertEquals(64, c.batchSize);
        assertEquals(0.001f, c.learningRate);
    }

    @Test
    void vitShapeDefaultsToTheRecordedDefaultAndEachSizeCanBeSet() {
        assertEquals(VitConfig.DEFAULT, parse("--out", "x", "--arch", "vit").vit.config());
        assertEquals(new VitConfig(4, 96, 6, 3, 192), parse("--out", "x", "--arch", "vit", "--patch", "4", "--width", "96",
                "--depth", "6", "--heads", "3", "--mlp", "192").vit.config());
    }
}
