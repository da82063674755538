"""K-Means kernels, NumPy reference (the specification of ``fastem._kernels.kmeans``).

Buffers are tagged IN / OUT / INOUT with shape and dtype. ``X``, ``centers`` and
``offset`` share one floating dtype (float32 or float64); weights and accumulators are
float64; labels are int32. ``parallel`` is accepted for signature parity and ignored.

Distances are taken from the differences ``x - c`` (rounded to the data's dtype), which
do not depend on where the data sit; ``offset`` (a point near the data, in the data's
dtype) is the origin of the numba twin's matrix-product form, whose expansion would
otherwise lose digits far from the origin, and is not needed here. The sums are taken
about each row's own centre, ``sum w (x - c)``.
"""

import numpy as np

__all__ = ["lloyd_iter", "hamerly_iter", "yinyang_iter", "yinyang_seed", "assign", "sq_distances"]


def _chunk_sq_dist(Xr, rel):
    # (chunk, k) squared distances between rows and centres: differences in the data
    # dtype, sums in float64. The numba kernel sums in float64 for d <= 3 and in the
    # data dtype otherwise (as scikit-learn does), so float32 results agree to float32
    # rounding. Memory is chunk x k x d, never n x k.
    with np.errstate(over="ignore", invalid="ignore"):  # huge values: inf, as numba
        diff = Xr[:, None, :] - rel[None, :, :]
        return np.einsum("ikf,ikf->ik", diff, diff, dtype=np.float64)


def lloyd_iter(X, sample_weight, centers, offset, labels, sums, wsums, chunk_size,
               parallel=False):
    """One Lloyd iteration, fused: assign each row to its nearest centre and
    accumulate the weighted per-cluster sums, weights and inertia.

    Parameters
    ----------
    X : IN ndarray of shape (n_samples, n_features), float32 or float64
    sample_weight : IN ndarray of shape (n_samples,), float64
    centers : IN ndarray of shape (n_clusters, n_features), X.dtype
    offset : IN ndarray of shape (n_features,), X.dtype
        The origin of the numba twin's matrix-product form (see the module docstring).
    labels : INOUT ndarray of shape (n_samples,), int32
        Previous labels in, labels for ``centers`` out.
    sums : OUT ndarray of shape (n_clusters, n_features), float64
        Weighted sum of ``row - centre`` over the rows assigned to each cluster (the
        difference taken in the frame; the new centre is ``centre + sums / wsums``).
    wsums : OUT ndarray of shape (n_clusters,), float64
        Total weight assigned to each cluster.
    chunk_size : int
        Rows per chunk.
    parallel : bool
        Ignored here.

    Returns
    -------
    inertia : float
        Weighted sum of squared distances to the nearest centre.
    n_changed : int
        Rows whose label differs from the one passed in.
    """
    n = X.shape[0]
    k = centers.shape[0]
    rel = centers
    sums[...] = 0.0
    wsums[...] = 0.0
    inertia = 0.0
    n_changed = 0
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        Xc = X[start:stop]
        wc = sample_weight[start:stop]
        d2 = _chunk_sq_dist(Xc, rel)
        lab = np.argmin(d2, axis=1).astype(np.int32)
        mind = d2[np.arange(stop - start), lab]
        n_changed += int(np.count_nonzero(labels[start:stop] != lab))
        labels[start:stop] = lab
        inertia += float(wc @ mind)
        onehot = np.zeros((stop - start, k))
        onehot[np.arange(stop - start), lab] = wc
        wsums += onehot.sum(axis=0)
        with np.errstate(over="ignore", invalid="ignore"):
            diff = (Xc - rel[lab]).astype(np.float64)  # each row less its centre
        sums += onehot.T @ diff
    return inertia, n_changed


def hamerly_iter(X, sample_weight, centers, labels, lower, drift, fresh, sums, wsums,
                 chunk_size, parallel=False):
    """One Lloyd iteration that the numba twin runs with Hamerly's bound: the same
    labels, sums, weights and inertia as :func:`lloyd_iter` (here every row is
    searched).

    Parameters
    ----------
    X, sample_weight, centers, labels, sums, wsums, chunk_size, parallel
        As in :func:`lloyd_iter`.
    lower : INOUT ndarray of shape (n_samples,), float64
        Per row, a lower bound on its distance (not squared) to every centre but its
        own, for the centres of the previous call: the numba twin updates it and
        searches a row only where the bound does not prove its centre nearest.
    drift : IN ndarray of shape (n_clusters,), float64
        How far each centre moved since the previous call.
    fresh : bool
        True on the first call (``lower`` and ``labels`` hold nothing yet): every row
        is searched.

    Returns
    -------
    inertia : float
    n_changed : int
        As in :func:`lloyd_iter`.
    n_searched : int
        Rows whose nearest centre was searched among all of them (here: all).
    """
    inertia, n_changed = lloyd_iter(X, sample_weight, centers, centers[0], labels, sums,
                                    wsums, chunk_size)
    return inertia, n_changed, X.shape[0]


