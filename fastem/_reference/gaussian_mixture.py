"""Gaussian mixture kernels, NumPy reference (the specification of
``fastem._kernels.gaussian_mixture``).

One ``em_step_*`` call is one fused pass: per-component log densities from the
precision Cholesky factors, log-sum-exp responsibilities, the weighted
log-likelihood, and the weighted sufficient statistics of the M-step. Statistics
are centred on the current means, which keeps the covariance update free of
cancellation: with ``r`` the responsibilities times the sample weights,

    N[k]  = sum_i r[i, k]
    S1[k] = sum_i r[i, k] (x_i - means[k])
    S2[k] = sum_i r[i, k] (x_i - means[k]) (x_i - means[k])^T     ("full")
    S2[k] = sum_i r[i, k] (x_i - means[k])**2                      ("diag", "1d")

``log_const[k] = log(weight[k]) + log det(prec_chol[k]) - d/2 log(2 pi)``, so that
``log p(x, k) = log_const[k] - 0.5 ||(x - means[k]) @ prec_chol[k]||^2``.

Buffers: X (n, d) float32/float64 IN; sample_weight (n,) float64 IN; means (k, d)
float64 IN; prec_chol (k or 1, d, d) float64 IN, upper triangular ("full"; one
matrix for a tied covariance) or (k, d) ("diag" and "1d", the square roots of the
precisions); log_const (k,) float64 IN; N (k,) float64 OUT; S1 (k, d) float64 OUT;
S2 (k, d, d) or (k, d) float64 OUT. ``parallel`` is ignored here. A row of density
0 under every component (squared distances that overflow) adds -inf to the
log-likelihood when its weight is positive, nothing to the statistics, and gets
responsibilities 0.
"""

import numpy as np

__all__ = ["em_step_full", "em_step_diag", "em_step_1d",
           "e_step_full", "e_step_diag", "e_step_1d", "em_step_missing", "e_step_missing",
           "em_step_diag_missing"]


def _log_prob_full(Xc, means, prec_chol, log_const):
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: density 0, as numba
        return _log_prob_full_impl(Xc, means, prec_chol, log_const)


def _log_prob_full_impl(Xc, means, prec_chol, log_const):
    k = means.shape[0]
    lp = np.empty((Xc.shape[0], k))
    diffs = []
    for c in range(k):
        diff = Xc - means[c]
        y = diff @ prec_chol[0 if prec_chol.shape[0] == 1 else c]
        lp[:, c] = log_const[c] - 0.5 * np.einsum("ij,ij->i", y, y)
        diffs.append(diff)
    return lp, diffs


def _log_prob_diag(Xc, means, prec, log_const):
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: density 0, as numba
        return _log_prob_diag_impl(Xc, means, prec, log_const)


def _log_prob_diag_impl(Xc, means, prec, log_const):
    k = means.shape[0]
    lp = np.empty((Xc.shape[0], k))
    diffs = []
    for c in range(k):
        diff = Xc - means[c]
        y = diff * prec[c]
        lp[:, c] = log_const[c] - 0.5 * np.einsum("ij,ij->i", y, y)
        diffs.append(diff)
    return lp, diffs


def _normalise(lp):
    """Log-sum-exp over components: (log p(x), responsibilities)."""
    top = lp.max(axis=1)
    top_safe = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(lp - top_safe[:, None])
    s = e.sum(axis=1)
    with np.errstate(divide="ignore"):
        lpn = top_safe + np.log(s)
    # a row of density 0 under every component: log p(x) = -inf, responsibilities 0
    resp = np.where(s[:, None] > 0, e / np.where(s > 0, s, 1.0)[:, None], 0.0)
    return lpn, resp


def _em_step(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size, log_prob):
    N[...] = 0.0
    S1[...] = 0.0
    S2[...] = 0.0
    total = 0.0
    full = S2.ndim == 3
    for start in range(0, X.shape[0], chunk_size):
        stop = min(start + chunk_size, X.shape[0])
        Xc = X[start:stop].astype(np.float64)
        w = sample_weight[start:stop]
        lp, diffs = log_prob(Xc, means, prec, log_const)
        lpn, resp = _normalise(lp)
        live = w > 0
        total += float(w[live] @ lpn[live]) if live.any() else 0.0
        r = resp * w[:, None]
        N += r.sum(axis=0)
        for c, diff in enumerate(diffs):
            # rows with no responsibility are left out, as the numba kernel skips
            # them: their (x - mean)**2 may overflow, and 0 * inf would be NaN
            live = r[:, c] > 0
            rc, dc = r[live, c], diff[live]
            S1[c] += rc @ dc
            if full:
                S2[c] += (dc * rc[:, None]).T @ dc
            else:
                S2[c] += rc @ (dc * dc)
    return total


