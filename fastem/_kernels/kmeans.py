"""K-Means kernels, numba. Twin of ``fastem._reference.kmeans`` (same signatures).

Rows are cut into fixed-size chunks of ``chunk_size`` rows, and consecutive chunks
are grouped into at most ``MAX_BLOCKS`` blocks. ``prange`` runs over blocks; each
block writes its own partial sums, which are added afterwards in block order. The
layout depends on n_samples and chunk_size only, so results do not depend on the
thread count, and the partial buffers stay O(MAX_BLOCKS x k x d) whatever n is.
"""

import numpy as np

from .._jit import jit, jit_variants, prange

__all__ = ["lloyd_iter", "assign", "sq_distances", "MAX_BLOCKS"]

# Many more blocks than threads, so that a busy core does not hold the others up.
MAX_BLOCKS = 64


@jit
def _block_layout(n, chunk_size):
    n_chunks = (n + chunk_size - 1) // chunk_size
    chunks_per_block = (n_chunks + MAX_BLOCKS - 1) // MAX_BLOCKS
    block_rows = chunks_per_block * chunk_size
    n_blocks = (n + block_rows - 1) // block_rows
    return n_blocks, block_rows


def _lloyd_iter(X, sample_weight, centers, labels, sums, wsums, chunk_size):
    n, d = X.shape
    k = centers.shape[0]
    n_blocks, block_rows = _block_layout(n, chunk_size)
    psums = np.zeros((n_blocks, k, d))
    pweights = np.zeros((n_blocks, k))
    pinertia = np.zeros(n_blocks)
    pchanged = np.zeros(n_blocks, dtype=np.int64)
    for b in prange(n_blocks):
        start = b * block_rows
        stop = min(start + block_rows, n)
        block_inertia = 0.0
        block_changed = 0
        for i in range(start, stop):
            best = np.inf
            best_j = 0
            for j in range(k):
                dist = 0.0
                for f in range(d):
                    t = X[i, f] - centers[j, f]
                    dist += t * t
                if dist < best:
                    best = dist
                    best_j = j
            if labels[i] != best_j:
                block_changed += 1
            labels[i] = best_j
            w = sample_weight[i]
            block_inertia += w * best
            pweights[b, best_j] += w
            for f in range(d):
                psums[b, best_j, f] += w * X[i, f]
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


def _assign(X, sample_weight, centers, labels, mindist, chunk_size):
    n, d = X.shape
    k = centers.shape[0]
    write_dist = mindist.shape[0] > 0
    n_blocks, block_rows = _block_layout(n, chunk_size)
    pinertia = np.zeros(n_blocks)
    for b in prange(n_blocks):
        start = b * block_rows
        stop = min(start + block_rows, n)
        block_inertia = 0.0
        for i in range(start, stop):
            best = np.inf
            best_j = 0
            for j in range(k):
                dist = 0.0
                for f in range(d):
                    t = X[i, f] - centers[j, f]
                    dist += t * t
                if dist < best:
                    best = dist
                    best_j = j
            labels[i] = best_j
            if write_dist:
                mindist[i] = best
            block_inertia += sample_weight[i] * best
        pinertia[b] = block_inertia
    inertia = 0.0
    for b in range(n_blocks):
        inertia += pinertia[b]
    return inertia


def _sq_distances(X, centers, out, chunk_size):
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


def lloyd_iter(X, sample_weight, centers, labels, sums, wsums, chunk_size, parallel=False):
    """One fused Lloyd iteration; see ``fastem._reference.kmeans.lloyd_iter``."""
    fn = _lloyd_parallel if parallel else _lloyd_serial
    inertia, n_changed = fn(X, sample_weight, centers, labels, sums, wsums, chunk_size)
    return float(inertia), int(n_changed)


def assign(X, sample_weight, centers, labels, mindist, chunk_size, parallel=False):
    """Assign-only pass; see ``fastem._reference.kmeans.assign``."""
    fn = _assign_parallel if parallel else _assign_serial
    return float(fn(X, sample_weight, centers, labels, mindist, chunk_size))


def sq_distances(X, centers, out, chunk_size, parallel=False):
    """All squared distances; see ``fastem._reference.kmeans.sq_distances``."""
    fn = _sqdist_parallel if parallel else _sqdist_serial
    fn(X, centers, out, chunk_size)
