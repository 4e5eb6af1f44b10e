package io.salve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.salve.core.SalveException;
import io.salve.model.Architecture;
import io.salve.model.TrainConfig;
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
        assertEquals(0f, c.warmupEpochs);
        assertEquals(0f, c.weightDecay);
    }

    @Test
    void aWarmUpAsLongAsTheRunOrANegativeWeightDecayIsRefused() {
        SalveException warmup = assertThrows(SalveException.class, () -> new TrainConfig(Architecture.VIT, 5, 64,
                0.003f, 1, true, VitConfig.DEFAULT, 5, 0));
        assertEquals("BAD_ARGUMENT", warmup.code());
        assertTrue(warmup.getMessage().contains("warm-up"), warmup.getMessage());
        SalveException decay = assertThrows(SalveException.class, () -> new TrainConfig(Architecture.VIT, 5, 64,
                0.003f, 1, true, VitConfig.DEFAULT, 0.5f, -0.1f));
        assertEquals("BAD_ARGUMENT", decay.code());
        TrainCommand c = parse("--out", "x", "--warmup-epochs", "0.5", "--weight-decay", "0.05");
        assertEquals(0.5f, c.warmupEpochs);
        assertEquals(0.05f, c.weightDecay);
    }

    @Test
    void vitShapeDefaultsToTheRecordedDefaultAndEachSizeCanBeSet() {
        assertEquals(VitConfig.DEFAULT, parse("--out", "x", "--arch", "vit").vit.config());
        assertEquals(new VitConfig(4, 96, 6, 3, 192), parse("--out", "x", "--arch", "vit", "--patch", "4", "--width", "96",
                "--depth", "6", "--heads", "3", "--mlp", "192").vit.config());
    }
}
