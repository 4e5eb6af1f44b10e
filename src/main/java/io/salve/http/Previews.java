package io.salve.http;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.diagnose.EditPreview;
import io.salve.core.edit.Edit;
import io.salve.edits.EditRegistryClient;
import io.salve.model.Activations;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.IntStream;

/** The predicted effect of one more edit on the held-out split, from its logit paths; nothing is applied. */
final class Previews {

    private final ServedModel model;
    private final EditRegistryClient edits;
    private final Executor blocking;
    private final double maxAlpha;

    /**
     * @param blocking runs previews (CPU work of up to a second) off Pekko's dispatcher
     * @param maxAlpha the strongest edit the registry accepts ({@code salve.edits.max-alpha})
     */
    Previews(ServedModel model, EditRegistryClient edits, Executor blocking, double maxAlpha) {
        this.model = model;
        this.edits = edits;
        this.blocking = blocking;
        this.maxAlpha = maxAlpha;
    }

    /** On top of the edits in force now. */
    CompletionStage<PreviewView> of(EditBody body) {
        Edit edit = body.edit();
        Head head = model.head();
        Sae sae = model.sae();
        Activations test = model.heldOut();
        return edits.current().thenApplyAsync(s -> {
            EditPreview p = EditPreview.of(s.editSet().apply(head, sae), sae, edit, maxAlpha, test.rows(),
                    test.labels());
            List<String> names = model.classNames();
            List<PreviewView.ClassPreview> classes = IntStream.range(0, names.size()).mapToObj(k ->
                    new PreviewView.ClassPreview(k, names.get(k), p.support()[k], finite(p.accuracyBefore(k)),
                            finite(p.accuracyAfter(k)), p.flipped()[k], p.changed()[k])).toList();
            return new PreviewView(model.name(), s.version(), body, "test", test.count(), finite(p.overallBefore()),
                    finite(p.overallAfter()), classes);
        }, blocking);
    }

    private static Double finite(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
