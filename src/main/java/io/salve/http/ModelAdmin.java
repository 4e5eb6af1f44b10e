package io.salve.http;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** What {@code /v1/models} reads and changes: the model repository. */
public interface ModelAdmin {

    CompletionStage<List<ModelView>> describe();

    /**
     * Loads (or reloads: load before unload) model {@code name} from {@code bundle}, a directory under the
     * repository directory, relative to it or absolute; null: the repository's sub-directory {@code name}.
     */
    CompletionStage<ModelView> load(String name, String bundle);

    CompletionStage<Void> unload(String name);
}
