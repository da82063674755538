"""K-Means kernels, numba. Twin of ``fastem._reference.kmeans`` (same signatures).

Rows are cut into fixed-size chunks of ``chunk_size`` rows, and consecutive chunks
are grouped into at most ``MAX_BLOCKS`` blocks. ``prange`` runs over blocks; each
block writes its own partial sums, which are added afterwards in block order. The
layout depends on n_samples and chunk_size only, so results do not depend on the
thread count, and the partial buffers stay O(MAX_BLOCKS x k x d) whatever n is.

The nearest-centre search of a chunk has three forms, chosen by the shape
(``method``, see :func:`nearest_method`):

- ``ROWS`` (d <= 3, k < 8): a loop over rows, then centres, then features;
- ``COLUMNS`` (4 <= d < 32 and fewer than 128 centres for d >= 12): the chunk is
  copied feature-major (prefetching the next chunk's rows from RAM), and the innermost
  loop runs over its rows, which the compiler vectorises; d = 8 has an unrolled form
  that tests four centres per pass with the row's features in registers;
- ``GEMM`` (the rest: d >= 32, d <= 3 with k >= 8, 12 <= d < 32 with k >= 128): one
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

from .._jit import jit, jit_variants, prange, prefetch_row

__all__ = ["lloyd_iter", "assign", "sq_distances", "nearest_method", "MAX_BLOCKS"]

# Many more blocks than threads, so that a busy core does not hold the others up.
MAX_BLOCKS = 64
ROWS, COLUMNS, GEMM = 0, 1, 2
# From this many features the GEMM form keeps a chunk row-major (the product was
# faster so at d = 64 and 128, slower at d <= 32)
GEMM_ROW_MAJOR = 64


def nearest_method(n_features, n_clusters):
    """The nearest-centre search for the shape (ROWS, COLUMNS or GEMM).

    Measured per iteration at n = 1e5 (ms, the form chosen first): d = 2, k = 3: ROWS
    0.81, GEMM 1.05; d = 2, k = 8: ROWS 1.31, GEMM 1.15; d = 2, k = 256: ROWS 14.4,
    GEMM 4.8; d = 6, k = 128: COLUMNS 3.1, GEMM 3.8; d = 8, k = 256: COLUMNS 4.0,
    GEMM 7.7; d = 12, k = 128: COLUMNS 6.8, GEMM 6.7; d = 16, k = 256: COLUMNS 19.0,
    GEMM 14.8; d = 24, k = 128: COLUMNS 15.5, GEMM 12.3.
    """
    d, k = n_features, n_clusters
    if d >= 32 or (d <= 3 and k >= 8) or (d >= 12 and k >= 128):
        return GEMM
    return ROWS if d <= 3 else COLUMNS


@jit
def _block_layout(n, chunk_size):
    n_chunks = (n + chunk_size - 1) // chunk_size
    chunks_per_block = (n_chunks + MAX_BLOCKS - 1) // MAX_BLOCKS
    block_rows = chunks_per_block * chunk_size
    n_blocks = (n + block_rows - 1) // block_rows
    return n_blocks, block_rows


@jit
def _nearest_rows(X, c0, m, centers, best, bestj):
    d = X.shape[1]
    k = centers.shape[0]
    for i in range(m):
        b = np.inf
        bj = 0
        for j in range(k):
            dist = 0.0
            for f in range(d):
                t = X[c0 + i, f] - centers[j, f]
                dist += t * t
            if dist < b:
                b = dist
                bj = j
        best[i] = b
        bestj[i] = bj


@jit
def _load_chunk(X, c0, m, xt, best, bestj):
    """Copy rows c0..c0+m-1 feature-major into xt, set best[:m] = inf and bestj[:m] =
    0 (a row whose distances all overflow goes to the first centre, as in the other
    forms), and prefetch the next chunk's rows so that the copy does not wait on RAM."""
    d = X.shape[1]
    last = X.shape[0] - 1
    ahead = xt.shape[1]
    if d == 8:
        for i in range(m):
            r = c0 + i
            prefetch_row(X, min(r + ahead, last))
            xt[0, i] = X[r, 0]
            xt[1, i] = X[r, 1]
            xt[2, i] = X[r, 2]
            xt[3, i] = X[r, 3]
            xt[4, i] = X[r, 4]
            xt[5, i] = X[r, 5]
            xt[6, i] = X[r, 6]
            xt[7, i] = X[r, 7]
            best[i] = np.inf
            bestj[i] = 0
    else:
        for i in range(m):
            r = c0 + i
            prefetch_row(X, min(r + ahead, last))
            for f in range(d):
                xt[f, i] = X[r, f]
            best[i] = np.inf
            bestj[i] = 0


