"""Tile helpers shared by the mixture kernels: a tile is a chunk of rows laid out
component-major, ``lp[c, i]`` for component c and row i, so that every loop runs over
the rows innermost and the vector lanes hold rows.

A tile and its row maxima ``top`` are in the data's dtype: float32 data get float32
log-densities and float32 exps (twice the lanes per vector); the sums of exps ``s``,
the per-row factors and the log-likelihood are float64 whatever the data.

- :func:`responsibilities_tile`: the exps of a tile of log-densities (less each row's
  maximum), their sums, the per-row factors ``w / s`` and the tile's log-likelihood;
- :func:`finish_tile`: the E-step outputs (log-density, label, responsibilities);
- :func:`tree_sum`: a sum over rows that vectorises without reassociation.

Like ``_vmath``, this module's source is part of every kernel's cache name
(``fastem._jit``), so that editing it recompiles the kernels that import it.
"""

import numpy as np

from .._jit import jit
from ._vmath import log64, vexp

__all__ = ["LANES", "ACC_WIDTH", "TILE_PAD", "log_densities", "row_maxima", "exp_tile",
           "responsibilities_tile", "finish_tile", "tree_sum", "lane_dot", "reduce_moments"]

LANES = 8  # partial sums left by a pairwise fold (see tree_sum)
# Columns added to every tile buffer past chunk_size: with 256-row chunks a tile's rows
# would sit 2 KiB apart, and copying a chunk in (one write per feature row) then
# hits the same cache sets d times over; at d = 32 the copy took longer than the
# rest of the diagonal E-step.
TILE_PAD = 8


@jit(inline=True)
def log_densities(lp, log_const, m, top):
    """lp[c, i] <- log_const[c] - lp[c, i] / 2, from the squared Mahalanobis distances
    the kernel accumulated in lp, and top[i] = max_c lp[c, i]; log_const in the tile's
    dtype (a float32 half, which keeps float32 tiles in float32 and is exact in
    float64)."""
    k = lp.shape[0]
    for c in range(k):
        lc = log_const[c]
        for i in range(m):
            lp[c, i] = lc - np.float32(0.5) * lp[c, i]
    row_maxima(lp, m, top)


@jit(inline=True)
def row_maxima(lp, m, top):
    """top[i] = max_c lp[c, i] over the tile's rows."""
    k = lp.shape[0]
    for i in range(m):
        top[i] = lp[0, i]
    for c in range(1, k):
        for i in range(m):
            top[i] = max(top[i], lp[c, i])


@jit(inline=True)
def exp_tile(lp, top, m, s):
    """lp[c, i] <- exp(lp[c, i] - top[i]), the tile's exps in one pass, and s[i] their
    sum over components; a row of density 0 (top -inf) gets exps 0 and s 0."""
    k = lp.shape[0]
    for i in range(m):
        s[i] = 0.0
        top[i] = top[i] if top[i] > -np.inf else 0.0  # density 0: exps of -inf are 0
    for c in range(k):
        for i in range(m):
            e = vexp(lp[c, i] - top[i])
            lp[c, i] = e
            s[i] += e


@jit
def responsibilities_tile(lp, top, m, w, c0, s, scale):
    """lp[c, i] <- exp(lp[c, i] - top[i]) (the tile's exps in one pass), s[i] their
    sum over components, scale[i] = w_i / s[i] (0 for a row of density 0). Returns the
    tile's weighted log-likelihood (-inf if a row of positive weight has density 0),
    in float64. ``s`` (float64) is overwritten with each row's term of it."""
    exp_tile(lp, top, m, s)
    for i in range(m):
        wi = w[c0 + i]
        si = s[i]
        live = si > 0.0
        scale[i] = wi / si if live else 0.0
        term = wi * (top[i] + log64(si)) if live else 0.0
        s[i] = -np.inf if (wi > 0.0 and not live) else term
    return tree_sum(s, m)



@jit(inline=True)
def tree_sum(v, m):
    """sum(v[:m]) by pairwise folding (v[:m] is overwritten): the upper half is added
    onto the lower half, elementwise, until LANES partial sums are left, which are
    added in order. Each fold is an elementwise vector addition, so the sum vectorises
    without reassociation, and its rounding depends on m only (not on alignment or on
    the thread count); pairwise, it is also more accurate than a running sum."""
    n = m
    while n > LANES:
        h = (n + 1) // 2
        for i in range(n - h):
            v[i] += v[h + i]
        n = h
    total = 0.0
    for i in range(n):
        total += v[i]
    return total



@jit
def finish_tile(lp, top, m, c0, s, lpn_out, labels_out, resp_out):
    """The E-step outputs that were asked for (non-empty buffers) of the tile's rows
    c0..c0+m-1, from the log-densities lp (k, chunk) and their row maxima."""
    k = lp.shape[0]
    if labels_out.shape[0] > 0:
        for i in range(m):
            best = 0
            for c in range(1, k):
                if lp[c, i] > lp[best, i]:
                    best = c
            labels_out[c0 + i] = best
    if lpn_out.shape[0] == 0 and resp_out.shape[0] == 0:
        return
    exp_tile(lp, top, m, s)
    if lpn_out.shape[0] > 0:
        for i in range(m):
            lpn_out[c0 + i] = top[i] + log64(s[i]) if s[i] > 0.0 else -np.inf
    if resp_out.shape[0] > 0:
        for i in range(m):
            inv = 1.0 / s[i] if s[i] > 0.0 else 0.0
            for c in range(k):
                resp_out[c0 + i, c] = lp[c, i] * inv


ACC_WIDTH = 32  # running partial sums of lane_dot


@jit
def lane_dot(a, b, m, acc):
    """sum(a[:m] * b[:m]): the rows are added elementwise onto ACC_WIDTH running partial
    sums (row i onto lane i % ACC_WIDTH), which are then folded by :func:`tree_sum`;
    both steps vectorise without reassociation, and the order of the additions depends
    on m only. ``acc`` is scratch of at least ACC_WIDTH values."""
    m_w = m - m % ACC_WIDTH
    for j in range(ACC_WIDTH):
        acc[j] = 0.0
    for i0 in range(0, m_w, ACC_WIDTH):
        for j in range(ACC_WIDTH):
            acc[j] += a[i0 + j] * b[i0 + j]
    tail = 0.0
    for i in range(m_w, m):
        tail += a[i] * b[i]
    return tree_sum(acc, ACC_WIDTH) + tail


@jit
def reduce_moments(pN, pS1, pS2, pll, N, S1, S2):
    """N, S1, S2 <- the blocks' partial statistics, (n_blocks, k), (n_blocks, k, d) and
    (n_blocks, k, d), added in block order; returns the blocks' log-likelihoods pll
    added likewise."""
    n_blocks, k, d = pS1.shape
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
