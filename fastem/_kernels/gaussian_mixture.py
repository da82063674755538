"""Gaussian mixture kernels, numba. Twin of ``fastem._reference.gaussian_mixture``
(same functions, arguments and buffers; see that module for the definitions).

Layout as in ``fastem._kernels.kmeans``: fixed chunks of ``chunk_size`` rows, grouped
into blocks; ``prange`` over blocks, one partial-statistics slot per block, added in
block order afterwards. The number of blocks is capped so that the partial
statistics stay within ``STATS_BUDGET`` float64 values: memory does not grow with
n_samples, and the layout depends only on (n, chunk_size, k, d), never on threads.
"""

import numpy as np

from .._jit import jit, jit_variants, prange

__all__ = ["em_step_full", "em_step_diag", "em_step_1d",
           "e_step_full", "e_step_diag", "e_step_1d"]

MAX_BLOCKS = 64
STATS_BUDGET = 1 << 21
LOG_BATCH = 64  # rows per log call in the 1-D kernel (and at once past 1e250)


# Helpers live in this module (not a shared one): numba's cache does not notice
# edits to helpers imported from another module.
@jit
def _block_layout(n, chunk_size, max_blocks):
    n_chunks = (n + chunk_size - 1) // chunk_size
    chunks_per_block = (n_chunks + max_blocks - 1) // max_blocks
    block_rows = chunks_per_block * chunk_size
    return (n + block_rows - 1) // block_rows, block_rows


@jit
def _log_prob_full_chunk(X, c0, m, means, p_all, mu_p, log_const, xbuf, lp, top):
    """Rows c0..c0+m-1: lp[i, c] = log p(x, c) and top[i] = max_c lp[i, c].

    One matrix product per chunk, Y = X_chunk @ [P_1 ... P_k] (BLAS), then
    y_c = Y_c - means[c] @ P_c; ``p_all`` is (d, k*d), or (d, d) for a tied
    precision (then every component uses the same columns).
    """
    k, d = means.shape
    tied = p_all.shape[1] == d and k > 1
    for i in range(m):
        for f in range(d):
            xbuf[i, f] = X[c0 + i, f]
    Y = np.dot(xbuf[:m], p_all)
    for i in range(m):
        best = -np.inf
        for c in range(k):
            off = 0 if tied else c * d
            sq = 0.0
            for j in range(d):
                t = Y[i, off + j] - mu_p[c, j]
                sq += t * t
            v = log_const[c] - 0.5 * sq
            lp[i, c] = v
            if v > best:
                best = v
        top[i] = best


@jit
def _log_prob_diag(X, i, means, prec, log_const, diff, lp):
    k, d = means.shape
    top = -np.inf
    for c in range(k):
        sq = 0.0
        for f in range(d):
            t = X[i, f] - means[c, f]
            diff[c, f] = t
            t *= prec[c, f]
            sq += t * t
        v = log_const[c] - 0.5 * sq
        lp[c] = v
        if v > top:
            top = v
    return top


@jit
def _exp_normalise(lp, top):
    """lp[c] <- exp(lp[c] - top); return their sum (log p(x) = top + log(sum))."""
    s = 0.0
    for c in range(lp.shape[0]):
        e = np.exp(lp[c] - top)
        lp[c] = e
        s += e
    return s


def _em_full(X, sample_weight, means, prec_chol, log_const, N, S1, S2, chunk_size,
             max_blocks, p_all, mu_p):
    n, d = X.shape
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    pN = np.zeros((n_blocks, k))
    pS1 = np.zeros((n_blocks, k, d))
    pS2 = np.zeros((n_blocks, k, d, d))
    pll = np.zeros(n_blocks)
    for b in prange(n_blocks):
        xbuf = np.empty((chunk_size, d))
        lpc = np.empty((chunk_size, k))
        top = np.empty(chunk_size)
        diff = np.empty(d)
        ll = 0.0
        start = b * block_rows
        stop = min(start + block_rows, n)
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _log_prob_full_chunk(X, c0, m, means, p_all, mu_p, log_const, xbuf, lpc, top)
            for i in range(m):
                lp = lpc[i]
                w = sample_weight[c0 + i]
                if top[i] == -np.inf:  # density 0 under every component: no statistics
                    if w > 0.0:
                        ll = -np.inf
                    continue
                s = _exp_normalise(lp, top[i])
                ll += w * (top[i] + np.log(s))
                scale = w / s
                for c in range(k):
                    r = lp[c] * scale
                    if r == 0.0:
                        continue
                    pN[b, c] += r
                    for f in range(d):
                        diff[f] = xbuf[i, f] - means[c, f]
                    for f in range(d):
                        rf = r * diff[f]
                        pS1[b, c, f] += rf
                        for g in range(d):  # whole rows: contiguous, vectorised
                            pS2[b, c, f, g] += rf * diff[g]
        pll[b] = ll
    N[:] = 0.0
    S1[:, :] = 0.0
    S2[:, :, :] = 0.0
    total = 0.0
    for b in range(n_blocks):
        total += pll[b]
        for c in range(k):
            N[c] += pN[b, c]
            for f in range(d):
                S1[c, f] += pS1[b, c, f]
                for g in range(d):
                    S2[c, f, g] += pS2[b, c, f, g]
    for c in range(k):  # exactly symmetric, whatever the rounding of each half
        for f in range(d):
            for g in range(f + 1, d):
                S2[c, g, f] = S2[c, f, g]
    return total