@jit
def _sq8(x0, x1, x2, x3, x4, x5, x6, x7, centers, j, zero):
    # squared distance to centre j, summed over features in order. ``zero`` is 0.0
    # that the compiler cannot see: starting from it, the products are fused one by
    # one into the running sum exactly as in the general loop (dist[i] += t * t);
    # from a bare ``t * t`` LLVM fuses the first product into the second instead,
    # which changes the last bit.
    t = x0 - centers[j, 0]
    s = zero + t * t
    t = x1 - centers[j, 1]
    s += t * t
    t = x2 - centers[j, 2]
    s += t * t
    t = x3 - centers[j, 3]
    s += t * t
    t = x4 - centers[j, 4]
    s += t * t
    t = x5 - centers[j, 5]
    s += t * t
    t = x6 - centers[j, 6]
    s += t * t
    t = x7 - centers[j, 7]
    s += t * t
    return s


@jit
def _nearest_cols8(m, centers, best, bestj, xt):
    # d == 8: four centres per pass over the chunk, the row's features held in
    # registers; the compiler vectorises over rows. Same sums, same order, same ties
    # as the general loop.
    k = centers.shape[0]
    k4 = k - k % 4
    zero = centers[0, 0] - centers[0, 0]  # 0 in the data dtype, not folded (no nnan/ninf)
    for j in range(0, k4, 4):
        for i in range(m):
            x0 = xt[0, i]
            x1 = xt[1, i]
            x2 = xt[2, i]
            x3 = xt[3, i]
            x4 = xt[4, i]
            x5 = xt[5, i]
            x6 = xt[6, i]
            x7 = xt[7, i]
            s0 = _sq8(x0, x1, x2, x3, x4, x5, x6, x7, centers, j, zero)
            s1 = _sq8(x0, x1, x2, x3, x4, x5, x6, x7, centers, j + 1, zero)
            s2 = _sq8(x0, x1, x2, x3, x4, x5, x6, x7, centers, j + 2, zero)
            s3 = _sq8(x0, x1, x2, x3, x4, x5, x6, x7, centers, j + 3, zero)
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
    for j in range(k4, k):
        for i in range(m):
            s = _sq8(xt[0, i], xt[1, i], xt[2, i], xt[3, i], xt[4, i], xt[5, i], xt[6, i],
                     xt[7, i], centers, j, zero)
            b = best[i]
            bj = bestj[i]
            if s < b:
                b = s
                bj = j
            best[i] = b
            bestj[i] = bj


@jit
def _nearest_columns(X, c0, m, centers, best, bestj, xt, dist):
    d = X.shape[1]
    k = centers.shape[0]
    _load_chunk(X, c0, m, xt, best, bestj)
    if d == 8:
        _nearest_cols8(m, centers, best, bestj, xt)
        return
    for j in range(k):
        for i in range(m):
            dist[i] = 0.0
        for f in range(d):
            cf = centers[j, f]
            for i in range(m):
                t = xt[f, i] - cf
                dist[i] += t * t
        for i in range(m):
            if dist[i] < best[i]:
                best[i] = dist[i]
                bestj[i] = j


@jit
def _nearest_gemm(X, offset, c0, m, centers, centers_sq, best, bestj, xt, gt):
    """The expanded form: the chunk's rows less the offset are copied into xt, gt =
    centers @ rows^T is one matrix product (BLAS), and the argmin of ||c||^2 - 2 x.c
    runs over the centres with the rows in the vector lanes. The chosen centre's
    distance is then taken directly. xt is feature-major (d, chunk + 8) below
    GEMM_ROW_MAJOR features and row-major (chunk, d) from there on, the faster layout
    for the product on each side of that width."""
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
    for i in range(m):
        best[i] = np.inf
        bestj[i] = 0
    sq_max = 0.0
    for j in range(k):
        cs = centers_sq[j]
        sq_max = max(sq_max, cs)
        g = gt[j]
        for i in range(m):
            v = cs - 2.0 * g[i]
            if v < best[i]:
                best[i] = v
                bestj[i] = j
    for i in range(m):
        bj = bestj[i]
        xs = 0.0
        dist = 0.0
        for f in range(d):
            x = xt[i, f] if row_major else xt[f, i]
            xs += x * x
            t = x - centers[bj, f]
            dist += t * t
        if not (xs < np.inf and sq_max < np.inf):
            dist = np.inf  # the expansion overflowed: the choice is not to be trusted
        best[i] = dist


