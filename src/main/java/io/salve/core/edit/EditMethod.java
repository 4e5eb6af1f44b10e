package io.salve.core.edit;

/**
 * How an edit of feature {@code l} changes the head. With sign {@code s = -1} (suppress) or {@code +1} (enhance),
 * on each target row {@code i}:
 *
 * <pre>
 *   SALVE       w'_ij = w_ij max(0, 1 + s alpha |D[j,l]|)                b' = b
 *   RANK1       w'_i  = w_i + s alpha u_i E[l,:],  u_i = w_i . D[:,l]      b'_i = b_i + s alpha u_i inputScale b_e[l]
 *   PROJECTION  w'_i  = w_i + s alpha (w_i . d) d, d = D[:,l] / |D[:,l]|   b' = b
 * </pre>
 *
 * All three are affine in alpha (SALVE until its gate closes at zero), which {@link EditPath} exploits.
 */
public enum EditMethod {
    /** The paper's gate: a per-dimension scaling shaped by |D[:,l]|; sign-preserving, clips at zero. */
    SALVE,
    /**
     * Encoder-aware rank-1 edit. For a LINEAR SAE at alpha = 1 it removes (suppress) or adds (enhance) feature l's
     * decoded contribution {@code inputScale z_l(a) D[:,l]} for every input. For RELU/TOPK SAEs it acts on the
     * latent's pre-activation, since a linear head cannot reproduce the latent's gate.
     */
    RANK1,
    /** {@code W (I + s alpha d d^T)}: scales the activation's component along the feature direction. */
    PROJECTION;

    /** Parses "salve", "rank1" or "projection" (any case); anything else is {@code UNKNOWN_METHOD}. */
    public static EditMethod parse(String name) {
        return Ids.parse(values(), name, "UNKNOWN_METHOD", "edit method");
    }

    public String id() {
        return Ids.of(this);
    }
}
