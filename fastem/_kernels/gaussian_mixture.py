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
from ._tiles import (TILE_PAD, finish_tile, log_densities, reduce_moments,
                     responsibilities_tile, tree_sum)

__all__ = ["em_step_full", "em_step_diag", "em_step_1d",
           "e_step_full", "e_step_diag", "e_step_1d"]

MAX_BLOCKS = 64
STATS_BUDGET = 1 << 21
ACC_WIDTH = 32  # running partial sums per reduction over the rows of a tile


# Helpers live in this module (not a shared one): numba's cache does not notice
# edits to helpers imported from another module.
@jit
def _block_layout(n, chunk_size, max_blocks):
    n_chunks = (n + chunk_size - 1) // chunk_size
    chunks_per_block = (n_chunks + max_blocks - 1) // max_blocks
    block_rows = chunks_per_block * chunk_size
    return (n + block_rows - 1) // block_rows, block_rows


@jit
def _load_tile(X, c0, m, xt):
    """Rows c0..c0+m-1 of X, feature-major, in X's dtype: xt[f, i]."""
    d = X.shape[1]
    for i in range(m):
        for f in range(d):
            xt[f, i] = X[c0 + i, f]


@jit
def _log_prob_diag_tile(xt, m, means, prec, log_const, lp, top):
    """lp[c, i] = log p(x_i, c) for the m rows of the tile xt (d, m); top[i] = max_c.
    Every loop runs over the rows, innermost: the vector lanes hold rows. The
    parameters come in the tile's dtype (see :func:`_tile_terms`)."""
    k, d = means.shape
    for c in range(k):
        for i in range(m):
            lp[c, i] = 0.0
        for f in range(d):
            mu = means[c, f]
            pf = prec[c, f]
            for i in range(m):
                t = (xt[f, i] - mu) * pf
                lp[c, i] += t * t
    log_densities(lp, log_const, m, top)


@jit
def _moments_diag_tile(xt, m, means, lp, scale, acc, pN, pS1, pS2, b):
    """Add the tile's responsibility-weighted moments about the means to block b's
    partial statistics; lp holds the exps, scale the per-row factors.

    Each sum over the m rows runs in two steps that both vectorise without
    reassociation: the rows are added elementwise onto ACC_WIDTH running partial sums
    (acc[0], acc[1]: row i onto lane i % ACC_WIDTH), then the lanes are folded by
    :func:`fastem._kernels._tiles.tree_sum`. The order of the additions depends on m only."""
    k, d = means.shape
    a1 = acc[0]
    a2 = acc[1]
    m_w = m - m % ACC_WIDTH
    for c in range(k):
        r = lp[c]
        for i in range(m):
            r[i] *= scale[i]  # responsibilities times weights
        for i in range(m):
            a1[i] = r[i]
        pN[b, c] += tree_sum(a1, m)
        for f in range(d):
            mu = means[c, f]
            x = xt[f]
            for j in range(ACC_WIDTH):
                a1[j] = 0.0
                a2[j] = 0.0
            for i0 in range(0, m_w, ACC_WIDTH):
                for j in range(ACC_WIDTH):
                    ri = r[i0 + j]
                    t = x[i0 + j] - mu
                    v = ri * t if ri > 0.0 else 0.0  # no 0 * inf from far rows
                    a1[j] += v
                    a2[j] += v * t
            s1 = 0.0
            s2 = 0.0
            for i in range(m_w, m):
                ri = r[i]
                t = x[i] - mu
                v = ri * t if ri > 0.0 else 0.0
                s1 += v
                s2 += v * t
            pS1[b, c, f] += tree_sum(a1, ACC_WIDTH) + s1
            pS2[b, c, f] += tree_sum(a2, ACC_WIDTH) + s2


@jit
def _reduce_full(pN, pS1, pS2, pll, N, S1, S2):
    """As :func:`fastem._kernels._tiles.reduce_moments`, for (k, d, d) second moments
    (the upper halves added, then mirrored: exactly symmetric, whatever the rounding of
    each half)."""
    n_blocks, k, d = pS1.shape
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
                for g in range(f, d):
                    S2[c, f, g] += pS2[b, c, f, g]
    for c in range(k):
        for f in range(d):
            for g in range(f + 1, d):
                S2[c, g, f] = S2[c, f, g]
    return total