def _em_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size, max_blocks):
    n, d = X.shape
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    pN = np.zeros((n_blocks, k))
    pS1 = np.zeros((n_blocks, k, d))
    pS2 = np.zeros((n_blocks, k, d))
    pll = np.zeros(n_blocks)
    for b in prange(n_blocks):
        diff = np.empty((k, d))
        lp = np.empty(k)
        ll = 0.0
        for i in range(b * block_rows, min((b + 1) * block_rows, n)):
            top = _log_prob_diag(X, i, means, prec, log_const, diff, lp)
            w = sample_weight[i]
            if top == -np.inf:  # density 0 under every component: no statistics
                if w > 0.0:
                    ll = -np.inf
                continue
            s = _exp_normalise(lp, top)
            ll += w * (top + np.log(s))
            scale = w / s
            for c in range(k):
                r = lp[c] * scale
                if r == 0.0:
                    continue
                pN[b, c] += r
                for f in range(d):
                    rf = r * diff[c, f]
                    pS1[b, c, f] += rf
                    pS2[b, c, f] += rf * diff[c, f]
        pll[b] = ll
    N[:] = 0.0
    S1[:, :] = 0.0
    S2[:, :] = 0.0
    total = 0.0
    for b in range(n_blocks):
        total += pll[b]
        for c in range(k):
            N[c] += pN[b, c]
            for f in range(d):
                S1[c, f] += pS1[b, c, f]
                S2[c, f] += pS2[b, c, f]
    return total


def _em_1d(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size, max_blocks):
    # one feature: scalar loops, no feature dimension, per-component constants hoisted
    n = X.shape[0]
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    pN = np.zeros((n_blocks, k))
    pS1 = np.zeros((n_blocks, k))
    pS2 = np.zeros((n_blocks, k))
    pll = np.zeros(n_blocks)
    mu = np.empty(k)
    half_p2 = np.empty(k)
    for c in range(k):
        mu[c] = means[c, 0]
        half_p2[c] = 0.5 * prec[c, 0] * prec[c, 0]
    for b in prange(n_blocks):
        lp = np.empty(k)
        dl = np.empty(k)
        ll = 0.0
        # log(s) of unit-weight rows is taken once per LOG_BATCH rows, on the product
        # of their s (each in [1, k]): fewer log calls, the same sum up to rounding
        s_prod = 1.0
        n_prod = 0
        for i in range(b * block_rows, min((b + 1) * block_rows, n)):
            x = X[i, 0]
            top = -np.inf
            for c in range(k):
                t = x - mu[c]
                dl[c] = t
                v = log_const[c] - half_p2[c] * t * t
                lp[c] = v
                if v > top:
                    top = v
            w = sample_weight[i]
            if top == -np.inf:  # density 0 under every component: no statistics
                if w > 0.0:
                    ll = -np.inf
                continue
            s = 0.0
            for c in range(k):
                # the largest term is exp(0) = 1: one exp call fewer per row
                e = 1.0 if lp[c] == top else np.exp(lp[c] - top)
                lp[c] = e
                s += e
            if w == 1.0:
                ll += top
                s_prod *= s
                n_prod += 1
                if n_prod == LOG_BATCH or s_prod > 1e250:
                    ll += np.log(s_prod)
                    s_prod = 1.0
                    n_prod = 0
            else:
                ll += w * (top + np.log(s))
            scale = w / s
            for c in range(k):
                r = lp[c] * scale
                rt = r * dl[c]
                pN[b, c] += r
                pS1[b, c] += rt
                pS2[b, c] += rt * dl[c]
        ll += np.log(s_prod)
        pll[b] = ll
    total = 0.0
    for c in range(k):
        N[c] = 0.0
        S1[c, 0] = 0.0
        S2[c, 0] = 0.0
    for b in range(n_blocks):
        total += pll[b]
        for c in range(k):
            N[c] += pN[b, c]
            S1[c, 0] += pS1[b, c]
            S2[c, 0] += pS2[b, c]
    return total