def em_step_full(X, sample_weight, means, prec_chol, log_const, N, S1, S2, chunk_size,
                 parallel=False):
    """One fused EM pass for full (or tied: ``prec_chol`` of shape (1, d, d))
    covariances. Returns the weighted log-likelihood ``sum_i w_i log p(x_i)``."""
    return _em_step(X, sample_weight, means, prec_chol, log_const, N, S1, S2, chunk_size,
                    _log_prob_full)


def em_step_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                 parallel=False):
    """One fused EM pass for diagonal (or spherical, expanded to (k, d)) precisions.
    Returns the weighted log-likelihood."""
    return _em_step(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                    _log_prob_diag)


def em_step_1d(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
               parallel=False):
    """One fused EM pass for one feature (X of shape (n, 1)); the numba twin is a
    specialised scalar loop. Same buffers as :func:`em_step_diag` with d = 1."""
    return em_step_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size)


def _e_step(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size, log_prob):
    for start in range(0, X.shape[0], chunk_size):
        stop = min(start + chunk_size, X.shape[0])
        lp, _ = log_prob(X[start:stop].astype(np.float64), means, prec, log_const)
        lpn, resp = _normalise(lp)
        if lpn_out.shape[0]:
            lpn_out[start:stop] = lpn
        if labels_out.shape[0]:
            labels_out[start:stop] = np.argmax(lp, axis=1)
        if resp_out.shape[0]:
            resp_out[start:stop] = resp


def e_step_full(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel=False):
    """E-step only (``score_samples``, ``predict``, ``predict_proba``).

    Writes, for the outputs that are not empty: lpn_out (n,) float64, the
    log-likelihood of each row; labels_out (n,) int64, the most probable component;
    resp_out (n, k) float64 or float32, the responsibilities.
    """
    _e_step(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size,
            _log_prob_full)


def e_step_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel=False):
    """E-step only, diagonal precisions; outputs as :func:`e_step_full`."""
    _e_step(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
            _log_prob_diag)


def e_step_1d(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
              parallel=False):
    """E-step only, one feature; outputs as :func:`e_step_full`."""
    e_step_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size)


# ------------------------------------------------------------- missing values
# Exact EM over the observed entries (Ghahramani & Jordan 1994). Rows come grouped by
# their pattern of missing values (``fastem._missing.missing_layout``). Under
# component c, with O the observed and M the missing coordinates of a row,
#
#     log p(x, c) = log w_c + log N(x_O; mu_O, S_OO)
#     E[x_M | x_O, c] = mu_M + S_MO S_OO^-1 (x_O - mu_O)
#     Cov[x_M | x_O, c] = S_MM - S_MO S_OO^-1 S_OM
#
# and the statistics are the expected complete-data ones: x_M replaced by its
# conditional mean in S1 and S2, plus the conditional covariance of the missing block
# in S2 (times the row's responsibility). Buffers: X (n, d) float32/float64 IN, NaN
# where missing; sample_weight (n,) float64 IN; means (k, d) float64 IN; cov (k or 1,
# d, d) float64 IN, the covariances (one matrix: tied), positive definite; log_weights
# (k,) float64 IN; the layout arrays IN; N (k,), S1 (k, d), S2 (k, d, d) float64 OUT,
# centred on ``means`` as in the complete-data kernels. Only the rows in ``order`` are
# read; a row with no observed value has density 1 under every component.


def _pattern_rows(order, seg_start, seg_pattern):
    """(rows of X, pattern number) per pattern, in pattern order."""
    out = []
    s = 0
    n_seg = seg_pattern.shape[0]
    while s < n_seg:
        t = s
        while t + 1 < n_seg and seg_pattern[t + 1] == seg_pattern[s]:
            t += 1
        out.append(order[seg_start[s]:seg_start[t + 1]])
        s = t + 1
    return out


def _missing_pattern(Xp, means, cov, log_weights):
    """Log-densities (m, k), the centred completed rows per component (k, m, d) and the
    conditional covariances of the missing block per component (k, d, d), zero outside
    M x M, for the rows Xp (m, d) of one pattern."""
    miss = np.isnan(Xp[0])
    O = np.flatnonzero(~miss)
    M = np.flatnonzero(miss)
    k, d = means.shape
    m = Xp.shape[0]
    lp = np.empty((m, k))
    filled = np.zeros((k, m, d))
    cond = np.zeros((k, d, d))
    xo = Xp[:, O].astype(np.float64)
    for c in range(k):
        S = cov[0 if cov.shape[0] == 1 else c]
        diff = xo - means[c, O]
        if O.size:
            S_oo = S[np.ix_(O, O)]
            sol = np.linalg.solve(S_oo, diff.T)          # S_OO^-1 (x_O - mu_O)
            with np.errstate(over="ignore", invalid="ignore"):
                maha = np.einsum("ij,ji->i", diff, sol)
            _, logdet = np.linalg.slogdet(S_oo)
        else:
            sol = np.zeros((0, m))
            maha = np.zeros(m)
            logdet = 0.0
        lp[:, c] = log_weights[c] - 0.5 * (O.size * np.log(2.0 * np.pi) + logdet + maha)
        filled[c][:, O] = diff
        if M.size:
            S_mo = S[np.ix_(M, O)]
            filled[c][:, M] = (S_mo @ sol).T
            reg = S_mo @ np.linalg.solve(S[np.ix_(O, O)], S_mo.T) if O.size else 0.0
            cond[c][np.ix_(M, M)] = S[np.ix_(M, M)] - reg
    return lp, filled, cond