@jit
def _em_diag_block(b, block_rows, X, sample_weight, means, chunk_size, means_t, prec_t,
                   log_const_t, pN, pS1, pS2, pll):
    """Block b of the diagonal EM pass: its rows' moments into slot b of the partial
    statistics and its log-likelihood into pll[b]. A serial function, so that the
    parallel kernel around it compiles little more than the serial one and shares this
    machine code with it (the kernels pass ``np.int64(b)``: a prange index is uint64
    in the parallel loop's body, which would compile the function a second time)."""
    n, d = X.shape
    k = means.shape[0]
    xt = np.empty((d, chunk_size + TILE_PAD), dtype=X.dtype)
    lp = np.empty((k, chunk_size + TILE_PAD), dtype=X.dtype)
    top = np.empty(chunk_size, dtype=X.dtype)
    s = np.empty(chunk_size)
    scale = np.empty(chunk_size)
    acc = np.empty((2, max(chunk_size, ACC_WIDTH)))
    ll = 0.0
    start = b * block_rows
    stop = min(start + block_rows, n)
    for c0 in range(start, stop, chunk_size):
        m = min(chunk_size, stop - c0)
        _load_tile(X, c0, m, xt)
        _log_prob_diag_tile(xt, m, means_t, prec_t, log_const_t, lp, top)
        ll += responsibilities_tile(lp, top, m, sample_weight, c0, s, scale)
        _moments_diag_tile(xt, m, means, lp, scale, acc, pN, pS1, pS2, b)
    pll[b] = ll


def _em_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size, max_blocks,
             means_t, prec_t, log_const_t):
    n, d = X.shape
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    pN = np.zeros((n_blocks, k))
    pS1 = np.zeros((n_blocks, k, d))
    pS2 = np.zeros((n_blocks, k, d))
    pll = np.zeros(n_blocks)
    for b in prange(n_blocks):
        _em_diag_block(np.int64(b), block_rows, X, sample_weight, means, chunk_size, means_t,
                       prec_t, log_const_t, pN, pS1, pS2, pll)
    return reduce_moments(pN, pS1, pS2, pll, N, S1, S2)


@jit
def _log_prob_full_tile(xt, m, means, pt_all, mu_p, log_const, lp, top, yt):
    """lp[c, i] = log p(x_i, c) for the tile xt (d, chunk), full or tied precisions.

    One matrix product per tile, Yt = [P_1 ... P_k]^T @ xt (BLAS), component-major
    with the rows along the second axis, then y_c = Yt_c - P_c^T means[c] with the
    rows in the vector lanes. ``pt_all`` is (k*d, d), or (d, d) for a tied precision
    (every component then uses the same rows of Yt); ``yt`` receives Yt."""
    k, d = means.shape
    tied = pt_all.shape[0] == d and k > 1
    np.dot(pt_all, xt, yt)
    Yt = yt
    for c in range(k):
        off = 0 if tied else c * d
        for i in range(m):
            lp[c, i] = 0.0
        for j in range(d):
            mj = mu_p[c, j]
            y = Yt[off + j]
            for i in range(m):
                t = y[i] - mj
                lp[c, i] += t * t
    log_densities(lp, log_const, m, top)


@jit
def _moments_full_tile(xt, m, means, lp, scale, tt, rt, gram, pN, pS1, pS2, b):
    """Add the tile's responsibility-weighted moments about the means to block b's
    partial statistics, one matrix product per component (BLAS):
    [r (x - mu); r] @ [x - mu; 1]^T holds sum r (x - mu)(x - mu)^T, sum r (x - mu)
    and sum r. tt and rt are (d + 1, chunk) scratch; the columns past m are zeros."""
    k, d = means.shape
    chunk = xt.shape[1]
    for i in range(chunk):
        tt[d, i] = 1.0
    for c in range(k):
        r = lp[c]
        for i in range(m):
            r[i] *= scale[i]  # responsibilities times weights
        for i in range(m, chunk):
            r[i] = 0.0
        for i in range(chunk):
            rt[d, i] = r[i]
        for f in range(d):
            mu = means[c, f]
            x = xt[f]
            t = tt[f]
            v = rt[f]
            for i in range(chunk):
                tf = x[i] - mu
                t[i] = tf
                v[i] = r[i] * tf if r[i] > 0.0 else 0.0  # no 0 * inf from far rows
        np.dot(rt, tt.T, gram)
        pN[b, c] += gram[d, d]
        for f in range(d):
            pS1[b, c, f] += gram[f, d]
            for g in range(d):
                pS2[b, c, f, g] += gram[f, g]