def _e_full(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size,
            max_blocks, p_all, mu_p):
    n, d = X.shape
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    for b in prange(n_blocks):
        xbuf = np.empty((chunk_size, d))
        lpc = np.empty((chunk_size, k))
        top = np.empty(chunk_size)
        start = b * block_rows
        stop = min(start + block_rows, n)
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _log_prob_full_chunk(X, c0, m, means, p_all, mu_p, log_const, xbuf, lpc, top)
            for i in range(m):
                _finish_row(c0 + i, lpc[i], top[i], lpn_out, labels_out, resp_out)


def _e_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
            max_blocks):
    n, d = X.shape
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    for b in prange(n_blocks):
        diff = np.empty((k, d))
        lp = np.empty(k)
        for i in range(b * block_rows, min((b + 1) * block_rows, n)):
            top = _log_prob_diag(X, i, means, prec, log_const, diff, lp)
            _finish_row(i, lp, top, lpn_out, labels_out, resp_out)


@jit
def _finish_row(i, lp, top, lpn_out, labels_out, resp_out):
    """Write the E-step outputs of row i that were asked for (non-empty buffers)."""
    if labels_out.shape[0] > 0:
        best = 0
        for c in range(1, lp.shape[0]):
            if lp[c] > lp[best]:
                best = c
        labels_out[i] = best
    if top == -np.inf:  # density 0 under every component
        if lpn_out.shape[0] > 0:
            lpn_out[i] = -np.inf
        if resp_out.shape[0] > 0:
            for c in range(lp.shape[0]):
                resp_out[i, c] = 0.0
        return
    s = _exp_normalise(lp, top)
    if lpn_out.shape[0] > 0:
        lpn_out[i] = top + np.log(s)
    if resp_out.shape[0] > 0:
        for c in range(lp.shape[0]):
            resp_out[i, c] = lp[c] / s


_em_full_serial, _em_full_parallel = jit_variants(_em_full)
_em_diag_serial, _em_diag_parallel = jit_variants(_em_diag)
_em_1d_serial, _em_1d_parallel = jit_variants(_em_1d)
_e_full_serial, _e_full_parallel = jit_variants(_e_full)
_e_diag_serial, _e_diag_parallel = jit_variants(_e_diag)


def _gemm_terms(means, prec_chol):
    """[P_1 ... P_k] as one (d, k*d) matrix (or the tied (d, d) one), and the rows
    means[c] @ P_c, for the chunk matrix product of the full kernels."""
    k, d = means.shape
    if prec_chol.shape[0] == 1:
        p_all = np.ascontiguousarray(prec_chol[0])
        mu_p = means @ p_all
    else:
        p_all = np.ascontiguousarray(prec_chol.transpose(1, 0, 2).reshape(d, k * d))
        mu_p = np.einsum("cf,cfj->cj", means, prec_chol)
    return p_all, np.ascontiguousarray(mu_p)


def _max_blocks(k, d, full):
    per_block = k * (1 + d + (d * d if full else d)) + 1
    return max(1, min(MAX_BLOCKS, STATS_BUDGET // per_block))


def em_step_full(X, sample_weight, means, prec_chol, log_const, N, S1, S2, chunk_size,
                 parallel=False):
    """One fused EM pass, full or tied; see the reference twin."""
    fn = _em_full_parallel if parallel else _em_full_serial
    k, d = means.shape
    p_all, mu_p = _gemm_terms(means, prec_chol)
    return float(fn(X, sample_weight, means, prec_chol, log_const, N, S1, S2, chunk_size,
                    _max_blocks(k, d, True), p_all, mu_p))


def em_step_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                 parallel=False):
    """One fused EM pass, diagonal or spherical; see the reference twin."""
    fn = _em_diag_parallel if parallel else _em_diag_serial
    k, d = means.shape
    return float(fn(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                    _max_blocks(k, d, False)))


def em_step_1d(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
               parallel=False):
    """One fused EM pass, one feature; see the reference twin."""
    fn = _em_1d_parallel if parallel else _em_1d_serial
    k = means.shape[0]
    return float(fn(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                    _max_blocks(k, 1, False)))


def e_step_full(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel=False):
    """E-step only, full or tied; see the reference twin."""
    fn = _e_full_parallel if parallel else _e_full_serial
    p_all, mu_p = _gemm_terms(means, prec_chol)
    fn(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size, MAX_BLOCKS,
       p_all, mu_p)


def e_step_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel=False):
    """E-step only, diagonal or spherical; see the reference twin."""
    fn = _e_diag_parallel if parallel else _e_diag_serial
    fn(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size, MAX_BLOCKS)


def e_step_1d(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
              parallel=False):
    """E-step only, one feature (the diagonal kernel with d = 1)."""
    e_step_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel)