def em_step_missing(X, sample_weight, means, cov, log_weights, order, seg_start,
                    seg_pattern, block_seg, N, S1, S2, parallel=False):
    """One fused EM pass over the rows in ``order``, NaN entries missing. Returns the
    weighted observed-data log-likelihood ``sum_i w_i log p(x_i,O)``."""
    N[...] = 0.0
    S1[...] = 0.0
    S2[...] = 0.0
    total = 0.0
    for rows in _pattern_rows(order, seg_start, seg_pattern):
        lp, filled, cond = _missing_pattern(X[rows], means, cov, log_weights)
        lpn, resp = _normalise(lp)
        w = sample_weight[rows]
        live = w > 0
        total += float(w[live] @ lpn[live]) if live.any() else 0.0
        r = resp * w[:, None]
        N += r.sum(axis=0)
        for c in range(means.shape[0]):
            keep = r[:, c] > 0  # no 0 * inf from far rows, as the complete kernels
            rc, dc = r[keep, c], filled[c][keep]
            S1[c] += rc @ dc
            S2[c] += (dc * rc[:, None]).T @ dc + rc.sum() * cond[c]
    return total


def e_step_missing(X, means, cov, log_weights, order, seg_start, seg_pattern, block_seg,
                   lpn_out, labels_out, resp_out, imputed_out, parallel=False):
    """E-step only over the rows in ``order``, NaN entries missing; outputs as
    :func:`e_step_full` (indexed by row of X), and ``imputed_out`` (n, d): the rows with
    each missing entry replaced by its conditional expectation under the mixture,
    ``sum_c p(c | x_O) E[x_M | x_O, c]`` (observed entries copied). Empty outputs are
    skipped."""
    for rows in _pattern_rows(order, seg_start, seg_pattern):
        lp, filled, _ = _missing_pattern(X[rows], means, cov, log_weights)
        lpn, resp = _normalise(lp)
        if np.isnan(X[rows[0]]).all():
            lpn[:] = 0.0  # nothing observed: density 1, exactly (the weights sum to 1)
        if lpn_out.shape[0]:
            lpn_out[rows] = lpn
        if labels_out.shape[0]:
            labels_out[rows] = np.argmax(lp, axis=1)
        if resp_out.shape[0]:
            resp_out[rows] = resp
        if imputed_out.shape[0]:
            Xp = X[rows].astype(np.float64)
            miss = np.isnan(Xp[0])
            est = np.einsum("ic,cif->if", resp, filled + means[:, None, :])
            Xp[:, miss] = est[:, miss]
            imputed_out[rows] = Xp


def em_step_diag_missing(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                         parallel=False):
    """:func:`em_step_missing` for diagonal precisions (k, d), the buffers of
    :func:`em_step_diag`: no pattern needs a factorisation, so the rows are read in
    order. A missing coordinate leaves the row's log-density (its factor of
    ``log_const``, log prec - log(2 pi) / 2, is taken back), adds 0 to S1 (it counts
    at the component's mean) and its variance 1 / prec**2 to S2."""
    N[...] = 0.0
    S1[...] = 0.0
    S2[...] = 0.0
    total = 0.0
    k = means.shape[0]
    var = 1.0 / prec ** 2
    back = np.log(prec) - 0.5 * np.log(2.0 * np.pi)  # (k, d)
    for start in range(0, X.shape[0], chunk_size):
        stop = min(start + chunk_size, X.shape[0])
        Xc = X[start:stop].astype(np.float64)
        miss = np.isnan(Xc)
        w = sample_weight[start:stop]
        lp = np.empty((Xc.shape[0], k))
        diffs = []
        for c in range(k):
            diff = np.where(miss, 0.0, Xc - means[c])
            y = diff * prec[c]
            with np.errstate(over="ignore", invalid="ignore"):
                lp[:, c] = log_const[c] - miss @ back[c] - 0.5 * np.einsum("ij,ij->i", y, y)
            diffs.append(diff)
        lpn, resp = _normalise(lp)
        live = w > 0
        total += float(w[live] @ lpn[live]) if live.any() else 0.0
        r = resp * w[:, None]
        N += r.sum(axis=0)
        for c, diff in enumerate(diffs):
            keep = r[:, c] > 0
            rc, dc = r[keep, c], diff[keep]
            S1[c] += rc @ dc
            S2[c] += rc @ (dc * dc) + (rc @ miss[keep]) * var[c]
    return total
