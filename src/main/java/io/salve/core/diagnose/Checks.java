package io.salve.core.diagnose;

import io.salve.core.Head;
import io.salve.core.SalveException;

/** Argument checks the diagnostics share, with the same codes as edit validation. */
final class Checks {

    private Checks() {
    }

    static void alphaMax(double alphaMax) {
        if (!(alphaMax >= 0) || Double.isInfinite(alphaMax)) {
            throw new SalveException("BAD_ALPHA", "alphaMax must be a finite number >= 0, was " + alphaMax);
        }
    }

    static void classIndex(Head head, int k) {
        if (k < 0 || k >= head.numClasses()) {
            throw new SalveException("UNKNOWN_CLASS", "unknown class " + k + ": this head has classes 0.."
                    + (head.numClasses() - 1));
        }
    }

    static void labels(Head head, float[][] acts, int[] labels) {
        if (acts.length != labels.length) {
            throw new IllegalArgumentException(acts.length + " activations but " + labels.length + " labels");
        }
        for (int label : labels) {
            classIndex(head, label);
        }
    }
}