@jit
def _nearest_chunk(X, offset, c0, m, centers, centers_sq, method, best, bestj, xt, dist,
                   gt):
    """Fill best[:m] (squared distance) and bestj[:m] (index) of rows c0..c0+m-1
    (``centers`` less the offset for GEMM, as they are otherwise); ties go to the
    first centre. Leaves the rows in xt: feature-major for COLUMNS, less the offset for
    GEMM (row-major from GEMM_ROW_MAJOR features on)."""
    if method == ROWS:
        _nearest_rows(X, c0, m, centers, best, bestj)
    elif method == COLUMNS:
        _nearest_columns(X, c0, m, centers, best, bestj, xt, dist)
    else:
        _nearest_gemm(X, offset, c0, m, centers, centers_sq, best, bestj, xt, gt)


@jit
def _centre_terms(centers, offset, method):
    """For the GEMM form: the centres less the offset (k, d) and their squared norms.
    Otherwise the centres themselves and an empty array."""
    k, d = centers.shape
    if method != GEMM:
        return centers, np.empty(0, dtype=centers.dtype)
    rel = np.empty((k, d), dtype=centers.dtype)
    for j in range(k):
        for f in range(d):
            rel[j, f] = centers[j, f] - offset[f]
    centers_sq = np.empty(k, dtype=centers.dtype)
    for j in range(k):
        s = 0.0
        for f in range(d):
            s += rel[j, f] * rel[j, f]
        centers_sq[j] = s
    return rel, centers_sq


@jit
def _chunk_buffers(d, k, chunk_size, method, dtype_like):
    """The rows of a chunk: feature-major (d, chunk + 8) for COLUMNS and for GEMM below
    GEMM_ROW_MAJOR features (8 columns more than the chunk: feature rows 2 KiB apart
    would make the copy into the buffer hit the same cache sets d times over),
    row-major (chunk, d) for GEMM from there on; and the GEMM form's products, one row
    per centre. Small placeholders otherwise. Zero-filled, so that the rows past a
    short last chunk hold finite numbers for the matrix product."""
    if method == ROWS:
        return (np.zeros((1, 1), dtype=dtype_like.dtype),
                np.zeros((1, 1), dtype=dtype_like.dtype))
    if method == GEMM and d >= GEMM_ROW_MAJOR:
        return (np.zeros((chunk_size, d), dtype=dtype_like.dtype),
                np.zeros((k, chunk_size), dtype=dtype_like.dtype))
    xt = np.zeros((d, chunk_size + 8), dtype=dtype_like.dtype)
    if method == GEMM:
        return xt, np.zeros((k, chunk_size + 8), dtype=dtype_like.dtype)
    return xt, np.zeros((1, 1), dtype=dtype_like.dtype)


def _lloyd_iter(X, sample_weight, centers, offset, labels, sums, wsums, chunk_size, method):
    n, d = X.shape
    k = centers.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size)
    rel, centers_sq = _centre_terms(centers, offset, method)
    psums = np.zeros((n_blocks, k, d))
    pweights = np.zeros((n_blocks, k))
    pinertia = np.zeros(n_blocks)
    pchanged = np.zeros(n_blocks, dtype=np.int64)
    for b in prange(n_blocks):
        best = np.empty(chunk_size, dtype=X.dtype)
        bestj = np.empty(chunk_size, dtype=np.uint32)
        xt, gt = _chunk_buffers(d, k, chunk_size, method, X)
        dist = np.empty(chunk_size, dtype=X.dtype)
        acc = np.zeros((k, d))  # this block's sums and weights, small enough for L1
        wacc = np.zeros(k)
        start = b * block_rows
        stop = min(start + block_rows, n)
        block_inertia = 0.0
        block_changed = 0
        if method == ROWS:
            # few features: search and accumulate row by row, with no chunk buffers
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
                w = sample_weight[row]
                block_inertia += w * bd
                wacc[j] += w
                for f in range(d):
                    acc[j, f] += w * (X[row, f] - centers[j, f])
            start = stop  # the chunk loop below has nothing left to do
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _nearest_chunk(X, offset, c0, m, rel, centers_sq, method, best, bestj, xt,
                           dist, gt)
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
            # the chunk's rows are still in xt (L1; less the offset for GEMM, as rel
            # is): add them from there, less their centre
            if method == COLUMNS and d == 8:
                for i in range(m):
                    j = bestj[i]
                    w = wc[i]
                    acc[j, 0] += w * (xt[0, i] - rel[j, 0])
                    acc[j, 1] += w * (xt[1, i] - rel[j, 1])
                    acc[j, 2] += w * (xt[2, i] - rel[j, 2])
                    acc[j, 3] += w * (xt[3, i] - rel[j, 3])
                    acc[j, 4] += w * (xt[4, i] - rel[j, 4])
                    acc[j, 5] += w * (xt[5, i] - rel[j, 5])
                    acc[j, 6] += w * (xt[6, i] - rel[j, 6])
                    acc[j, 7] += w * (xt[7, i] - rel[j, 7])
            elif method == COLUMNS or d < GEMM_ROW_MAJOR:  # feature-major rows
                for i in range(m):
                    j = bestj[i]
                    w = wc[i]
                    for f in range(d):
                        acc[j, f] += w * (xt[f, i] - rel[j, f])
            else:  # GEMM on wide rows: the rows less the offset, row-major
                for i in range(m):
                    j = bestj[i]
                    w = wc[i]
                    for f in range(d):
                        acc[j, f] += w * (xt[i, f] - rel[j, f])
        for j in range(k):
            pweights[b, j] = wacc[j]
            for f in range(d):
                psums[b, j, f] = acc[j, f]
        pinertia[b] = block_inertia
        pchanged[b] = block_changed
    sums[:, :] = 0.0
    wsums[:] = 0.0
    inertia = 0.0
    n_changed = 0
    for b in range(n_blocks):
        inertia += pinertia[b]
        n_changed += pchanged[b]
        for j in range(k):
            wsums[j] += pweights[b, j]
            for f in range(d):
                sums[j, f] += psums[b, j, f]
    return inertia, n_changed


