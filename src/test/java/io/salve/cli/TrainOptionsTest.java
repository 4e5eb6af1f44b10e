package io.salve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