def yinyang_iter(X, sample_weight, centers, labels, order, gstart, stored, glob, cum, cmax,
                 sums, wsums, chunk_size, parallel=False):
    """One Lloyd iteration with Yinyang's group bounds (Ding et al. 2015): the same
    labels, sums, weights and inertia as :func:`lloyd_iter`. This twin computes every
    distance (it is Lloyd) and leaves the bounds alone.

    Parameters
    ----------
    X, sample_weight, centers, labels, sums, wsums, chunk_size, parallel
        As in :func:`lloyd_iter`.
    order : IN ndarray of shape (n_clusters,), int64
        The centres grouped: group g is ``order[gstart[g]:gstart[g + 1]]``, each group
        in increasing order.
    gstart : IN ndarray of shape (n_groups + 1,), int64
    stored : INOUT ndarray of shape (n_samples, n_groups), float64
        Per row and group, a lower bound on the row's distance (not squared) to the
        group's centres but its own, plus ``cum[g]`` when it was stored.
    glob : INOUT ndarray of shape (n_samples,), float64
        Per row, a lower bound on its distance to every centre but its own, plus
        ``cmax`` when it was stored.
    cum : IN ndarray of shape (n_groups,), float64
        Per group, the largest move of its centres summed over the previous calls.
    cmax : float
        The largest move of any centre summed likewise.

    Returns
    -------
    inertia : float
    n_changed : int
        As in :func:`lloyd_iter`.
    n_computed : int
        Distances computed (here: n_samples x n_clusters).
    """
    inertia, n_changed = lloyd_iter(X, sample_weight, centers, centers[0], labels, sums,
                                    wsums, chunk_size)
    return inertia, n_changed, X.shape[0] * centers.shape[0]


def yinyang_seed(X, centers, labels, order, gstart, stored, glob, parallel=False):
    """Yinyang's first bounds, after a Lloyd pass set ``labels`` for ``centers``: per
    row, its exact distance to the nearest other centre of its own group, and for the
    other groups its distance to the group's mean less the group's radius; ``glob``
    the least of them (``cum`` and ``cmax`` are then 0). This twin leaves the bounds
    alone (its ``yinyang_iter`` does not read them).

    Parameters
    ----------
    X, centers, labels, order, gstart, stored, glob, parallel
        As in :func:`yinyang_iter`; ``labels`` are read.
    """


def assign(X, sample_weight, centers, offset, labels, mindist, chunk_size, parallel=False):
    """Assign-only pass (``predict``, the final E-step, empty-cluster relocation).

    Parameters
    ----------
    X : IN ndarray of shape (n_samples, n_features), float32 or float64
    sample_weight : IN ndarray of shape (n_samples,), float64
    centers : IN ndarray of shape (n_clusters, n_features), X.dtype
    offset : IN ndarray of shape (n_features,), X.dtype
    labels : OUT ndarray of shape (n_samples,), int32
    mindist : OUT ndarray of shape (n_samples,) or (0,), float64
        Squared distance of each row to its centre; not written when empty.
    chunk_size : int
    parallel : bool

    Returns
    -------
    inertia : float
    """
    n = X.shape[0]
    rel = centers
    inertia = 0.0
    write_dist = mindist.shape[0] > 0
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        d2 = _chunk_sq_dist(X[start:stop], rel)
        lab = np.argmin(d2, axis=1).astype(np.int32)
        mind = d2[np.arange(stop - start), lab]
        labels[start:stop] = lab
        if write_dist:
            mindist[start:stop] = mind
        with np.errstate(over="ignore", invalid="ignore"):  # reported as inf, as numba
            inertia += float(sample_weight[start:stop] @ mind)
    return inertia


def sq_distances(X, centers, offset, out, chunk_size, parallel=False):
    """Squared Euclidean distance of every row to every centre (``transform``).

    Parameters
    ----------
    X : IN ndarray of shape (n_samples, n_features), float32 or float64
    centers : IN ndarray of shape (n_clusters, n_features), X.dtype
    offset : IN ndarray of shape (n_features,), X.dtype
    out : OUT ndarray of shape (n_samples, n_clusters), X.dtype
    chunk_size : int
    parallel : bool
    """
    n = X.shape[0]
    rel = centers
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        with np.errstate(over="ignore"):  # beyond float32: inf, as numba
            out[start:stop] = _chunk_sq_dist(X[start:stop], rel)