def _assign(X, sample_weight, centers, offset, labels, mindist, chunk_size, method):
    n, d = X.shape
    k = centers.shape[0]
    write_dist = mindist.shape[0] > 0
    n_blocks, block_rows = _block_layout(n, chunk_size)
    rel, centers_sq = _centre_terms(centers, offset, method)
    pinertia = np.zeros(n_blocks)
    for b in prange(n_blocks):
        best = np.empty(chunk_size, dtype=X.dtype)
        bestj = np.empty(chunk_size, dtype=np.int32)
        xt, gt = _chunk_buffers(d, k, chunk_size, method, X)
        dist = np.empty(chunk_size, dtype=X.dtype)
        start = b * block_rows
        stop = min(start + block_rows, n)
        block_inertia = 0.0
        for c0 in range(start, stop, chunk_size):
            m = min(chunk_size, stop - c0)
            _nearest_chunk(X, offset, c0, m, rel, centers_sq, method, best, bestj, xt,
                           dist, gt)
            for i in range(m):
                labels[c0 + i] = bestj[i]
                if write_dist:
                    mindist[c0 + i] = best[i]
                block_inertia += sample_weight[c0 + i] * best[i]
        pinertia[b] = block_inertia
    inertia = 0.0
    for b in range(n_blocks):
        inertia += pinertia[b]
    return inertia


def _sq_distances(X, centers, offset, out, chunk_size):
    # direct differences (offset is for the signature's sake: see the module docstring)
    n, d = X.shape
    k = centers.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size)
    for b in prange(n_blocks):
        start = b * block_rows
        stop = min(start + block_rows, n)
        for i in range(start, stop):
            for j in range(k):
                dist = 0.0
                for f in range(d):
                    t = X[i, f] - centers[j, f]
                    dist += t * t
                out[i, j] = dist


_lloyd_serial, _lloyd_parallel = jit_variants(_lloyd_iter)
_assign_serial, _assign_parallel = jit_variants(_assign)
_sqdist_serial, _sqdist_parallel = jit_variants(_sq_distances)


def lloyd_iter(X, sample_weight, centers, offset, labels, sums, wsums, chunk_size,
               parallel=False):
    """One fused Lloyd iteration; see ``fastem._reference.kmeans.lloyd_iter``."""
    fn = _lloyd_parallel if parallel else _lloyd_serial
    inertia, n_changed = fn(X, sample_weight, centers, offset, labels, sums, wsums,
                            chunk_size, nearest_method(X.shape[1], centers.shape[0]))
    return float(inertia), int(n_changed)


def assign(X, sample_weight, centers, offset, labels, mindist, chunk_size, parallel=False):
    """Assign-only pass; see ``fastem._reference.kmeans.assign``."""
    fn = _assign_parallel if parallel else _assign_serial
    return float(fn(X, sample_weight, centers, offset, labels, mindist, chunk_size,
                    nearest_method(X.shape[1], centers.shape[0])))


def sq_distances(X, centers, offset, out, chunk_size, parallel=False):
    """All squared distances; see ``fastem._reference.kmeans.sq_distances``."""
    fn = _sqdist_parallel if parallel else _sqdist_serial
    fn(X, centers, offset, out, chunk_size)
