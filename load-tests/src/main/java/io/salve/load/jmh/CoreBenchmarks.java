package io.salve.load.jmh;

import io.salve.core.Head;
import io.salve.core.Sae;
import io.salve.core.diagnose.AlphaFlip;
import io.salve.core.edit.Direction;
import io.salve.core.edit.Edit;
import io.salve.core.edit.EditMethod;
import io.salve.core.edit.EditPath;
import io.salve.core.edit.EditSet;
import io.salve.core.edit.EditTemplate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The SALVE math on the serving path: SAE encoding of a batch (telemetry's latents), the edited head built when the
 * edit set changes, and alpha_flip of a batch (diagnostics). Short runs for 2 shared cores: compare within a run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CoreBenchmarks {

    /** Activation width: 128 for the demo CNN, 512 for ResNet-18. */
    @Param({"128", "512"})
    public int dim;

    private Sae sae;
    private Head head;
    private float[][] batch;
    private EditSet oneEdit;
    private EditSet threeEdits;
    private EditTemplate salveTemplate;
    private EditPath salvePath;

    @Setup
    public void setUp() {
        sae = Fixtures.sae(dim, 1);
        head = Fixtures.head(dim, 2);
        batch = Fixtures.activations(Fixtures.BATCH, dim, 3);
        oneEdit = EditSet.of(new Edit(12, EditMethod.PROJECTION, Direction.SUPPRESS, 1.0, List.of()));
        threeEdits = EditSet.of(new Edit(12, EditMethod.PROJECTION, Direction.SUPPRESS, 1.0, List.of()),
                new Edit(20, EditMethod.RANK1, Direction.SUPPRESS, 2.0, List.of()),
                new Edit(33, EditMethod.SALVE, Direction.ENHANCE, 0.5, List.of(1, 2)));
        salveTemplate = EditTemplate.suppress(12, EditMethod.SALVE);
        salvePath = EditPath.of(head, sae, salveTemplate);
    }

    /** Latents of one batch of 32 activations, as a replica computes them for telemetry. */
    @Benchmark
    public void saeEncodeBatch(Blackhole bh) {
        for (float[] a : batch) {
            bh.consume(sae.encode(a));
        }
    }

    /** The edited head after an edit change: one projection edit. */
    @Benchmark
    public Head editSetApplyOne() {
        return oneEdit.apply(head, sae);
    }

    /** The edited head after an edit change: three edits of three methods. */
    @Benchmark
    public Head editSetApplyThree() {
        return threeEdits.apply(head, sae);
    }

    /** The salve gate's edit path (what alpha_crit and alpha_flip trace) for one feature. */
    @Benchmark
    public EditPath editPathOf() {
        return EditPath.of(head, sae, salveTemplate);
    }

    /** alpha_flip of every sample of one batch of 32 under the salve gate. */
    @Benchmark
    public AlphaFlip[] alphaFlipBatch() {
        return AlphaFlip.batch(salvePath, batch);
    }
}
