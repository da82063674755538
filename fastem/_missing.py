"""Rows grouped by their pattern of missing values, for exact EM on incomplete data.

EM over the observed entries (Ghahramani & Jordan 1994) needs, per (pattern,
component), the factorisation of the observed block of the covariance. The rows of a
pattern are therefore visited together: :func:`missing_layout` sorts the rows by
pattern (a permutation, X itself is not copied) and cuts them into *segments* of at
most ``chunk_size`` rows of one pattern, grouped into *blocks* of consecutive segments
with about equal numbers of rows. A kernel runs its blocks in parallel, each writing
its own partial statistics; the layout depends on the data, ``chunk_size``, k and d
only (never on the thread count), so that results do not depend on scheduling.

Both kernel backends take the same layout arrays:

- ``order`` (n_rows,) int64: row indices of X, grouped by pattern;
- ``seg_start`` (n_segments + 1,) int64: segment s is ``order[seg_start[s]:seg_start[s + 1]]``;
- ``seg_pattern`` (n_segments,) int64: the pattern number of each segment;
- ``block_seg`` (n_blocks + 1,) int64: block b holds segments ``block_seg[b]`` to
  ``block_seg[b + 1] - 1``.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["MissingLayout", "missing_layout", "MISSING_CHOICES"]

MISSING_CHOICES = ("raise", "em")
MAX_BLOCKS = 64
STATS_BUDGET = 1 << 21  # float64 values of partial statistics, as the complete kernels
PATTERN_COST = 1.0  # a pattern's factorisations cost about d rows (measured at d = 8, 16)


@dataclass(frozen=True)
class MissingLayout:
    order: np.ndarray
    seg_start: np.ndarray
    seg_pattern: np.ndarray
    block_seg: np.ndarray
    n_patterns: int
    n_incomplete: int   # rows with at least one missing value
    n_empty: int        # rows with every value missing

    def arrays(self):
        return self.order, self.seg_start, self.seg_pattern, self.block_seg


def missing_layout(mask, chunk_size, k, d, rows=None):
    """The layout of the rows of a boolean ``mask`` (n, d), True where X is missing.

    ``rows``: the row indices to visit (default: all); for instance the rows with a
    positive weight and at least one observed value.
    """
    n = mask.shape[0]
    if rows is None:
        rows = np.arange(n, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    full_mask = mask
    mask = mask[rows]
    n_incomplete = int(np.count_nonzero(mask.any(axis=1)))
    n_empty = int(np.count_nonzero(full_mask.all(axis=1)))
    if rows.size == 0:
        z = np.zeros(1, dtype=np.int64)
        return MissingLayout(rows, z, z[:0], z, 0, n_incomplete, n_empty)
    packed = np.packbits(mask, axis=1)
    # one opaque value per row, so that np.unique sorts rows and not bytes
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, pattern = np.unique(keys, return_inverse=True)
    pattern = pattern.ravel()
    perm = np.argsort(pattern, kind="stable")
    order = rows[perm]
    sorted_pattern = pattern[perm]
    # segments: runs of one pattern, cut every chunk_size rows
    cuts = np.flatnonzero(np.diff(sorted_pattern)) + 1
    starts = np.concatenate(([0], cuts))
    stops = np.concatenate((cuts, [order.size]))
    seg = [np.arange(a, b, chunk_size) for a, b in zip(starts, stops)]
    seg_start = np.concatenate(seg + [np.array([order.size])]).astype(np.int64)
    seg_pattern = sorted_pattern[seg_start[:-1]].astype(np.int64)
    # blocks: consecutive segments of about equal cost, counting a row as 1 and the
    # factorisations of a pattern (once per block that meets it) as PATTERN_COST x d
    # rows: cut by rows only, the blocks of many small patterns took 2-3x as long as
    # those of the complete rows, and the threads waited for them
    per_block = k * (1 + d + d * d) + 1
    n_seg = seg_start.size - 1
    n_blocks = max(1, min(MAX_BLOCKS, STATS_BUDGET // per_block, n_seg))
    new_pattern = np.ones(n_seg, dtype=bool)
    new_pattern[1:] = seg_pattern[1:] != seg_pattern[:-1]
    cost = np.diff(seg_start) + PATTERN_COST * d * new_pattern
    before = np.concatenate(([0], np.cumsum(cost)[:-1]))  # cost before each segment
    target = before[-1] + cost[-1]
    first = np.searchsorted(before, np.arange(1, n_blocks) * (target / n_blocks),
                            side="left")
    block_seg = np.unique(np.concatenate(([0], first, [seg_start.size - 1]))).astype(
        np.int64)
    return MissingLayout(order.astype(np.int64), seg_start, seg_pattern, block_seg,
                         int(sorted_pattern[-1]) + 1, n_incomplete, n_empty)
