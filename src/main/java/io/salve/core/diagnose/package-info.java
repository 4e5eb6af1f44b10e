/**
 * Diagnostics of suppression edits: how strongly each class, and each sample, relies on a feature.
 *
 * <p>Every edit method makes each logit affine in alpha (SALVE until its gates close), so the thresholds are solved
 * exactly on the piecewise-affine {@link io.salve.core.edit.LogitPath}: {@link io.salve.core.diagnose.Sensitivity}
 * (the rate {@code R_k}), {@link io.salve.core.diagnose.AlphaCrit} (logit reaches zero, analytic and exact),
 * {@link io.salve.core.diagnose.AlphaFlip} (prediction leaves its class), {@link io.salve.core.diagnose.TargetAlpha}
 * (weakest edit meeting a target accuracy). {@link io.salve.core.diagnose.Sweep} measures accuracy on real edited
 * heads, and {@link io.salve.core.diagnose.Summary} condenses per-sample values per class.
 */
package io.salve.core.diagnose;
