"""K-Means kernels, numba. Twin of ``fastem._reference.kmeans`` (same signatures).

Rows are cut into fixed-size chunks of ``chunk_size`` rows, and consecutive chunks
are grouped into at most ``MAX_BLOCKS`` blocks (fewer for large k x d, see
:func:`_block_layout`). Threads share out the blocks (``fastem._parallel``); each
block writes its own partial sums, which are added afterwards in block order. The
layout depends on the shape and chunk_size only, so results do not depend on the
thread count, and the partial buffers stay within max(STATS_BUDGET, MIN_BLOCKS x k x (d + 1)) values
whatever n is.

The nearest-centre search of a chunk has three forms, chosen by the shape
(``method``, see :func:`nearest_method`):

- ``ROWS`` (d <= 3, k < 8): a loop over rows, then centres, then features;
- ``COLUMNS`` (4 <= d < 32, and fewer than 128 centres for d >= 12): the rows are
  copied feature-major into tiles of ``TILE_ROWS`` rows (prefetching the next rows from
  RAM), the features padded with zeros to a multiple of 4, the width ``W``; the search
  tests four centres per pass over a tile with the rows in the vector lanes and each
  row's four running sums in registers (one centre per pass above ``COL_REG_WIDTH``).
  ``W`` is a compile-time constant of the kernel (one machine code per width, compiled
  when a shape first needs it), so the loop over the features unrolls;
- ``GEMM`` (the rest: d >= 32, d <= 3 with k >= 8, 12 <= d with k >= 128): one
  matrix product per chunk (BLAS through ``np.dot``) and the expansion
  ||x||^2 - 2 x.c + ||c||^2, as scikit-learn does, its argmin over the centres with
  the rows in the vector lanes; BLAS must then run on one thread (the estimators
  hold it there with threadpoolctl).

The boundaries come from timing each form on d = 1..128 and k = 3..256 (n = 1e5,
float64, 2 threads, AMD EPYC with AVX-512): see :func:`nearest_method`.

The ROWS and COLUMNS forms take differences ``x - c`` directly; the GEMM form works in a
frame centred on ``offset`` (one point near the data, in the data's dtype: the
estimators pass a mean of the data), rows and centres shifted by it before the
product, so that its results do not depend on where the data sit either (the
expansion loses every digit on data far from the origin otherwise). The sums are
taken about each row's own centre, ``sum w (x - c)``: the new centre
``c + sums / wsums`` is then exact where the rows coincide with their centre, and as
accurate far from the origin as near it.

Distances are computed in the data's dtype; sums, weights and inertia in float64. The
GEMM form chooses the centre by the expansion and then takes the chosen centre's
distance directly, so that the inertia does not carry the expansion's cancellation;
where a row's or a centre's squared norm overflows, it reports an infinite distance
(the estimators then compute in float64, or refuse the data).
"""

import numpy as np

from .._jit import jit, prefetch_row
from .._parallel import block_sum, current_threads, run_blocks
from .._validation import readonly

__all__ = ["lloyd_iter", "hamerly_iter", "yinyang_iter", "yinyang_seed", "assign", "sq_distances", "nearest_method",
           "MAX_BLOCKS"]

# Many more blocks than threads, so that a busy core does not hold the others up.
MAX_BLOCKS = 64
MIN_BLOCKS = 8
STATS_BUDGET = 1 << 21  # values in all the blocks' partial sums, past MIN_BLOCKS
ROWS, COLUMNS, GEMM = 0, 1, 2
# From this many features the GEMM form keeps a chunk row-major (the product was
# faster so at d = 64 and 128, slower at d <= 32)
GEMM_ROW_MAJOR = 64
# The COLUMNS form: features per unrolled group, the widest tile, and the tile's rows.
# The tile's feature rows sit TILE_STRIDE values apart, a constant: with a stride
# known only at run time LLVM kept the 16-feature search scalar (2.9 against 0.5 ns
# per distance).
COL_GROUP = 4
COL_MAX_WIDTH = 32
# Up to this width the tile is searched four centres at a time with the sums in
# registers; wider, LLVM left that loop scalar (24 features: 24 against 2.4 ms per
# iteration at n = 1e5, k = 64), and the search takes one centre per pass instead.
COL_REG_WIDTH = 20
COL_REG_GROUPS = COL_REG_WIDTH // COL_GROUP  # the same in groups: numba prunes on it
TILE_ROWS = 256
TILE_STRIDE = TILE_ROWS + 8  # 8 values more: rows 2 KiB apart share cache sets
# Yinyang: a row whose unproven groups hold at least 1/YY_FULL_SHARE of the centres is
# searched against all of them at once
YY_FULL_SHARE = 3


def nearest_method(n_features, n_clusters):
    """The nearest-centre search for the shape (ROWS, COLUMNS or GEMM).

    Measured per iteration at n = 1e5 (ms, the form chosen first): d = 2, k = 3: ROWS
    0.81, GEMM 1.05; d = 2, k = 8: ROWS 1.31, GEMM 1.15; d = 2, k = 256: ROWS 14.4,
    GEMM 4.8; d = 6, k = 128: COLUMNS 3.1, GEMM 3.8; d = 8, k = 256: COLUMNS 4.0,
    GEMM 7.7; d = 12, k = 128: COLUMNS 6.8, GEMM 6.7; d = 16, k = 256: COLUMNS 19.0,
    GEMM 14.8; d = 24, k = 128: COLUMNS 15.5, GEMM 12.3.
    """
    d, k = n_features, n_clusters
    if d >= COL_MAX_WIDTH or (d <= 3 and k >= 8) or (d >= 12 and k >= 128):
        return GEMM
    return ROWS if d <= 3 else COLUMNS