@jit
def _em_full_block(b, block_rows, X, sample_weight, means, chunk_size, pt_all, mu_p,
                   log_const_t, pN, pS1, pS2, pll):
    """Block b of the full (or tied) EM pass, as :func:`_em_diag_block`."""
    n, d = X.shape
    k = means.shape[0]
    xt = np.zeros((d, chunk_size + TILE_PAD), dtype=X.dtype)
    lp = np.empty((k, chunk_size + TILE_PAD), dtype=X.dtype)
    top = np.empty(chunk_size, dtype=X.dtype)
    s = np.empty(chunk_size)
    scale = np.empty(chunk_size)
    yt = np.empty((pt_all.shape[0], chunk_size + TILE_PAD), dtype=X.dtype)
    tt = np.empty((d + 1, chunk_size + TILE_PAD))
    rt = np.empty((d + 1, chunk_size + TILE_PAD))
    gram = np.empty((d + 1, d + 1))
    ll = 0.0
    start = b * block_rows
    stop = min(start + block_rows, n)
    for c0 in range(start, stop, chunk_size):
        m = min(chunk_size, stop - c0)
        _load_tile(X, c0, m, xt)
        _log_prob_full_tile(xt, m, means, pt_all, mu_p, log_const_t, lp, top, yt)
        ll += responsibilities_tile(lp, top, m, sample_weight, c0, s, scale)
        _moments_full_tile(xt, m, means, lp, scale, tt, rt, gram, pN, pS1, pS2, b)
    pll[b] = ll


def _em_full(X, sample_weight, means, prec_chol, log_const, N, S1, S2, chunk_size,
             max_blocks, pt_all, mu_p, log_const_t):
    n, d = X.shape
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    pN = np.zeros((n_blocks, k))
    pS1 = np.zeros((n_blocks, k, d))
    pS2 = np.zeros((n_blocks, k, d, d))
    pll = np.zeros(n_blocks)
    for b in prange(n_blocks):
        _em_full_block(np.int64(b), block_rows, X, sample_weight, means, chunk_size, pt_all,
                       mu_p, log_const_t, pN, pS1, pS2, pll)
    return _reduce_full(pN, pS1, pS2, pll, N, S1, S2)


@jit
def _e_full_block(b, block_rows, X, means, chunk_size, pt_all, mu_p, log_const_t, lpn_out,
                  labels_out, resp_out):
    """Block b of the full (or tied) E-step, as :func:`_em_diag_block`."""
    n, d = X.shape
    k = means.shape[0]
    xt = np.zeros((d, chunk_size + TILE_PAD), dtype=X.dtype)
    lp = np.empty((k, chunk_size + TILE_PAD), dtype=X.dtype)
    top = np.empty(chunk_size, dtype=X.dtype)
    s = np.empty(chunk_size)
    yt = np.empty((pt_all.shape[0], chunk_size + TILE_PAD), dtype=X.dtype)
    start = b * block_rows
    stop = min(start + block_rows, n)
    for c0 in range(start, stop, chunk_size):
        m = min(chunk_size, stop - c0)
        _load_tile(X, c0, m, xt)
        _log_prob_full_tile(xt, m, means, pt_all, mu_p, log_const_t, lp, top, yt)
        finish_tile(lp, top, m, c0, s, lpn_out, labels_out, resp_out)


def _e_full(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size,
            max_blocks, pt_all, mu_p, log_const_t):
    n, d = X.shape
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    for b in prange(n_blocks):
        _e_full_block(np.int64(b), block_rows, X, means, chunk_size, pt_all, mu_p,
                      log_const_t, lpn_out, labels_out, resp_out)


