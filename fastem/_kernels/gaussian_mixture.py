"""Gaussian mixture kernels, numba. Twin of ``fastem._reference.gaussian_mixture``
(same functions, arguments and buffers; see that module for the definitions).

Layout as in ``fastem._kernels.kmeans``: fixed chunks of ``chunk_size`` rows, grouped
into blocks; one partial-statistics slot per block, added in block order afterwards.
Each pass is one *blocks* function (``_pass_full_blocks(first, last, ...)``): the
serial pass runs it over every block, the parallel one runs it on several threads
(``fastem._parallel.run_blocks``), so both run one machine code. The E-step and the
EM pass are the same function too (``em``): a fit and its predictions compile one
pass. The number of blocks is capped so that the partial statistics stay within
``STATS_BUDGET`` float64 values: memory does not grow with n_samples, and the layout
depends only on (n, chunk_size, k, d), never on threads.
"""

import numpy as np

from .._jit import jit
from .._parallel import block_sum, current_threads, run_blocks
from .._validation import readonly, writeable
from ._tiles import (TILE_PAD, exp_tile, finish_tile, log_densities,
                     responsibilities_tile, tree_sum)
from ._vmath import log64

__all__ = ["em_step_full", "em_step_diag", "em_step_1d",
           "e_step_full", "e_step_diag", "e_step_1d", "em_step_missing", "e_step_missing",
           "em_step_diag_missing"]

MAX_BLOCKS = 64
STATS_BUDGET = 1 << 21
ACC_WIDTH = 32  # running partial sums per reduction over the rows of a tile