def search_form(n_features, n_clusters):
    """The search as the kernels take it: ``(form, width_tag)``, tuples whose lengths
    are the form (ROWS, COLUMNS or GEMM, :func:`nearest_method`) and the COLUMNS
    form's tile width over COL_GROUP (d rounded up to a multiple of COL_GROUP; 0 for
    the other forms). A tuple's length is part of its type: numba compiles a kernel
    once per form and width, when a shape first needs it, with only that form's code
    (``if len(form) == ...`` is decided before the kernel is typed, so the other
    forms' helpers are not even compiled), and the width is a constant in the
    machine code (the feature loop unrolls)."""
    method = nearest_method(n_features, n_clusters)
    groups = -(-n_features // COL_GROUP) if method == COLUMNS else 0
    return (0,) * method, (0,) * groups


def _block_layout(n, chunk_size, k, d):
    """(n_blocks, block_rows): at most MAX_BLOCKS blocks, fewer where the blocks'
    partial sums (k x (d + 1) values each) would pass STATS_BUDGET values, but never
    fewer than MIN_BLOCKS (so that the threads share the rows). With 64 blocks at
    n = 5e4, d = 128, k = 1000 the partial sums were larger than the data, and their
    zeroing and reduction took as long as the search's matrix products."""
    n_chunks = (n + chunk_size - 1) // chunk_size
    max_blocks = max(MIN_BLOCKS, min(MAX_BLOCKS, STATS_BUDGET // (k * (d + 1))))
    chunks_per_block = max(1, (n_chunks + max_blocks - 1) // max_blocks)  # 1 for n = 0
    block_rows = chunks_per_block * chunk_size
    n_blocks = (n + block_rows - 1) // block_rows
    return n_blocks, block_rows


@jit(inline=True)
def _load_tile(X, c0, m, xt, best, bestj, width_tag):
    """Copy rows c0..c0+m-1 (m <= TILE_ROWS) feature-major into the flat tile xt (row
    f of the tile at f * TILE_STRIDE; the padding features stay 0), set best[:m] = inf
    and bestj[:m] = 0 (a row whose distances all overflow goes to the first centre, as
    in the other forms), and prefetch the rows ahead so that the copy does not wait on
    RAM. The loop over the features runs to the tile's width, a compile-time constant,
    so that it unrolls."""
    d = X.shape[1]
    width = len(width_tag) * COL_GROUP
    last = X.shape[0] - 1
    for i in range(m):
        r = c0 + i
        prefetch_row(X, min(r + TILE_ROWS, last))
        for f in range(width):
            if f < d:
                xt[f * TILE_STRIDE + i] = X[r, f]
        best[i] = np.inf
        bestj[i] = 0


@jit(inline=True)
def _group4(s0, s1, s2, s3, xt, i, centers, j, f0):
    # COL_GROUP features of row i against centres j..j+3, added in feature order
    for f in range(f0, f0 + COL_GROUP):
        x = xt[f * TILE_STRIDE + i]
        t = x - centers[j, f]
        s0 += t * t
        t = x - centers[j + 1, f]
        s1 += t * t
        t = x - centers[j + 2, f]
        s2 += t * t
        t = x - centers[j + 3, f]
        s3 += t * t
    return s0, s1, s2, s3


@jit
def _nearest_tile(m, centers, k, best, bestj, xt, dist, width_tag):
    """The COLUMNS search of a tile: centres (k rounded up to a multiple of 4, width),
    zero-padded like the tile, the last centre repeated to fill the last four (a copy
    never wins: ties go to the first centre). Four centres per pass, each row's four
    sums in registers, the rows in the vector lanes. The width comes from the type of
    ``width_tag`` (see :func:`search_form`): a compile-time constant, so the loop
    over the feature groups unrolls. The sums run over the features in order from 0
    (padding adds exact zeros), as in the naive loop. Wider than COL_REG_WIDTH: one
    centre per pass over the k real ones, its sums in ``dist`` (the same sums)."""
    width = len(width_tag) * COL_GROUP
    if len(width_tag) > COL_REG_GROUPS:  # decided before typing: one branch is compiled
        _nearest_tile_wide(m, centers, k, best, bestj, xt, dist, width)
        return
    # 0 in the data dtype that the compiler cannot fold: the first product is then
    # fused into a sum that starts at 0, exactly as in the naive loop
    zero = centers[0, 0] - centers[0, 0]
    for j in range(0, centers.shape[0], 4):
        for i in range(m):
            s0 = zero
            s1 = zero
            s2 = zero
            s3 = zero
            for f0 in range(0, width, COL_GROUP):
                s0, s1, s2, s3 = _group4(s0, s1, s2, s3, xt, i, centers, j, f0)
            b = best[i]
            bj = bestj[i]
            if s0 < b:
                b = s0
                bj = j
            if s1 < b:
                b = s1
                bj = j + 1
            if s2 < b:
                b = s2
                bj = j + 2
            if s3 < b:
                b = s3
                bj = j + 3
            best[i] = b
            bestj[i] = bj


@jit
def _nearest_tile_wide(m, centers, k, best, bestj, xt, dist, width):
    for j in range(k):
        for i in range(m):
            dist[i] = 0.0
        for f in range(width):
            cf = centers[j, f]
            for i in range(m):
                t = xt[f * TILE_STRIDE + i] - cf
                dist[i] += t * t
        for i in range(m):
            if dist[i] < best[i]:
                best[i] = dist[i]
                bestj[i] = j


@jit
def _direct_distance(X, row, centers, j):
    """Squared distance of row ``row`` of X to centre j, from the differences, summed
    over the features in order: the distance every other search takes."""
    dist = 0.0
    for f in range(X.shape[1]):
        t = X[row, f] - centers[j, f]
        dist += t * t
    return dist


@jit
def _nearest_gemm(X, offset, c0, m, centers, raw, centers_sq, best, bestj, xt, gt):
    """The expanded form: the chunk's rows less the offset are copied into xt, gt =
    centers @ rows^T is one matrix product (BLAS), and the argmin of ||c||^2 - 2 x.c
    runs over the centres with the rows in the vector lanes. xt is feature-major
    (d, chunk + 8) below GEMM_ROW_MAJOR features and row-major (chunk, d) from there
    on, the faster layout for the product on each side of that width.

    The expansion rounds differently from the differences ``x - c`` that the other
    searches (and the bounded ones) sum, so it only proposes: the chosen centre's
    distance is then taken from the differences to the ``raw`` centres, and a row
    whose two least expanded values lie within the expansion's rounding of each other
    (a near tie) is decided by the direct distances of every centre in that band,
    ties to the first centre, as in the other forms."""
    d = X.shape[1]
    k = centers.shape[0]
    row_major = d >= GEMM_ROW_MAJOR
    if row_major:
        for i in range(m):
            for f in range(d):
                xt[i, f] = X[c0 + i, f] - offset[f]
        np.dot(centers, xt.T, gt)
    else:
        for i in range(m):
            for f in range(d):
                xt[f, i] = X[c0 + i, f] - offset[f]
        np.dot(centers, xt, gt)
    second = np.empty(m, dtype=best.dtype)
    for i in range(m):
        best[i] = np.inf
        second[i] = np.inf
        bestj[i] = 0
    sq_max = 0.0
    for j in range(k):
        sq_max = max(sq_max, centers_sq[j])
    # two centres per pass over the rows, so that the least and next least values
    # (and the least's index, ties to the first centre) are read and written once per
    # two centres: the same memory traffic per centre as a plain argmin
    for j in range(0, k - 1, 2):
        cs0 = centers_sq[j]
        cs1 = centers_sq[j + 1]
        g0 = gt[j]
        g1 = gt[j + 1]
        for i in range(m):
            v0 = cs0 - 2.0 * g0[i]
            v1 = cs1 - 2.0 * g1[i]
            lo = min(v0, v1)
            hi = max(v0, v1)
            jlo = j if v0 <= v1 else j + 1
            b = best[i]
            second[i] = min(max(b, lo), min(second[i], hi))
            if lo < b:
                best[i] = lo
                bestj[i] = jlo
    if k % 2:
        j = k - 1
        cs = centers_sq[j]
        g = gt[j]
        for i in range(m):
            v = cs - 2.0 * g[i]
            b = best[i]
            second[i] = min(second[i], max(v, b))
            if v < b:
                best[i] = v
                bestj[i] = j
    # the expansion's rounding: a few units of (d + 2) eps (||x||^2 + max ||c||^2)
    slack = 4.0 * (d + 4) * np.finfo(X.dtype).eps
    for i in range(m):
        xs = 0.0
        for f in range(d):
            x = xt[i, f] if row_major else xt[f, i]
            xs += x * x
        if not (xs < np.inf and sq_max < np.inf):
            best[i] = np.inf  # the expansion overflowed: the choice is not to be trusted
            continue
        band = slack * (xs + sq_max)
        row = c0 + i
        if second[i] - best[i] <= band:
            lim = best[i] + band
            bd = np.inf
            bj = 0
            for j in range(k):
                g = gt[j, i]
                if centers_sq[j] - 2.0 * g <= lim:
                    dd = _direct_distance(X, row, raw, j)
                    if dd < bd:
                        bd = dd
                        bj = j
            bestj[i] = bj
            best[i] = bd
        else:
            best[i] = _direct_distance(X, row, raw, bestj[i])


@jit
def _nearest_chunk(X, offset, c0, m, centers, raw, k, centers_sq, form, best, bestj, xt,
                   tile, gt, width_tag):
    """Fill best[:m] (squared distance) and bestj[:m] (index) of rows c0..c0+m-1
    against the k centres (``centers`` less the offset for GEMM, padded for COLUMNS
    as :func:`_nearest_tile` says); ties go to the first centre. m is at most
    TILE_ROWS for COLUMNS. Leaves the rows in the flat feature-major ``tile`` for
    COLUMNS, in xt less the offset for GEMM (row-major from GEMM_ROW_MAJOR features
    on). (The ROWS form searches inline, in :func:`_lloyd_blocks`.)"""
    if len(form) == COLUMNS:
        _load_tile(X, c0, m, tile, best, bestj, width_tag)
        _nearest_tile(m, centers, k, best, bestj, tile, gt[0], width_tag)
    else:
        _nearest_gemm(X, offset, c0, m, centers, raw, centers_sq, best, bestj, xt, gt)


def _centre_terms(centers, offset, form, width):
    """The centres as the search reads them, and the GEMM form's squared norms (an
    empty array otherwise): less the offset for GEMM, padded for COLUMNS (see
    :func:`_nearest_tile`), the centres themselves for ROWS."""
    k, d = centers.shape
    empty = np.empty(0, dtype=centers.dtype)
    if len(form) == ROWS:
        return centers, empty
    if len(form) == COLUMNS:
        # four centres per pass: the last one repeated up to a multiple of 4
        padded = np.zeros(((k + 3) // 4 * 4, width), dtype=centers.dtype)
        padded[:k, :d] = centers
        padded[k:, :d] = centers[k - 1]
        return padded, empty
    # a square beyond the dtype's range is inf, as in the kernels (the estimators then
    # compute in float64, or refuse the data): no warning
    with np.errstate(over="ignore", invalid="ignore"):
        rel = np.ascontiguousarray(centers - offset, dtype=centers.dtype)
        centers_sq = np.zeros(k)  # the squares in the centres' dtype, added in float64
        for f in range(d):
            centers_sq += rel[:, f] * rel[:, f]
        return rel, centers_sq.astype(centers.dtype)


@jit(inline=True)
def _chunk_buffers(d, k, chunk_size, form, width, dtype_like):
    """The rows of a chunk, and the GEMM form's products (one row per centre; the
    COLUMNS form's distances of one centre; a placeholder for ROWS). COLUMNS: the
    flat tile, ``width`` feature rows TILE_STRIDE apart. GEMM: feature-major
    (d, chunk + 8) below GEMM_ROW_MAJOR features (8 columns more than the chunk:
    feature rows 2 KiB apart would make the copy into the buffer hit the same cache
    sets d times over), row-major (chunk, d) from there on. ROWS: placeholders.
    Zero-filled: the padding features of the tile stay 0, and the rows past a short
    last chunk hold finite numbers for the matrix product."""
    dt = dtype_like.dtype
    if len(form) == ROWS:
        return np.zeros((1, 1), dtype=dt), np.zeros((1, 1), dtype=dt)
    if len(form) == COLUMNS:  # and the wide search's distances
        return (np.zeros((1, width * TILE_STRIDE), dtype=dt),
                np.zeros((1, TILE_ROWS), dtype=dt))
    if d >= GEMM_ROW_MAJOR:
        return np.zeros((chunk_size, d), dtype=dt), np.zeros((k, chunk_size), dtype=dt)
    return (np.zeros((d, chunk_size + 8), dtype=dt),
            np.zeros((k, chunk_size + 8), dtype=dt))


@jit(inline=True)
def _step_rows(chunk_size, form):
    # rows per search call: a COLUMNS tile holds at most TILE_ROWS
    return min(chunk_size, TILE_ROWS) if len(form) == COLUMNS else chunk_size


def _threads(parallel):
    return current_threads() if parallel else 1


def _partials(n_blocks, k, d, counts, sums=True):
    """Zeroed per-block partial buffers of a pass: sums (n_blocks, k, d), weights
    (n_blocks, k), inertia (n_blocks,), and ``counts`` int64 counters (n_blocks,);
    without ``sums``, empty sums, weights and counters (an assign-only pass)."""
    slots = n_blocks if sums else 0
    return ((np.zeros((slots, k, d)), np.zeros((slots, k)), np.zeros(n_blocks))
            + tuple(np.zeros(slots, dtype=np.int64) for _ in range(counts)))


_NO_DIST = np.empty(0)  # no squared distances wanted (a Lloyd iteration)


def _add_partials(partials, sums, wsums):
    """sums, wsums <- the blocks' partial sums and weights added in block order;
    returns (inertia, n_changed) added likewise."""
    sums[:] = block_sum(partials[0])
    wsums[:] = block_sum(partials[1])
    return float(block_sum(partials[2])), int(partials[3].sum())


@jit
def _lloyd_blocks(first, last, block_rows, X, sample_weight, centers, offset, rel, centers_sq,
                  labels, mindist, em, psums, pweights, pinertia, pchanged, chunk_size, form,
                  width_tag):
    """Blocks first..last-1 of a Lloyd iteration (``em``) or of an assign-only pass:
    the labels of their rows (and their squared distances, if ``mindist`` is not
    empty), block b's inertia into pinertia[b], and for an iteration its sums of
    x - c, weights and count of changed labels into slot b of the other partials. The
    serial pass is this function over every block, the parallel one the same function
    on several threads (``fastem._parallel.run_blocks``)."""
    width = len(width_tag) * COL_GROUP  # a compile-time constant: see search_form
    n, d = X.shape
    k = centers.shape[0]
    write_dist = mindist.shape[0] > 0
    for b in range(first, last):
        # this block's sums and weights, small enough for L1 (COLUMNS: to the tile's
        # width, so that the loop below unrolls; the padding features add zeros)
        acc = np.zeros((k, max(d, width)))
        wacc = np.zeros(k)
        start = b * block_rows
        stop = min(start + block_rows, n)
        block_inertia = 0.0
        block_changed = 0
        if len(form) == ROWS:
            # few features: search and accumulate row by row, with no chunk buffers
            # (the form is known when numba types the kernel: the other branch is not
            # compiled for it)
            for row in range(start, stop):
                bd = np.inf
                j = 0
                for jj in range(k):
                    dd = 0.0
                    for f in range(d):
                        t = X[row, f] - centers[jj, f]
                        dd += t * t
                    if dd < bd:
                        bd = dd
                        j = jj
                if labels[row] != j:
                    block_changed += 1
                labels[row] = j
                if write_dist:
                    mindist[row] = bd
                w = sample_weight[row]
                block_inertia += w * bd
                if em:
                    wacc[j] += w
                    for f in range(d):
                        acc[j, f] += w * (X[row, f] - centers[j, f])
        else:
            step = _step_rows(chunk_size, form)
            best = np.empty(chunk_size, dtype=X.dtype)
            bestj = np.empty(chunk_size, dtype=np.uint32)
            xt, gt = _chunk_buffers(d, k, chunk_size, form, width, X)
            tile = xt[0]  # the flat tile of the COLUMNS form
            for c0 in range(start, stop, step):
                m = min(step, stop - c0)
                _nearest_chunk(X, offset, c0, m, rel, centers, k, centers_sq, form, best,
                               bestj, xt, tile, gt, width_tag)
                labc = labels[c0:c0 + m]
                wc = sample_weight[c0:c0 + m]
                for i in range(m):
                    j = bestj[i]
                    if labc[i] != j:
                        block_changed += 1
                    labc[i] = j
                    w = wc[i]
                    block_inertia += w * best[i]
                    wacc[j] += w
                if write_dist:
                    for i in range(m):
                        mindist[c0 + i] = best[i]
                if not em:
                    continue
                # each row less its centre, from the differences x - c as every search
                # takes them (COLUMNS: from the tile, still in L1, with the padded raw
                # centres; GEMM: from X, whose chunk was just read into the cache)
                if len(form) == COLUMNS:
                    for i in range(m):
                        j = bestj[i]
                        w = wc[i]
                        for f in range(width):
                            acc[j, f] += w * (tile[f * TILE_STRIDE + i] - rel[j, f])
                else:
                    for i in range(m):
                        j = bestj[i]
                        w = wc[i]
                        for f in range(d):
                            acc[j, f] += w * (X[c0 + i, f] - centers[j, f])
        pinertia[b] = block_inertia
        if em:
            for j in range(k):
                pweights[b, j] = wacc[j]
                for f in range(d):
                    psums[b, j, f] = acc[j, f]
            pchanged[b] = block_changed


@jit
def _sqdist_blocks(first, last, block_rows, X, centers, out):
    """Rows of blocks first..last-1: their squared distances to every centre, by direct
    differences."""
    n, d = X.shape
    k = centers.shape[0]
    for b in range(first, last):
        start = b * block_rows
        stop = min(start + block_rows, n)
        for i in range(start, stop):
            for j in range(k):
                dist = 0.0
                for f in range(d):
                    t = X[i, f] - centers[j, f]
                    dist += t * t
                out[i, j] = dist


def _pass_layout(X, centers, offset, chunk_size, form):
    """The block layout of a pass over X and the centres as its search reads them."""
    (n, d), k = X.shape, centers.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, k, d)
    rel, centers_sq = _centre_terms(centers, offset, form[0], len(form[1]) * COL_GROUP)
    return n_blocks, block_rows, rel, centers_sq


def lloyd_iter(X, sample_weight, centers, offset, labels, sums, wsums, chunk_size,
               parallel=False):
    """One fused Lloyd iteration; see ``fastem._reference.kmeans.lloyd_iter``."""
    X, sample_weight = readonly(X), readonly(sample_weight)
    (n, d), k = X.shape, centers.shape[0]
    form = search_form(d, k)
    n_blocks, block_rows, rel, centers_sq = _pass_layout(X, centers, offset, chunk_size, form)
    partials = _partials(n_blocks, k, d, 1)
    args = (block_rows, X, sample_weight, centers, offset, rel, centers_sq, labels,
            _NO_DIST, True, *partials, chunk_size, *form)
    run_blocks(_lloyd_blocks, n_blocks, args, _threads(parallel))
    return _add_partials(partials, sums, wsums)


def assign(X, sample_weight, centers, offset, labels, mindist, chunk_size, parallel=False):
    """Assign-only pass; see ``fastem._reference.kmeans.assign``."""
    X, sample_weight = readonly(X), readonly(sample_weight)
    form = search_form(X.shape[1], centers.shape[0])
    n_blocks, block_rows, rel, centers_sq = _pass_layout(X, centers, offset, chunk_size, form)
    d, k = X.shape[1], centers.shape[0]
    partials = _partials(n_blocks, k, d, 1, sums=False)
    args = (block_rows, X, sample_weight, centers, offset, rel, centers_sq, labels, mindist,
            False, *partials, chunk_size, *form)
    run_blocks(_lloyd_blocks, n_blocks, args, _threads(parallel))
    return float(block_sum(partials[2]))


def sq_distances(X, centers, offset, out, chunk_size, parallel=False):
    """All squared distances; see ``fastem._reference.kmeans.sq_distances`` (``offset``
    is for the signature's sake: the distances are direct differences)."""
    (n, d), k = X.shape, centers.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size, k, d)
    run_blocks(_sqdist_blocks, n_blocks, (block_rows, readonly(X), centers, out),
               _threads(parallel))


# ----------------------------------------------------------------- bounded Lloyd
# Hamerly (2010): one lower bound per row on its distance to every centre but its own.
# A row whose distance to its own centre (taken exactly in every pass: the sums and
# the inertia need it anyway) is below both that bound and half the distance from its
# centre to the nearest other centre keeps its centre without a search; the others
# search all the centres. The labels, sums, weights and inertia are Lloyd's.


@jit
def _add_row(X, row, a, w, own, centers, acc, wacc):
    """A bounded pass's row, of centre a and squared distance own to it, into its
    block's sums about the centres and weights; returns its share of the inertia."""
    wacc[a] += w
    for f in range(X.shape[1]):
        acc[a, f] += w * (X[row, f] - centers[a, f])
    return w * own


@jit
def _store_block(b, acc, wacc, psums, pweights):
    """A block's sums and weights into row b of the partial buffers."""
    k, d = psums.shape[1], psums.shape[2]
    for j in range(k):
        pweights[b, j] = wacc[j]
        for f in range(d):
            psums[b, j, f] = acc[j, f]


@jit
def _half_gap(ct, j):
    """Half the distance from centre j to its nearest other centre (inf for one
    centre), from the centres feature-major ``ct`` (d, k), the others in the vector
    lanes."""
    d, k = ct.shape
    dc = np.zeros(k)
    for f in range(d):
        cj = ct[f, j]
        cf = ct[f]
        for jj in range(k):
            t = cj - cf[jj]
            dc[jj] += t * t
    dc[j] = np.inf
    return 0.5 * np.sqrt(dc.min())


@jit
def _half_gaps_blocks(first, last, ct, cols, half):
    """half[j] for centres first..last-1: half the distance from column cols[j] of the
    feature-major centres ct to the nearest other column (see :func:`_half_gap`)."""
    for j in range(first, last):
        half[j] = _half_gap(ct, cols[j])


def _half_gaps(ct, cols, threads):
    half = np.empty(cols.shape[0])
    run_blocks(_half_gaps_blocks, cols.shape[0], (ct, cols, half), threads)
    return half


@jit
def _hamerly_blocks(first, last, block_rows, X, sample_weight, centers, labels, lower, ct,
                    half, top1, top2, jtop, fresh, grow, shrink, psums, pweights, pinertia,
                    pchanged, psearched):
    """Blocks first..last-1 of a Hamerly pass (see :func:`hamerly_iter`): labels, lower
    bounds, and block b's sums, weights, inertia and counts into slot b of the
    partials."""
    n, d = X.shape
    k = centers.shape[0]
    for b in range(first, last):
        acc = np.zeros((k, d))
        wacc = np.zeros(k)
        dist = np.empty(k)
        block_inertia = 0.0
        block_changed = 0
        block_searched = 0
        start = b * block_rows
        stop = min(start + block_rows, n)
        for row in range(start, stop):
            a = labels[row]
            search = fresh or a < 0
            own = 0.0
            if not search:
                for f in range(d):
                    t = X[row, f] - centers[a, f]
                    own += t * t
                moved = top2 if a == jtop else top1
                low = lower[row] - moved * grow
                lower[row] = low
                bound = max(half[a], low) * shrink
                search = not (np.sqrt(own) * grow < bound)
            if search:
                # every centre's squared distance with the centres in the vector lanes
                # (each sum over the features in order, as Lloyd's), then the two least
                block_searched += 1
                for jj in range(k):
                    dist[jj] = 0.0
                for f in range(d):
                    x = X[row, f]
                    cf = ct[f]
                    for jj in range(k):
                        t = x - cf[jj]
                        dist[jj] += t * t
                best = np.inf
                second = np.inf
                j = 0
                for jj in range(k):
                    dd = dist[jj]
                    if dd < best:
                        second = best
                        best = dd
                        j = jj
                    elif dd < second:
                        second = dd
                lower[row] = np.sqrt(second)
                own = best
                if a != j:
                    block_changed += 1
                a = j
                labels[row] = j
            block_inertia += _add_row(X, row, a, sample_weight[row], own, centers, acc,
                                      wacc)
        _store_block(b, acc, wacc, psums, pweights)
        pinertia[b] = block_inertia
        pchanged[b] = block_changed
        psearched[b] = block_searched


def hamerly_iter(X, sample_weight, centers, labels, lower, drift, fresh, sums, wsums,
                 chunk_size, parallel=False):
    """One Lloyd iteration with Hamerly's bound; see
    ``fastem._reference.kmeans.hamerly_iter``. Returns (inertia, n_changed,
    n_searched)."""
    # relative slack on every bound and distance: several times the rounding of a
    # squared distance over d features in the data's dtype (the centres' too), so that
    # a row keeps its centre without a search only where Lloyd's argmin would keep it
    rel = 8.0 * (X.shape[1] + 4) * float(np.finfo(X.dtype).eps)
    X, sample_weight = readonly(X), readonly(sample_weight)
    (n, d), k = X.shape, centers.shape[0]
    threads = _threads(parallel)
    n_blocks, block_rows = _block_layout(n, chunk_size, k, d)
    ct = np.array(centers.T, dtype=np.float64, order="C")  # float64, as the sums are
    half = _half_gaps(ct, np.arange(k), threads)
    # the largest move of a centre, and the largest of the others
    top1, top2, jtop = 0.0, 0.0, -1
    if k and drift.max() > 0.0:
        jtop = int(np.argmax(drift))
        top1 = float(drift[jtop])
        top2 = max(0.0, float(np.delete(drift, jtop).max())) if k > 1 else 0.0
    partials = _partials(n_blocks, k, d, 2)
    run_blocks(_hamerly_blocks, n_blocks,
               (block_rows, X, sample_weight, centers, labels, lower, ct, half, top1, top2,
                jtop, bool(fresh), 1.0 + rel, 1.0 - rel, *partials), threads)
    inertia, n_changed = _add_partials(partials, sums, wsums)
    return inertia, n_changed, int(partials[4].sum())


# Yinyang (Ding et al. 2015): the centres are cut into groups, and each row keeps one
# lower bound per group on its distance to the group's centres but its own, and one
# on its distance to every centre but its own (the least of the group bounds). A row
# keeps its centre without a search where its distance to it (exact, every pass) is
# below that global bound or below half the distance from its centre to the nearest
# other one; otherwise only the groups whose bound does not exceed the best distance
# found so far are searched. The bounds are stored plus the drift accumulated so far
# (``cum``: per group, the sum over passes of its centres' largest move; ``cmax``: of
# all the centres' largest move), so that a pass reads the bounds of the rows it
# searches only: bound now = stored - cum. The labels, sums, weights and inertia
# are Lloyd's.
#
# The groups' centres sit feature-major in slabs of SLAB positions (a group takes
# whole slabs; the positions past its last centre hold +inf, never nearest), so that
# a row's distances to a slab are one vector per feature with a trip count known to
# the compiler.
SLAB = 8


@jit
def _slab_distances(X, row, cg, p0, p1, dist):
    """dist[:p1 - p0] <- squared distances (float64) of row ``row`` to the positions
    p0..p1-1 (whole slabs) of the feature-major ``cg``, each sum over the features in
    order (as Lloyd's)."""
    d = X.shape[1]
    for p in range(p0, p1, SLAB):
        out = dist[p - p0:p - p0 + SLAB]
        for q in range(SLAB):
            out[q] = 0.0
        for f in range(d):
            x = np.float64(X[row, f])
            c = cg[f, p:p + SLAB]
            for q in range(SLAB):
                t = x - c[q]
                out[q] += t * t


@jit
def _all_distances(X, row, cg, dist):
    """dist <- squared distances (float64) of row ``row`` to every position of the
    feature-major ``cg``, the positions in the vector lanes (one long loop per
    feature: faster per distance than slab by slab)."""
    kp = cg.shape[1]
    for q in range(kp):
        dist[q] = 0.0
    for f in range(X.shape[1]):
        x = np.float64(X[row, f])
        cf = cg[f]
        for q in range(kp):
            t = x - cf[q]
            dist[q] += t * t


@jit
def _by_group(centers, order, gstart):
    """The centres by position, feature-major, float64 (position p holds centre
    order[p], or +inf where order[p] is -1); each centre's position and group."""
    k, d = centers.shape
    kp = order.shape[0]
    cg = np.full((d, kp), np.inf)
    pos = np.empty(k, dtype=np.int64)
    group_of = np.empty(k, dtype=np.int64)
    for g in range(gstart.shape[0] - 1):
        for p in range(gstart[g], gstart[g + 1]):
            j = order[p]
            if j >= 0:
                pos[j] = p
                group_of[j] = g
                for f in range(d):
                    cg[f, p] = centers[j, f]
    return cg, pos, group_of


@jit
def _scan(dist, base, p0, p1, order):
    """(least, next least, position of the least) of dist[p0 - base:p1 - base]; of
    equal least distances, the position of the centre with the lowest index
    (``order[q]``: the centre at position q), as Lloyd's argmin breaks ties."""
    m1 = np.inf
    m2 = np.inf
    q1 = p0
    for q in range(p0, p1):
        dd = dist[q - base]
        if dd < m1:
            m2 = m1
            m1 = dd
            q1 = q
        elif dd == m1 and dd < np.inf and order[q] < order[q1]:
            m2 = m1
            q1 = q
        elif dd < m2:
            m2 = dd
    return m1, m2, q1


@jit
def _group_spheres(cg, order, gstart, n_groups):
    """Each group's mean and radius (its farthest centre from the mean): the means
    feature-major in slabs as the centres are (+inf past the last group)."""
    d = cg.shape[0]
    ng = (n_groups + SLAB - 1) // SLAB * SLAB
    gm = np.full((d, ng), np.inf)
    radius = np.zeros(n_groups)
    for g in range(n_groups):
        count = 0
        for f in range(d):
            gm[f, g] = 0.0
        for p in range(gstart[g], gstart[g + 1]):
            if order[p] >= 0:
                count += 1
                for f in range(d):
                    gm[f, g] += cg[f, p]
        for f in range(d):
            gm[f, g] /= count
        for p in range(gstart[g], gstart[g + 1]):
            if order[p] >= 0:
                r = 0.0
                for f in range(d):
                    t = cg[f, p] - gm[f, g]
                    r += t * t
                radius[g] = max(radius[g], np.sqrt(r))
    return gm, radius


@jit
def _yinyang_seed_blocks(first, last, X, labels, order, gstart, stored, glob, cg, pos,
                         group_of, gm, radius, grow, shrink):
    """The first bounds of the rows of blocks first..last-1 (256 rows each)."""
    n = X.shape[0]
    kp = order.shape[0]
    n_groups = gstart.shape[0] - 1
    ng = gm.shape[1]
    for b in range(first, last):
        dist = np.empty(max(kp, ng))
        for row in range(b * 256, min(b * 256 + 256, n)):
            _slab_distances(X, row, gm, 0, ng, dist)
            for g in range(n_groups):
                stored[row, g] = max(0.0, np.sqrt(dist[g]) * shrink - radius[g] * grow)
            # the row's own group exactly: its centres but the row's own
            a = labels[row]
            g = group_of[a]
            g0, g1 = gstart[g], gstart[g + 1]
            _slab_distances(X, row, cg, g0, g1, dist)
            dist[pos[a] - g0] = np.inf
            m1, _, _ = _scan(dist, g0, g0, g1, order)
            stored[row, g] = np.sqrt(m1)
            low = np.inf
            for g in range(n_groups):
                low = min(low, stored[row, g])
            glob[row] = low


def yinyang_seed(X, centers, labels, order, gstart, stored, glob, parallel=False):
    """Yinyang's first bounds, after a Lloyd pass set ``labels`` for ``centers``;
    see ``fastem._reference.kmeans.yinyang_seed``."""
    rel = 8.0 * (X.shape[1] + 4) * float(np.finfo(X.dtype).eps)  # as hamerly_iter
    cg, pos, group_of = _by_group(centers, order, gstart)
    gm, radius = _group_spheres(cg, order, gstart, gstart.shape[0] - 1)
    run_blocks(_yinyang_seed_blocks, (X.shape[0] + 255) // 256,
               (readonly(X), labels, order, gstart, stored, glob, cg, pos, group_of, gm,
                radius, 1.0 + rel, 1.0 - rel), _threads(parallel))


@jit
def _yinyang_blocks(first, last, block_rows, X, sample_weight, centers, labels, order, gstart,
                    stored, glob, cum, cmax, rel, cg, pos, group_of, gsize, half, psums,
                    pweights, pinertia, pchanged, pcomputed):
    """Blocks first..last-1 of a Yinyang pass (see :func:`yinyang_iter`), as
    :func:`_hamerly_blocks`."""
    n, d = X.shape
    k = centers.shape[0]
    kp = order.shape[0]
    n_groups = gstart.shape[0] - 1
    grow, shrink = 1.0 + rel, 1.0 - rel
    for b in range(first, last):
        acc = np.zeros((k, d))
        wacc = np.zeros(k)
        dist = np.empty(kp)
        least = np.empty(n_groups)  # per group searched: least distance, next least,
        second = np.empty(n_groups)  # and the position of the least
        at = np.empty(n_groups, dtype=np.int64)
        low = np.empty(n_groups)  # each group's bound now
        opened = np.empty(n_groups, dtype=np.int64)  # the groups searched
        block_inertia = 0.0
        block_changed = 0
        block_computed = 0
        start = b * block_rows
        stop = min(start + block_rows, n)
        for row in range(start, stop):
            a = labels[row]
            new_row = a < 0  # no bounds yet: searched against every centre
            own = np.inf  # squared distance to the row's centre
            skip = False
            if not new_row:
                own = 0.0
                for f in range(d):
                    t = X[row, f] - centers[a, f]
                    own += t * t
                block_computed += 1
                u = np.sqrt(own) * grow
                gb = glob[row]
                skip = u < half[a] * shrink or u < gb - cmax - rel * (gb + cmax)
            if not skip:
                best = own
                bestj = a
                # each group's bound now, how many centres the groups it does not
                # clear hold, and the least bound of the others (one vector loop);
                # where those groups hold many centres, one search over all the
                # centres (every group's bound renewed) beats the group loop
                load = kp
                glow = np.inf  # the least bound of the groups not searched
                u = np.inf
                if not new_row:
                    u = np.sqrt(own) * grow
                    load = 0
                    for g in range(n_groups):
                        sg = stored[row, g]
                        lg = sg - cum[g] - rel * (sg + cum[g])
                        low[g] = lg
                        open_ = not (u < lg)
                        load += gsize[g] if open_ else 0
                        glow = min(glow, np.inf if open_ else lg)
                full = load * YY_FULL_SHARE >= kp
                if full:
                    block_computed += k
                    _all_distances(X, row, cg, dist)
                    glow = np.inf
                n_open = 0
                for g in range(n_groups):
                    g0, g1 = gstart[g], gstart[g + 1]
                    if not full:
                        if u < low[g]:
                            continue  # cleared by the row's own distance
                        if np.sqrt(best) * grow < low[g]:  # by the best found so far
                            glow = min(glow, low[g])
                            continue
                        block_computed += gsize[g]
                        _slab_distances(X, row, cg, g0, g1, dist[g0:g1])
                    m1, m2, q1 = _scan(dist, 0, g0, g1, order)
                    opened[n_open] = g
                    least[n_open] = m1
                    second[n_open] = m2
                    at[n_open] = q1
                    n_open += 1
                    j = order[q1]
                    if m1 < best or (m1 == best and j < bestj):
                        best = m1
                        bestj = j
                # the new bounds: a searched group's least distance but the row's new
                # centre's; the old centre's group, if not searched, takes it in
                old_open = new_row
                for i in range(n_open):
                    g = opened[i]
                    v = np.sqrt(second[i] if order[at[i]] == bestj else least[i])
                    stored[row, g] = v + cum[g]
                    glow = min(glow, v)
                    old_open = old_open or g == group_of[a]
                if bestj != a and not old_open:
                    g = group_of[a]
                    v = np.sqrt(own)
                    stored[row, g] = min(stored[row, g], v + cum[g])
                    glow = min(glow, v)
                glob[row] = glow + cmax
                if bestj != a:
                    block_changed += 1
                    labels[row] = bestj
                    a = bestj
                own = best
            block_inertia += _add_row(X, row, a, sample_weight[row], own, centers, acc,
                                      wacc)
        _store_block(b, acc, wacc, psums, pweights)
        pinertia[b] = block_inertia
        pchanged[b] = block_changed
        pcomputed[b] = block_computed


def yinyang_iter(X, sample_weight, centers, labels, order, gstart, stored, glob, cum, cmax,
                 sums, wsums, chunk_size, parallel=False):
    """One Lloyd iteration with Yinyang's group bounds; see
    ``fastem._reference.kmeans.yinyang_iter``. Returns (inertia, n_changed,
    n_computed)."""
    rel = 8.0 * (X.shape[1] + 4) * float(np.finfo(X.dtype).eps)  # as hamerly_iter
    X, sample_weight = readonly(X), readonly(sample_weight)
    (n, d), k = X.shape, centers.shape[0]
    threads = _threads(parallel)
    n_blocks, block_rows = _block_layout(n, chunk_size, k, d)
    cg, pos, group_of = _by_group(centers, order, gstart)
    gsize = np.diff(gstart).astype(np.int64)  # positions (whole slabs)
    half = _half_gaps(cg, pos, threads)  # by centre
    partials = _partials(n_blocks, k, d, 2)
    run_blocks(_yinyang_blocks, n_blocks,
               (block_rows, X, sample_weight, centers, labels, order, gstart, stored, glob,
                cum, float(cmax), rel, cg, pos, group_of, gsize, half, *partials), threads)
    inertia, n_changed = _add_partials(partials, sums, wsums)
    return inertia, n_changed, int(partials[4].sum())