@jit
def _e_diag_block(b, block_rows, X, chunk_size, means_t, prec_t, log_const_t, lpn_out,
                  labels_out, resp_out):
    """Block b of the diagonal E-step, as :func:`_em_diag_block`."""
    n, d = X.shape
    k = means_t.shape[0]
    xt = np.empty((d, chunk_size + TILE_PAD), dtype=X.dtype)
    lp = np.empty((k, chunk_size + TILE_PAD), dtype=X.dtype)
    top = np.empty(chunk_size, dtype=X.dtype)
    s = np.empty(chunk_size)
    start = b * block_rows
    stop = min(start + block_rows, n)
    for c0 in range(start, stop, chunk_size):
        m = min(chunk_size, stop - c0)
        _load_tile(X, c0, m, xt)
        _log_prob_diag_tile(xt, m, means_t, prec_t, log_const_t, lp, top)
        finish_tile(lp, top, m, c0, s, lpn_out, labels_out, resp_out)


def _e_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
            max_blocks, means_t, prec_t, log_const_t):
    n, d = X.shape
    k = means.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    for b in prange(n_blocks):
        _e_diag_block(np.int64(b), block_rows, X, chunk_size, means_t, prec_t, log_const_t,
                      lpn_out, labels_out, resp_out)


_em_full_serial, _em_full_parallel = jit_variants(_em_full)
_em_diag_serial, _em_diag_parallel = jit_variants(_em_diag)
_e_full_serial, _e_full_parallel = jit_variants(_e_full)
_e_diag_serial, _e_diag_parallel = jit_variants(_e_diag)


def _tile_terms(X, *params):
    """The parameters as the E-step's tiles use them: in X's dtype (float32 data run
    their log-densities and exps in float32; the statistics stay float64)."""
    return tuple(np.ascontiguousarray(p, dtype=X.dtype) for p in params)


def _gemm_terms(means, prec_chol):
    """[P_1 ... P_k]^T as one (k*d, d) matrix (or the tied (d, d) one), and the rows
    means[c] @ P_c, for the tile matrix product of the full kernels."""
    k, d = means.shape
    if prec_chol.shape[0] == 1:
        pt_all = np.ascontiguousarray(prec_chol[0].T)
        mu_p = means @ prec_chol[0]
    else:
        pt_all = np.ascontiguousarray(prec_chol.transpose(0, 2, 1).reshape(k * d, d))
        mu_p = np.einsum("cf,cfj->cj", means, prec_chol)
    return pt_all, np.ascontiguousarray(mu_p)


def _max_blocks(k, d, full):
    per_block = k * (1 + d + (d * d if full else d)) + 1
    return max(1, min(MAX_BLOCKS, STATS_BUDGET // per_block))


def em_step_full(X, sample_weight, means, prec_chol, log_const, N, S1, S2, chunk_size,
                 parallel=False):
    """One fused EM pass, full or tied; see the reference twin."""
    fn = _em_full_parallel if parallel else _em_full_serial
    k, d = means.shape
    pt_all, mu_p, log_const_t = _tile_terms(X, *_gemm_terms(means, prec_chol), log_const)
    return float(fn(X, sample_weight, means, prec_chol, log_const, N, S1, S2, chunk_size,
                    _max_blocks(k, d, True), pt_all, mu_p, log_const_t))


def em_step_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                 parallel=False):
    """One fused EM pass, diagonal or spherical; see the reference twin."""
    fn = _em_diag_parallel if parallel else _em_diag_serial
    k, d = means.shape
    return float(fn(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                    _max_blocks(k, d, False), *_tile_terms(X, means, prec, log_const)))


def em_step_1d(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
               parallel=False):
    """One fused EM pass, one feature: the diagonal kernel with d = 1 (its tiles put
    rows in the vector lanes, which is what one feature needs)."""
    return em_step_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                        parallel)


def e_step_full(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel=False):
    """E-step only, full or tied; see the reference twin."""
    fn = _e_full_parallel if parallel else _e_full_serial
    pt_all, mu_p, log_const_t = _tile_terms(X, *_gemm_terms(means, prec_chol), log_const)
    fn(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size, MAX_BLOCKS,
       pt_all, mu_p, log_const_t)


def e_step_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel=False):
    """E-step only, diagonal or spherical; see the reference twin."""
    fn = _e_diag_parallel if parallel else _e_diag_serial
    fn(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size, MAX_BLOCKS,
       *_tile_terms(X, means, prec, log_const))


def e_step_1d(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
              parallel=False):
    """E-step only, one feature (the diagonal kernel with d = 1)."""
    e_step_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel)
