package io.salve.http;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.diagnose.EditPreview;
import io.salve.core.diagnose.Suppression;
import io.salve.core.edit.Edit;
import io.salve.edits.EditRegistryClient;
import io.salve.model.Activations;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.IntStream;

/**
 * What one more edit would do on the held-out split, from its logit paths, and plans that find the edits taking a class
 * to a target accuracy; nothing is applied.
 */
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

    /**
     * The fewest of a class's features and the weakest strengths taking it to the body's target on top of the edits
     * in force now ({@link Suppression#find}), with the set to PUT to apply them.
     */
    CompletionStage<PlanView> plan(PlanBody body) {
        body.validate();
        int cls = body.cls();
        Suppression.Plan plan = Suppression.Plan.of(model.catalog(), cls, body.featureSelection(),
                body.editMethod(), body.rowScope().rows(cls), body.targetAccuracy(), body.tolerance(),
                body.maxFeatures());
        Activations test = model.heldOut();
        return edits.current().thenApplyAsync(s -> {
            Suppression found = Suppression.find(s.editSet().apply(model.head(), model.sae()), model.sae(), plan,
                    maxAlpha, test.rows(), test.labels());
            List<EditBody> added = found.edits().stream().map(e -> EditBody.of(e, body.author(), body.reason()))
                    .toList();
            List<EditBody> set = new ArrayList<>(s.active().stream()
                    .map(a -> EditBody.of(a.edit(), a.author(), a.reason())).toList());
            set.addAll(added);
            String name = "suppress-" + model.classNames().get(cls) + "-to-" + body.targetAccuracy();
            return new PlanView(model.name(), s.version(), cls, model.classNames().get(cls), body.targetAccuracy(),
                    "test", found.reached(), found.baseline(), found.accuracy(), found.offTargetChange(),
                    found.features(), added, new SetBody(name, set, body.author(), body.reason()));
        }, blocking);
    }

    private static Double finite(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
