"""Binomial mixture kernels, numba. Twin of ``fastem._reference.binomial_mixture``
(same functions, arguments and buffers; see that module for the definitions).

Layout as in the other kernel modules: fixed chunks of ``chunk_size`` rows grouped
into at most ``MAX_BLOCKS`` blocks, ``prange`` over blocks, per-block partial sums
added in block order, so results do not depend on the thread count.
"""

import numpy as np

from .._jit import jit, jit_variants, prange

__all__ = ["em_step", "e_step"]

MAX_BLOCKS = 64
LOG_BATCH = 64  # rows per log call (and at once past 1e250)


# Kept in this module: numba's cache does not see edits to imported helpers.
@jit
def _block_layout(n, chunk_size):
    n_chunks = (n + chunk_size - 1) // chunk_size
    chunks_per_block = (n_chunks + MAX_BLOCKS - 1) // MAX_BLOCKS
    block_rows = chunks_per_block * chunk_size
    return (n + block_rows - 1) // block_rows, block_rows


@jit
def _joint_row(X, n_trials, i, log_w, logp, log1mp, lp):
    """lp[c] = log p(x_i, c) without the binomial coefficient; returns max_c lp[c]."""
    k, d = logp.shape
    ti = i if n_trials.shape[0] > 1 else 0
    per_feature = n_trials.shape[1] > 1
    top = -np.inf
    for c in range(k):
        v = log_w[c]
        for f in range(d):
            x = X[i, f]
            fails = n_trials[ti, f if per_feature else 0] - x
            if x > 0.0:
                v += x * logp[c, f]
            if fails > 0.0:
                v += fails * log1mp[c, f]
        lp[c] = v
        if v > top:
            top = v
    return top


def _em_step(X, n_trials, sample_weight, log_w, logp, log1mp, N, SX, SN, chunk_size):
    n, d = X.shape
    k = log_w.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size)
    pN = np.zeros((n_blocks, k))
    pSX = np.zeros((n_blocks, k, d))
    pSN = np.zeros((n_blocks, k, d))
    pll = np.zeros(n_blocks)
    per_row = n_trials.shape[0] > 1
    per_feature = n_trials.shape[1] > 1
    for b in prange(n_blocks):
        lp = np.empty(k)
        ll = 0.0
        # log(s) of unit-weight rows is taken once per LOG_BATCH rows, on the product
        # of their s (each in [1, k]): fewer log calls, the same sum up to rounding
        s_prod = 1.0
        n_prod = 0
        for i in range(b * block_rows, min((b + 1) * block_rows, n)):
            top = _joint_row(X, n_trials, i, log_w, logp, log1mp, lp)
            w = sample_weight[i]
            if top == -np.inf:  # impossible under every component: no statistics
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
            ti = i if per_row else 0
            for c in range(k):
                r = lp[c] * scale
                if r == 0.0:
                    continue
                pN[b, c] += r
                for f in range(d):
                    pSX[b, c, f] += r * X[i, f]
                    pSN[b, c, f] += r * n_trials[ti, f if per_feature else 0]
        pll[b] = ll + np.log(s_prod)
    N[:] = 0.0
    SX[:, :] = 0.0
    SN[:, :] = 0.0
    total = 0.0
    for b in range(n_blocks):
        total += pll[b]
        for c in range(k):
            N[c] += pN[b, c]
            for f in range(d):
                SX[c, f] += pSX[b, c, f]
                SN[c, f] += pSN[b, c, f]
    return total


def _e_step(X, n_trials, log_w, logp, log1mp, lpn_out, labels_out, resp_out, chunk_size):
    n = X.shape[0]
    k = log_w.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size)
    for b in prange(n_blocks):
        lp = np.empty(k)
        for i in range(b * block_rows, min((b + 1) * block_rows, n)):
            top = _joint_row(X, n_trials, i, log_w, logp, log1mp, lp)
            if labels_out.shape[0] > 0:
                best = 0
                for c in range(1, k):
                    if lp[c] > lp[best]:
                        best = c
                labels_out[i] = best
            if top == -np.inf:  # impossible under every component
                if lpn_out.shape[0] > 0:
                    lpn_out[i] = -np.inf
                if resp_out.shape[0] > 0:
                    for c in range(k):
                        resp_out[i, c] = 0.0
                continue
            s = 0.0
            for c in range(k):
                e = np.exp(lp[c] - top)
                lp[c] = e
                s += e
            if lpn_out.shape[0] > 0:
                lpn_out[i] = top + np.log(s)
            if resp_out.shape[0] > 0:
                for c in range(k):
                    resp_out[i, c] = lp[c] / s


_em_serial, _em_parallel = jit_variants(_em_step)
_e_serial, _e_parallel = jit_variants(_e_step)


def em_step(X, n_trials, sample_weight, log_w, logp, log1mp, N, SX, SN, chunk_size,
            parallel=False):
    """One fused EM pass; see the reference twin."""
    fn = _em_parallel if parallel else _em_serial
    return float(fn(X, n_trials, sample_weight, log_w, logp, log1mp, N, SX, SN, chunk_size))


def e_step(X, n_trials, log_w, logp, log1mp, lpn_out, labels_out, resp_out, chunk_size,
           parallel=False):
    """E-step only; see the reference twin."""
    fn = _e_parallel if parallel else _e_serial
    fn(X, n_trials, log_w, logp, log1mp, lpn_out, labels_out, resp_out, chunk_size)