# Helpers live in this module (not a shared one): numba's cache does not notice
# edits to helpers imported from another module.
def _block_layout(n, chunk_size, max_blocks):
    n_chunks = (n + chunk_size - 1) // chunk_size
    chunks_per_block = max(1, (n_chunks + max_blocks - 1) // max_blocks)  # 1 for n = 0
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
def _pass_diag_blocks(first, last, block_rows, X, sample_weight, means, chunk_size, means_t,
                      prec_t, log_const_t, em, pN, pS1, pS2, pll, lpn_out, labels_out,
                      resp_out):
    """Blocks first..last-1 of the diagonal pass. With ``em``, the E- and M-step moments
    of block b's rows go into slot b of the partial statistics and its log-likelihood
    into pll[b]; without, the E-step outputs asked for (non-empty buffers) are written
    for its rows."""
    n, d = X.shape
    k = means.shape[0]
    xt = np.empty((d, chunk_size + TILE_PAD), dtype=X.dtype)
    lp = np.empty((k, chunk_size + TILE_PAD), dtype=X.dtype)
    top = np.empty(chunk_size, dtype=X.dtype)
    s = np.empty(chunk_size)
    scale = np.empty(chunk_size)
    acc = np.empty((2, max(chunk_size, ACC_WIDTH)))
    for b in range(first, last):
        ll = 0.0
        start = b * block_rows
        stop = min(start + block_rows, n)
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _load_tile(X, c0, m, xt)
            _log_prob_diag_tile(xt, m, means_t, prec_t, log_const_t, lp, top)
            if em:
                ll += responsibilities_tile(lp, top, m, sample_weight, c0, s, scale)
                _moments_diag_tile(xt, m, means, lp, scale, acc, pN, pS1, pS2, b)
            else:
                finish_tile(lp, top, m, c0, s, lpn_out, labels_out, resp_out)
        if em:
            pll[b] = ll


@jit(inline=True)
def _squared_residuals(lp, c, Y, row0, n_rows, shift, m):
    """lp[c, i] = sum over j < n_rows of (Y[row0 + j, i] - shift[c, j])**2, the rows i
    of the tile in the vector lanes: the squared Mahalanobis distances from the
    whitened rows Y."""
    for i in range(m):
        lp[c, i] = 0.0
    for j in range(n_rows):
        mj = shift[c, j]
        y = Y[row0 + j]
        for i in range(m):
            t = y[i] - mj
            lp[c, i] += t * t


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
    for c in range(k):
        _squared_residuals(lp, c, yt, 0 if tied else c * d, d, mu_p, m)
    log_densities(lp, log_const, m, top)


@jit(inline=True)
def _add_gram(gram, b, c, pN, pS1, pS2):
    """Add component c's moments from the (d + 1) x (d + 1) product
    [r (x - mu); r] @ [x - mu; 1]^T to block b's partial statistics: the weight in
    the corner, the first moments in the last column, the second moments above."""
    d = gram.shape[0] - 1
    pN[b, c] += gram[d, d]
    for f in range(d):
        pS1[b, c, f] += gram[f, d]
        for g in range(d):
            pS2[b, c, f, g] += gram[f, g]


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
        _add_gram(gram, b, c, pN, pS1, pS2)


@jit
def _pass_full_blocks(first, last, block_rows, X, sample_weight, means, chunk_size, pt_all,
                      mu_p, log_const_t, em, pN, pS1, pS2, pll, lpn_out, labels_out,
                      resp_out):
    """Blocks first..last-1 of the full (or tied) pass, as :func:`_pass_diag_blocks`."""
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
    for b in range(first, last):
        ll = 0.0
        start = b * block_rows
        stop = min(start + block_rows, n)
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _load_tile(X, c0, m, xt)
            _log_prob_full_tile(xt, m, means, pt_all, mu_p, log_const_t, lp, top, yt)
            if em:
                ll += responsibilities_tile(lp, top, m, sample_weight, c0, s, scale)
                _moments_full_tile(xt, m, means, lp, scale, tt, rt, gram, pN, pS1, pS2, b)
            else:
                finish_tile(lp, top, m, c0, s, lpn_out, labels_out, resp_out)
        if em:
            pll[b] = ll


def _blocked_pass(blocks, parallel, N, S1, S2, max_blocks, X, sample_weight, means, chunk_size,
                  *tile_args, em, outputs):
    """Run a pass over X in its block layout (see the module docstring): ``blocks``
    over all of them, on one thread or several, then, for an EM pass, add the partial
    statistics into N, S1, S2 in block order and return the log-likelihood."""
    n = X.shape[0]
    k, d = means.shape
    n_blocks, block_rows = _block_layout(n, chunk_size, max_blocks)
    slots = n_blocks if em else 0
    pN = np.zeros((slots, k))
    pS1 = np.zeros((slots, k, d))
    pS2 = np.zeros((slots,) + S2.shape)
    pll = np.zeros(slots)
    args = (block_rows, X, sample_weight, means, chunk_size, *tile_args, em, pN, pS1, pS2,
            pll, *outputs)
    run_blocks(blocks, n_blocks, args, current_threads() if parallel else 1)
    if not em:
        return 0.0
    return _add_moments(pN, pS1, pS2, pll, N, S1, S2)


def _add_moments(pN, pS1, pS2, pll, N, S1, S2):
    """N, S1, S2 <- the blocks' partial statistics added in block order (second
    moments (k, d) or (k, d, d): of the latter the upper halves, mirrored, so that they
    are exactly symmetric); returns the blocks' log-likelihoods added likewise."""
    N[:] = block_sum(pN)
    S1[:] = block_sum(pS1)
    S2[:] = block_sum(pS2)
    if S2.ndim == 3:
        lower = np.tril_indices(S2.shape[1], -1)
        S2[:, lower[0], lower[1]] = S2[:, lower[1], lower[0]]
    return float(block_sum(pll))


# ------------------------------------------------------------- missing values
# See the reference twin for the definitions. Per (pattern, component), with O the
# observed and M the missing coordinates: L L^T = S_OO (Cholesky), and the d x o matrix
# G_c = [L^-1; S_MO S_OO^-1] maps a centred observed block to the whitened residuals
# (first o rows) and the conditional means of the missing coordinates less mu_M (the
# last d - o). The k matrices are stacked, so that one matrix product per segment of
# rows (BLAS) gives both for every component, with the rows along the second axis.

_LOG_2PI_K = np.log(2.0 * np.pi)
# Segments of fewer rows than this multiply by plain loops: a BLAS call costs more than
# the product itself when a pattern has a handful of rows (many patterns at d >= 16).
SMALL_SEGMENT = 16


@jit
def _matmul_small(A, B, out):
    """out = A @ B by loops, rows of B innermost."""
    n_r, n_in = A.shape
    m = B.shape[1]
    for r in range(n_r):
        for i in range(m):
            out[r, i] = 0.0
        for j in range(n_in):
            a = A[r, j]
            b = B[j]
            for i in range(m):
                out[r, i] += a * b[i]


@jit
def _gram_small(R, T, out):
    """out = R @ T.T by loops (R, T: (d + 1, m))."""
    n_r, m = R.shape
    for f in range(n_r):
        rf = R[f]
        for g in range(n_r):
            tg = T[g]
            acc = 0.0
            for i in range(m):
                acc += rf[i] * tg[i]
            out[f, g] = acc


@jit
def _cholesky_and_inverse(A, n, L, Li):
    """L L^T = A[:n, :n] (lower triangular) and Li = L^-1 (forward substitution);
    returns log det L. A non-positive pivot gives NaN (the covariances are positive
    definite, so their blocks are)."""
    logdet = 0.0
    for j in range(n):
        for i in range(j + 1):
            acc = A[j, i]
            for l in range(i):
                acc -= L[j, l] * L[i, l]
            if i == j:
                L[j, j] = np.sqrt(acc) if acc > 0.0 else np.nan
            else:
                L[j, i] = acc / L[i, i]
        logdet += np.log(L[j, j])
    for j in range(n):
        for i in range(n):
            Li[j, i] = 0.0
        Li[j, j] = 1.0 / L[j, j]
        for i in range(j):
            acc = 0.0
            for l in range(i, j):
                acc -= L[j, l] * Li[l, i]
            Li[j, i] = acc / L[j, j]
    return logdet


@jit
def _pattern_factors(X, row0, means, cov, prec, log_w, center, obs, mis, gbuf, goff,
                     lconst, cond, work):
    """The factors of the pattern of row ``row0`` of X: the obs (o,) and mis (q,)
    indices; per component c a (w + q) x o block G_c of gbuf (rows c (w + q) ...),
    whose first w rows whiten the centred observed coordinates (the squared norm of
    their product is the Mahalanobis distance of x_O) and last q rows give the
    conditional means of the missing coordinates less mu_M;
    goff[c, r] = G_c[r] @ (mu_c,O - center_O); lconst[c] = log w_c - log det(S_OO)/2
    - o/2 log 2 pi; cond[c, :q, :q] the conditional covariances of the missing block.
    Returns (o, w). ``work``: (4, d, d) scratch.

    Two factorisations give the same numbers, and the cheaper is taken: from the
    covariance, the Cholesky factor of S_OO (w = o rows: L^-1); from the precision
    P P^T = S^-1 (``prec``, upper triangular), the Cholesky factor of its missing
    block, Lambda_MM = Cov[x_M | x_O]^-1, whose cost grows with q, not o (w = d rows:
    P^T applied to the completed row)."""
    k, d = means.shape
    o = 0
    q = 0
    for f in range(d):
        if np.isnan(X[row0, f]):
            mis[q] = f
            q += 1
        else:
            obs[o] = f
            o += 1
    # multiply-adds of the two ways, per component
    by_cov = o * o * o // 3 + q * o * o + q * q * o
    by_prec = q * q * q // 3 + q * q * d + q * o * d + d * o * q // 2 + d * o
    use_prec = q > 0 and by_prec < by_cov
    w = d if use_prec else o
    h = w + q
    G = gbuf[:k * h * o].reshape((k * h, o))
    L = work[0]
    Li = work[1]
    T = work[2]
    A = work[3]
    for c in range(k):
        base = c * h
        if use_prec:
            P = prec[0] if prec.shape[0] == 1 else prec[c]
            logdet = 0.0  # log det S_OO / 2 = log det R - log det P, R R^T = Lambda_MM
            for r in range(d):
                logdet -= np.log(P[r, r])
            # T[a, j] = Lambda_MO, L = chol(Lambda_MM), both from rows of P
            for a in range(q):
                pa = P[mis[a]]
                for j in range(o):
                    pj = P[obs[j]]
                    acc = 0.0
                    for r in range(max(mis[a], obs[j]), d):
                        acc += pa[r] * pj[r]
                    T[a, j] = acc
            for a in range(q):
                for b2 in range(a + 1):
                    pa = P[mis[a]]
                    pb = P[mis[b2]]
                    acc = 0.0
                    for r in range(max(mis[a], mis[b2]), d):
                        acc += pa[r] * pb[r]
                    A[a, b2] = acc
            # L L^T = Lambda_MM, Li = L^-1; cond = Lambda_MM^-1 = Li^T Li;
            # B = -Lambda_MM^-1 Lambda_MO
            logdet += _cholesky_and_inverse(A, q, L, Li)
            for a in range(q):
                for a2 in range(q):
                    acc = 0.0
                    for l in range(max(a, a2), q):
                        acc += Li[l, a] * Li[l, a2]
                    cond[c, a, a2] = acc
            for a in range(q):
                for j in range(o):
                    acc = 0.0
                    for a2 in range(q):
                        acc -= cond[c, a, a2] * T[a2, j]
                    G[base + d + a, j] = acc
            # whitening rows: (P^T z)[r] with z_O = x_O - mu_O, z_M = B (x_O - mu_O)
            for r in range(d):
                for j in range(o):
                    G[base + r, j] = P[obs[j], r]
            for a in range(q):
                pa = P[mis[a]]
                for r in range(mis[a], d):
                    u = pa[r]
                    for j in range(o):
                        G[base + r, j] += u * G[base + d + a, j]
        else:
            S = cov[0] if cov.shape[0] == 1 else cov[c]
            # L L^T = S_OO, Li = L^-1
            for j in range(o):
                for i in range(j + 1):
                    A[j, i] = S[obs[j], obs[i]]
            logdet = _cholesky_and_inverse(A, o, L, Li)
            # T = S_MO L^-T (q x o): B = S_MO S_OO^-1 = T L^-1, cond = S_MM - T T^T
            for a in range(q):
                for j in range(o):
                    acc = 0.0
                    for l in range(j + 1):
                        acc += S[mis[a], obs[l]] * Li[j, l]
                    T[a, j] = acc
            for j in range(o):
                for f in range(o):
                    G[base + j, f] = Li[j, f]
            for a in range(q):
                for f in range(o):
                    acc = 0.0
                    for j in range(f, o):
                        acc += T[a, j] * Li[j, f]
                    G[base + o + a, f] = acc
                for a2 in range(q):
                    acc = S[mis[a], mis[a2]]
                    for j in range(o):
                        acc -= T[a, j] * T[a2, j]
                    cond[c, a, a2] = acc
        for r in range(h):
            acc = 0.0
            for f in range(o):
                acc += G[base + r, f] * (means[c, obs[f]] - center[obs[f]])
            goff[c, r] = acc
        lconst[c] = log_w[c] - logdet - 0.5 * o * _LOG_2PI_K
    return o, w


@jit
def _missing_blocks(first, last, X, sample_weight, means, cov, prec, log_w, center, order,
                    seg_start, seg_pattern, block_seg, chunk_size, em, pN, pS1, pS2, pll,
                    lpn_out, labels_out, resp_out, imputed_out):
    """Blocks first..last-1 of the missing-value pass: block b's EM statistics into slot
    b of the partial statistics (``em``), or the E-step outputs of its rows."""
    k, d = means.shape
    obs = np.empty(d, dtype=np.int64)
    mis = np.empty(d, dtype=np.int64)
    gbuf = np.empty(k * 2 * d * d)
    goff = np.empty((k, 2 * d))
    lconst = np.empty(k)
    cond = np.empty((k, d, d))
    work = np.empty((4, d, d))
    xbuf = np.empty(d * chunk_size)
    ybuf = np.empty(k * 2 * d * chunk_size)
    lp = np.empty((k, chunk_size + TILE_PAD))
    top = np.empty(chunk_size)
    s = np.empty(chunk_size)
    scale = np.empty(chunk_size)
    wseg = np.empty(chunk_size)
    tbuf = np.empty((d + 1) * chunk_size)
    rbuf = np.empty((d + 1) * chunk_size)
    gram = np.empty((d + 1, d + 1))
    for b in range(first, last):
        ll = 0.0
        o = 0
        q = 0
        nw = 0
        h = 0
        prev = -1
        for sg in range(block_seg[b], block_seg[b + 1]):
            if seg_pattern[sg] != prev:
                prev = seg_pattern[sg]
                o, nw = _pattern_factors(X, order[seg_start[sg]], means, cov, prec, log_w,
                                         center, obs, mis, gbuf, goff, lconst, cond, work)
                q = d - o
                h = nw + q
            r0 = seg_start[sg]
            m = seg_start[sg + 1] - r0
            Y = ybuf[:k * h * m].reshape((k * h, m))
            xt = xbuf[:o * m].reshape((o, m))
            if o > 0:
                for i in range(m):  # one row of X at a time
                    row = order[r0 + i]
                    for f in range(o):
                        xt[f, i] = X[row, obs[f]] - center[obs[f]]
                G = gbuf[:k * h * o].reshape((k * h, o))
                if m < SMALL_SEGMENT:
                    _matmul_small(G, xt, Y)
                else:
                    np.dot(G, xt, Y)
            else:
                Y[:, :] = 0.0
            for c in range(k):
                _squared_residuals(lp, c, Y, c * h, nw, goff, m)
            log_densities(lp, lconst, m, top)
            if not em:
                for i in range(m):
                    row = order[r0 + i]
                    if labels_out.shape[0] > 0:
                        best = 0
                        for c in range(1, k):
                            if lp[c, i] > lp[best, i]:
                                best = c
                        labels_out[row] = best
                if lpn_out.shape[0] == 0 and resp_out.shape[0] == 0 and imputed_out.shape[0] == 0:
                    continue
                exp_tile(lp, top, m, s)
                for i in range(m):
                    row = order[r0 + i]
                    inv = 1.0 / s[i] if s[i] > 0.0 else 0.0
                    if lpn_out.shape[0] > 0:
                        lpn_out[row] = top[i] + log64(s[i]) if s[i] > 0.0 else -np.inf
                        if o == 0:
                            lpn_out[row] = 0.0  # nothing observed: density 1, exactly
                    if resp_out.shape[0] > 0:
                        for c in range(k):
                            resp_out[row, c] = lp[c, i] * inv
                    if imputed_out.shape[0] > 0:
                        for f in range(o):
                            imputed_out[row, obs[f]] = X[row, obs[f]]
                        for a in range(q):
                            f = mis[a]
                            acc = 0.0
                            for c in range(k):
                                acc += lp[c, i] * inv * (means[c, f] + Y[c * h + nw + a, i]
                                                         - goff[c, nw + a])
                            imputed_out[row, f] = acc
                continue
            for i in range(m):
                wseg[i] = sample_weight[order[r0 + i]]
            ll += responsibilities_tile(lp, top, m, wseg, 0, s, scale)
            tt = tbuf[:(d + 1) * m].reshape((d + 1, m))
            rt = rbuf[:(d + 1) * m].reshape((d + 1, m))
            for i in range(m):
                tt[d, i] = 1.0
            for c in range(k):
                r = lp[c]
                for i in range(m):
                    r[i] *= scale[i]  # responsibilities times weights
                    rt[d, i] = r[i]
                for j in range(o):
                    f = obs[j]
                    shift = center[f] - means[c, f]
                    x = xt[j]
                    for i in range(m):
                        tt[f, i] = x[i] + shift
                for a in range(q):
                    f = mis[a]
                    y = Y[c * h + nw + a]
                    ga = goff[c, nw + a]
                    for i in range(m):
                        tt[f, i] = y[i] - ga
                for f in range(d):
                    t = tt[f]
                    v = rt[f]
                    for i in range(m):
                        v[i] = r[i] * t[i] if r[i] > 0.0 else 0.0  # no 0 * inf from far rows
                if m < SMALL_SEGMENT:
                    _gram_small(rt, tt, gram)
                else:
                    np.dot(rt, tt.T, gram)
                _add_gram(gram, b, c, pN, pS1, pS2)
                for a in range(q):
                    for a2 in range(q):
                        pS2[b, c, mis[a], mis[a2]] += gram[d, d] * cond[c, a, a2]
        if em:
            pll[b] = ll


def _missing_pass(X, sample_weight, means, cov, log_w, order, seg_start, seg_pattern,
                  block_seg, em, N, S1, S2, outputs, parallel):
    """The missing-value pass over its blocks (one per run of segments, ``block_seg``),
    on one thread or several; for an EM pass, the statistics added in block order into
    N, S1, S2, and the log-likelihood returned."""
    k, d = means.shape
    means, cov, log_w = writeable(means), writeable(cov), writeable(log_w)
    center = np.ascontiguousarray(means.mean(axis=0))  # less cancellation in G @ x
    n_blocks = block_seg.shape[0] - 1
    slots = n_blocks if em else 0
    pN, pS1 = np.zeros((slots, k)), np.zeros((slots, k, d))
    pS2, pll = np.zeros((slots, k, d, d)), np.zeros(slots)
    args = (readonly(X), readonly(sample_weight), means, cov, _upper_precision(cov), log_w,
            center, order, seg_start, seg_pattern, block_seg, _segment_rows(seg_start), em,
            pN, pS1, pS2, pll, *outputs)
    run_blocks(_missing_blocks, n_blocks, args, current_threads() if parallel else 1)
    if not em:
        return 0.0
    return _add_moments(pN, pS1, pS2, pll, N, S1, S2)


@jit
def _log_prob_diag_tile_masked(xt, m, means, prec, log_const, back2, lp, top):
    """As :func:`_log_prob_diag_tile`, NaN entries missing: a missing coordinate adds
    back2[c, f] = 2 log prec - log(2 pi) to the squared distance, which takes its
    factor back out of log_const (a select, so the lanes keep running over rows)."""
    k, d = means.shape
    for c in range(k):
        for i in range(m):
            lp[c, i] = 0.0
        for f in range(d):
            mu = means[c, f]
            pf = prec[c, f]
            bf = back2[c, f]
            for i in range(m):
                x = xt[f, i]
                t = (x - mu) * pf
                lp[c, i] += t * t if x == x else bf
    log_densities(lp, log_const, m, top)


@jit
def _moments_diag_tile_masked(xt, m, means, var, lp, scale, acc, pN, pS1, pS2, b):
    """As :func:`_moments_diag_tile`, NaN entries missing: a missing coordinate counts
    at the component's mean (0 in S1) and adds its variance var[c, f] to S2."""
    k, d = means.shape
    a1 = acc[0]
    a2 = acc[1]
    m_w = m - m % ACC_WIDTH
    for c in range(k):
        r = lp[c]
        for i in range(m):
            r[i] *= scale[i]
        for i in range(m):
            a1[i] = r[i]
        pN[b, c] += tree_sum(a1, m)
        for f in range(d):
            mu = means[c, f]
            vf = var[c, f]
            x = xt[f]
            for j in range(ACC_WIDTH):
                a1[j] = 0.0
                a2[j] = 0.0
            for i0 in range(0, m_w, ACC_WIDTH):
                for j in range(ACC_WIDTH):
                    ri = r[i0 + j]
                    xi = x[i0 + j]
                    t = xi - mu
                    seen = xi == xi
                    v = ri * t if (ri > 0.0 and seen) else 0.0
                    a1[j] += v
                    a2[j] += v * t if seen else ri * vf
            s1 = 0.0
            s2 = 0.0
            for i in range(m_w, m):
                ri = r[i]
                xi = x[i]
                t = xi - mu
                seen = xi == xi
                v = ri * t if (ri > 0.0 and seen) else 0.0
                s1 += v
                s2 += v * t if seen else ri * vf
            pS1[b, c, f] += tree_sum(a1, ACC_WIDTH) + s1
            pS2[b, c, f] += tree_sum(a2, ACC_WIDTH) + s2


@jit
def _masked_blocks(first, last, block_rows, X, sample_weight, means, chunk_size, var,
                   means_t, prec_t, log_const_t, back2_t, em, pN, pS1, pS2, pll, lpn_out,
                   labels_out, resp_out):
    """Blocks first..last-1 of the diagonal EM pass with missing entries, as
    :func:`_pass_diag_blocks` (an EM pass only: its E-step is the missing-value
    kernel's)."""
    n, d = X.shape
    k = means.shape[0]
    xt = np.empty((d, chunk_size + TILE_PAD), dtype=X.dtype)
    lp = np.empty((k, chunk_size + TILE_PAD), dtype=X.dtype)
    top = np.empty(chunk_size, dtype=X.dtype)
    s = np.empty(chunk_size)
    scale = np.empty(chunk_size)
    acc = np.empty((2, max(chunk_size, ACC_WIDTH)))
    for b in range(first, last):
        ll = 0.0
        start = b * block_rows
        stop = min(start + block_rows, n)
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _load_tile(X, c0, m, xt)
            _log_prob_diag_tile_masked(xt, m, means_t, prec_t, log_const_t, back2_t, lp,
                                       top)
            ll += responsibilities_tile(lp, top, m, sample_weight, c0, s, scale)
            _moments_diag_tile_masked(xt, m, means, var, lp, scale, acc, pN, pS1, pS2, b)
        pll[b] = ll




def _upper_precision(cov):
    """Upper-triangular P with P P^T = inverse of each covariance (k or 1, d, d)."""
    L = np.linalg.cholesky(cov)
    return np.ascontiguousarray(np.tril(np.linalg.inv(L)).transpose(0, 2, 1))


def _segment_rows(seg_start):
    return max(1, int(np.diff(seg_start).max())) if seg_start.shape[0] > 1 else 1


def em_step_missing(X, sample_weight, means, cov, log_weights, order, seg_start,
                    seg_pattern, block_seg, N, S1, S2, parallel=False):
    """One fused EM pass over the rows in ``order``, NaN entries missing; see the
    reference twin."""
    return _missing_pass(X, sample_weight, means, cov, log_weights, order, seg_start,
                         seg_pattern, block_seg, True, N, S1, S2,
                         (_EMPTY_F, _EMPTY_I, _EMPTY_R, _EMPTY_R), parallel)


def e_step_missing(X, means, cov, log_weights, order, seg_start, seg_pattern, block_seg,
                   lpn_out, labels_out, resp_out, imputed_out, parallel=False):
    """E-step only over the rows in ``order``, NaN entries missing; see the reference
    twin."""
    _missing_pass(X, _EMPTY_RO, means, cov, log_weights, order, seg_start, seg_pattern,
                  block_seg, False, None, None, None,
                  (lpn_out, labels_out, resp_out, imputed_out), parallel)


_EMPTY_F = np.empty(0)
_EMPTY_RO = readonly(np.empty(0))  # no weights: read-only, as the weights always are
_EMPTY_I = np.empty(0, dtype=np.int64)
_EMPTY_R = np.empty((0, 0))
# What the shared E / EM kernels are given for the buffers a pass does not use: arrays
# of the types the other pass passes, so that both run the same machine code.
_NO_STATS_FULL = (np.empty(0), np.empty((0, 0)), np.empty((0, 0, 0)))
_NO_STATS_DIAG = (np.empty(0), np.empty((0, 0)), np.empty((0, 0)))


def _no_outputs(X):
    """Empty E-step outputs (log-density, label and responsibility buffers)."""
    return np.empty(0), _EMPTY_I, np.empty((0, 0), dtype=X.dtype)


def _tile_terms(X, *params):
    """The parameters as the E-step's tiles use them: in X's dtype (float32 data run
    their log-densities and exps in float32; the statistics stay float64), writeable
    and C-contiguous (one argument type whatever form they came in)."""
    return tuple(writeable(np.asarray(p, dtype=X.dtype)) for p in params)


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
    means = writeable(means)
    k, d = means.shape
    tile_args = _tile_terms(X, *_gemm_terms(means, writeable(prec_chol)), log_const)
    return _blocked_pass(_pass_full_blocks, parallel, N, S1, S2, _max_blocks(k, d, True),
                         readonly(X), readonly(sample_weight), means, chunk_size, *tile_args,
                         em=True, outputs=_no_outputs(X))


def em_step_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                 parallel=False):
    """One fused EM pass, diagonal or spherical; see the reference twin."""
    means = writeable(means)
    k, d = means.shape
    return _blocked_pass(_pass_diag_blocks, parallel, N, S1, S2, _max_blocks(k, d, False),
                         readonly(X), readonly(sample_weight), means, chunk_size,
                         *_tile_terms(X, means, prec, log_const), em=True,
                         outputs=_no_outputs(X))


