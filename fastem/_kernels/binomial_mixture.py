"""Binomial mixture kernels, numba. Twin of ``fastem._reference.binomial_mixture``
(same functions, arguments and buffers; see that module for the definitions).

Layout as in the other kernel modules: fixed chunks of ``chunk_size`` rows grouped
into at most ``MAX_BLOCKS`` blocks, shared out between threads
(``fastem._parallel``), per-block partial sums added in block order, so results do
not depend on the thread count. Each chunk is a
tile (``fastem._kernels._tiles``): log-probabilities component-major with the rows in
the vector lanes, the exps and logs of the whole tile with the kernels' vector math.
"""

import numpy as np

from .._jit import jit
from .._parallel import block_sum, current_threads, run_blocks
from .._validation import readonly
from ._tiles import (ACC_WIDTH, TILE_PAD, finish_tile, lane_dot, responsibilities_tile,
                     row_maxima, tree_sum)

__all__ = ["em_step", "e_step"]

MAX_BLOCKS = 64


def _block_layout(n, chunk_size):
    n_chunks = (n + chunk_size - 1) // chunk_size
    chunks_per_block = max(1, (n_chunks + MAX_BLOCKS - 1) // MAX_BLOCKS)  # 1 for n = 0
    block_rows = chunks_per_block * chunk_size
    return (n + block_rows - 1) // block_rows, block_rows


@jit
def _load_tile(X, n_trials, c0, m, xt, tt):
    """Counts and trials of rows c0..c0+m-1, feature-major, in float64."""
    d = X.shape[1]
    per_row = n_trials.shape[0] > 1
    per_feature = n_trials.shape[1] > 1
    for i in range(m):
        ti = c0 + i if per_row else 0
        for f in range(d):
            xt[f, i] = X[c0 + i, f]
            tt[f, i] = n_trials[ti, f if per_feature else 0]


@jit
def _joint_tile(xt, tt, m, log_w, logp, log1mp, lp, top):
    """lp[c, i] = log p(x_i, c) without the binomial coefficients, top[i] = max_c; a
    term with no successes (or no failures) counts 0 even where its log is -inf."""
    k, d = logp.shape
    for c in range(k):
        lw = log_w[c]
        for i in range(m):
            lp[c, i] = lw
        for f in range(d):
            lq = logp[c, f]
            l1 = log1mp[c, f]
            x = xt[f]
            t = tt[f]
            for i in range(m):
                xi = x[i]
                fails = t[i] - xi
                a = xi * lq if xi > 0.0 else 0.0
                b = fails * l1 if fails > 0.0 else 0.0
                lp[c, i] += a + b
    row_maxima(lp, m, top)


@jit
def _em_blocks(first, last, block_rows, X, n_trials, sample_weight, log_w, logp, log1mp,
               chunk_size, pN, pSX, pSN, pll):
    """Blocks first..last-1 of an EM pass: block b's moments into slot b of the
    partial statistics, its log-likelihood into pll[b]."""
    n, d = X.shape
    k = log_w.shape[0]
    for b in range(first, last):
        xt = np.empty((d, chunk_size + TILE_PAD))
        tt = np.empty((d, chunk_size + TILE_PAD))
        lp = np.empty((k, chunk_size + TILE_PAD))
        top = np.empty(chunk_size)
        s = np.empty(chunk_size)
        scale = np.empty(chunk_size)
        acc = np.empty(max(chunk_size, ACC_WIDTH))
        ll = 0.0
        start = b * block_rows
        stop = min(start + block_rows, n)
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _load_tile(X, n_trials, c0, m, xt, tt)
            _joint_tile(xt, tt, m, log_w, logp, log1mp, lp, top)
            ll += responsibilities_tile(lp, top, m, sample_weight, c0, s, scale)
            for c in range(k):
                r = lp[c]
                for i in range(m):
                    r[i] *= scale[i]  # responsibilities times weights
                for i in range(m):
                    acc[i] = r[i]
                pN[b, c] += tree_sum(acc, m)
                for f in range(d):
                    pSX[b, c, f] += lane_dot(r, xt[f], m, acc)
                    pSN[b, c, f] += lane_dot(r, tt[f], m, acc)
        pll[b] = ll


@jit
def _e_blocks(first, last, block_rows, X, n_trials, log_w, logp, log1mp, lpn_out, labels_out,
              resp_out, chunk_size):
    """Blocks first..last-1 of an E-step: the outputs asked for, for their rows."""
    n, d = X.shape
    k = log_w.shape[0]
    for b in range(first, last):
        xt = np.empty((d, chunk_size + TILE_PAD))
        tt = np.empty((d, chunk_size + TILE_PAD))
        lp = np.empty((k, chunk_size + TILE_PAD))
        top = np.empty(chunk_size)
        s = np.empty(chunk_size)
        start = b * block_rows
        stop = min(start + block_rows, n)
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _load_tile(X, n_trials, c0, m, xt, tt)
            _joint_tile(xt, tt, m, log_w, logp, log1mp, lp, top)
            finish_tile(lp, top, m, c0, s, lpn_out, labels_out, resp_out)


def em_step(X, n_trials, sample_weight, log_w, logp, log1mp, N, SX, SN, chunk_size,
            parallel=False):
    """One fused EM pass; see the reference twin."""
    (n, d), k = X.shape, log_w.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size)
    pN, pll = np.zeros((n_blocks, k)), np.zeros(n_blocks)
    pSX, pSN = np.zeros((n_blocks, k, d)), np.zeros((n_blocks, k, d))
    run_blocks(_em_blocks, n_blocks,
               (block_rows, readonly(X), readonly(n_trials), readonly(sample_weight), log_w,
                logp, log1mp, chunk_size, pN, pSX, pSN, pll),
               current_threads() if parallel else 1)
    N[:] = block_sum(pN)
    SX[:] = block_sum(pSX)
    SN[:] = block_sum(pSN)
    return float(block_sum(pll))


def e_step(X, n_trials, log_w, logp, log1mp, lpn_out, labels_out, resp_out, chunk_size,
           parallel=False):
    """E-step only; see the reference twin."""
    n_blocks, block_rows = _block_layout(X.shape[0], chunk_size)
    run_blocks(_e_blocks, n_blocks,
               (block_rows, readonly(X), readonly(n_trials), log_w, logp, log1mp, lpn_out,
                labels_out, resp_out, chunk_size),
               current_threads() if parallel else 1)
