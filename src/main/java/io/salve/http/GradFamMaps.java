package io.salve.http;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/** The Grad-FAM grid of a feature as a PNG file, computed when missing (seconds of backbone work). */
@FunctionalInterface
public interface GradFamMaps {

    CompletionStage<Path> png(int feature);
}
