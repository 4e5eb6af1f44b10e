/**
 * Edits of the classifier head as values: {@link io.salve.core.edit.Edit}, {@link io.salve.core.edit.EditSet}, and the
 * alpha-path machinery ({@link io.salve.core.edit.EditPath}, {@link io.salve.core.edit.LogitPath}) that both builds
 * edited heads and feeds the diagnostics in {@code io.salve.core.diagnose}.
 *
 * <h2>Composition</h2>
 * An {@link io.salve.core.edit.EditSet} applies its edits in list order, each to the head the previous ones produced.
 * Each edit is a right-multiplication of the target rows, {@code w_i -> w_i G} (plus, for RANK1, a bias shift):
 * <ul>
 *   <li>SALVE: {@code G} is diagonal ({@code diag(max(0, 1 + s alpha |D[:,l]|))}) and independent of {@code W}, so
 *       salve edits commute with each other (up to float rounding), clipping included;</li>
 *   <li>PROJECTION: {@code G = I + s alpha d d^T}. Two such maps commute only when their directions are orthogonal or
 *       parallel; in general {@code G1 G2 != G2 G1}, so order matters;</li>
 *   <li>RANK1: {@code G = I + s alpha D[:,l] E[l,:]}, also non-commuting in general, and its bias shift uses
 *       {@code W D[:,l]} of the head it is applied to, so it also depends on what earlier edits did to {@code W};</li>
 *   <li>a SALVE edit and a rank-1 edit do not commute unless the diagonal leaves the rank-1 factors unchanged.</li>
 * </ul>
 * Edits on disjoint rows always commute, since each row is edited independently.
 */
package io.salve.core.edit;