def em_step_diag_missing(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                         parallel=False):
    """One fused EM pass, diagonal precisions, NaN entries missing; see the reference
    twin."""
    means, prec = writeable(means), writeable(prec)
    k, d = means.shape
    var = np.ascontiguousarray(1.0 / prec ** 2)
    back2 = 2.0 * np.log(prec) - np.log(2.0 * np.pi)
    return _blocked_pass(_masked_blocks, parallel, N, S1, S2,
                         _max_blocks(k, d, False), readonly(X), readonly(sample_weight),
                         means, chunk_size, var,
                         *_tile_terms(X, means, prec, log_const, back2), em=True,
                         outputs=_no_outputs(X))


def em_step_1d(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
               parallel=False):
    """One fused EM pass, one feature: the diagonal kernel with d = 1 (its tiles put
    rows in the vector lanes, which is what one feature needs)."""
    return em_step_diag(X, sample_weight, means, prec, log_const, N, S1, S2, chunk_size,
                        parallel)


def e_step_full(X, means, prec_chol, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel=False):
    """E-step only, full or tied; see the reference twin."""
    means = writeable(means)
    tile_args = _tile_terms(X, *_gemm_terms(means, writeable(prec_chol)), log_const)
    _blocked_pass(_pass_full_blocks, parallel, *_NO_STATS_FULL,
                  MAX_BLOCKS, readonly(X), _EMPTY_RO, means, chunk_size, *tile_args, em=False,
                  outputs=(lpn_out, labels_out, resp_out))


def e_step_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel=False):
    """E-step only, diagonal or spherical; see the reference twin."""
    means = writeable(means)
    _blocked_pass(_pass_diag_blocks, parallel, *_NO_STATS_DIAG,
                  MAX_BLOCKS, readonly(X), _EMPTY_RO, means, chunk_size,
                  *_tile_terms(X, means, prec, log_const), em=False,
                  outputs=(lpn_out, labels_out, resp_out))


def e_step_1d(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
              parallel=False):
    """E-step only, one feature (the diagonal kernel with d = 1)."""
    e_step_diag(X, means, prec, log_const, lpn_out, labels_out, resp_out, chunk_size,
                parallel)
