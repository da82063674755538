"""Binomial mixture kernels, NumPy reference (the specification of
``fastem._kernels.binomial_mixture``).

Row i holds d success counts X[i, f] out of n[i, f] trials; component c has
success probabilities p[c, f] and log weight log_w[c]. Up to the binomial
coefficient (a per-row constant the estimator adds once per fit):

    log p(x_i, c) = log_w[c] + sum_f x log p[c, f] + (n - x) log(1 - p[c, f])

with 0 * log 0 = 0, so p exactly 0 or 1 is allowed. One ``em_step`` call is one
fused pass: responsibilities by log-sum-exp and the weighted statistics

    N[c] = sum_i w_i r_ic,  SX[c, f] = sum_i w_i r_ic x_if,  SN[c, f] = sum_i w_i r_ic n_if.

Buffers: X (n, d) float64 IN; n_trials (n or 1, d or 1) float64 IN (broadcast over
X); sample_weight (n,) float64 IN; log_w (k,), logp (k, d), log1mp (k, d) float64 IN
(log p and log(1 - p), possibly -inf); N (k,), SX (k, d), SN (k, d) float64 OUT.
A row impossible under every component (only possible with p exactly 0 or 1) adds
-inf to the log-likelihood (when its weight is positive) and nothing to the
statistics; its responsibilities are 0.
``parallel`` is ignored here.
"""

import numpy as np

__all__ = ["em_step", "e_step"]


def _joint(Xc, nc, log_w, logp, log1mp):
    """(rows, k) log p(x, c) without the binomial coefficient; 0 * log 0 = 0."""
    fails = nc - Xc
    k = log_w.shape[0]
    out = np.empty((Xc.shape[0], k))
    for c in range(k):
        with np.errstate(invalid="ignore"):
            a = np.where(Xc > 0, Xc * logp[c], 0.0)
            b = np.where(fails > 0, fails * log1mp[c], 0.0)
        out[:, c] = log_w[c] + a.sum(axis=1) + b.sum(axis=1)
    return out


def _normalise(lp):
    """(log p(x), responsibilities); a row impossible under every component gets
    log p(x) = -inf and zero responsibilities (it adds nothing to the statistics)."""
    top = lp.max(axis=1)
    safe = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(lp - safe[:, None])
    s = e.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lpn = safe + np.log(s)
        resp = np.where(s[:, None] > 0, e / np.where(s > 0, s, 1.0)[:, None], 0.0)
    return lpn, resp


def em_step(X, n_trials, sample_weight, log_w, logp, log1mp, N, SX, SN, chunk_size,
            parallel=False):
    """One fused EM pass. Returns ``sum_i w_i log p(x_i)`` without the binomial
    coefficients."""
    n = X.shape[0]
    N[...] = 0.0
    SX[...] = 0.0
    SN[...] = 0.0
    total = 0.0
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        Xc = X[start:stop]
        nc = np.broadcast_to(n_trials[start:stop] if n_trials.shape[0] > 1 else n_trials,
                             Xc.shape)
        w = sample_weight[start:stop]
        lpn, resp = _normalise(_joint(Xc, nc, log_w, logp, log1mp))
        live = w > 0
        total += float(w[live] @ lpn[live]) if live.any() else 0.0
        r = resp * w[:, None]
        N += r.sum(axis=0)
        SX += r.T @ Xc
        SN += r.T @ nc
    return total


def e_step(X, n_trials, log_w, logp, log1mp, lpn_out, labels_out, resp_out, chunk_size,
           parallel=False):
    """E-step only. Writes the outputs that are not empty: lpn_out (n,) the log
    probability of each row without its binomial coefficient, labels_out (n,) int64
    the most probable component, resp_out (n, k) the responsibilities."""
    n = X.shape[0]
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        Xc = X[start:stop]
        nc = np.broadcast_to(n_trials[start:stop] if n_trials.shape[0] > 1 else n_trials,
                             Xc.shape)
        lp = _joint(Xc, nc, log_w, logp, log1mp)
        lpn, resp = _normalise(lp)
        if lpn_out.shape[0]:
            lpn_out[start:stop] = lpn
        if labels_out.shape[0]:
            labels_out[start:stop] = lp.argmax(axis=1)
        if resp_out.shape[0]:
            resp_out[start:stop] = resp
