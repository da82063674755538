"""K-Means as hard EM: E-step assigns each point to its nearest centre, M-step moves
each centre to the weighted mean of its points (Lloyd's algorithm)."""

from __future__ import annotations


import sys
from typing import Any, Callable

import numpy as np

from ._backend import runtime, thread_context
from ._base import EMBase, label_moments
from ._stats import SufficientStatistics
from ._validation import (check_array, check_choice, check_features, check_is_fitted,
                          check_int, check_labels, check_sample_weight, is_dask_array,
                          record_features, warn)
from ._typing import ArrayLike, NDArray, RandomStateLike
from .exceptions import ConvergenceWarning

__all__ = ["KMeans", "kmeans_plusplus"]

_EMPTY = np.empty(0)
# algorithm="auto" runs Lloyd, and from AUTO_HAMERLY_MIN_K clusters on with at most
# AUTO_HAMERLY_MAX_FEATURES features Hamerly's bounded search once AUTO_BOUNDS_AFTER
# Lloyd iterations are done and fewer than AUTO_BOUNDS_CHANGED of the rows changed their
# centre in an iteration (the first bounded pass costs two to three Lloyd passes, and
# bounds set while the centres still move far are soon useless). With more features it
# stays with Lloyd: neither bounded search was faster on every kind of data there (see
# the README, "K-Means for many clusters", for the measurements)
AUTO_BOUNDS_AFTER = 5
AUTO_BOUNDS_CHANGED = 0.125
AUTO_HAMERLY_MIN_K = 32
AUTO_HAMERLY_MAX_FEATURES = 3
# ... and Yinyang's instead from this many clusters on (1.00-1.21x Hamerly's at k = 256
# and 1000 on three kinds of data, 0.69-0.91x at k = 100)
AUTO_YINYANG_MIN_K = 256


# Yinyang's groups: about this many centres each, and at most YINYANG_MAX_BOUNDS
# group bounds in all (n_samples x n_groups float64: 128 MiB)
YINYANG_GROUP_SIZE = 10
YINYANG_MAX_BOUNDS = 1 << 24


def _centre_groups(centers, n_groups, n_iter=5):
    """Yinyang's grouping: ``n_groups`` groups of nearby centres, by a few Lloyd
    iterations on the centres themselves (started from evenly spaced ones).
    Deterministic. Returns ``(order, gstart)``: group g is
    ``order[gstart[g]:gstart[g + 1]]``, in increasing order and padded with -1 to a
    multiple of the kernels' slab width; empty groups are dropped."""
    k = centers.shape[0]
    n_groups = max(1, min(n_groups, k))
    seeds = centers[np.linspace(0, k - 1, n_groups).round().astype(np.intp)]
    group = np.zeros(k, dtype=np.intp)
    sq = np.einsum("ij,ij->i", centers, centers)
    for _ in range(n_iter):
        d2 = sq[:, None] - 2.0 * centers @ seeds.T + np.einsum("ij,ij->i", seeds, seeds)
        group = np.argmin(d2, axis=1)
        counts = np.bincount(group, minlength=n_groups)
        filled = counts > 0
        sums = np.zeros_like(seeds)
        np.add.at(sums, group, centers)
        seeds[filled] = sums[filled] / counts[filled, None]
    slab = 8  # fastem._kernels.kmeans.SLAB
    parts, gstart = [], [0]
    for g in range(n_groups):
        members = np.flatnonzero(group == g)
        if members.size:
            width = -(-members.size // slab) * slab
            parts.append(np.concatenate([members, np.full(width - members.size, -1)]))
            gstart.append(gstart[-1] + width)
    return np.concatenate(parts).astype(np.int64), np.array(gstart, dtype=np.int64)


# ----------------------------------------------------------------- initialisation

_SEED_BLOCK = 16384  # rows per block when seeding: memory O(block x candidates)


def _sq_dist_to(X, x_sq, C, origin):
    """(n, m) squared distances from the rows of X to the rows of C, float64, both
    taken less ``origin`` (the data's mean, in X's dtype: the expanded form below then
    loses no more digits far from the origin than near it). Expanded form, one matrix
    product in X's dtype; only used to seed centres, by blocks of rows."""
    with np.errstate(over="ignore", invalid="ignore"):  # huge values: infinite distances
        Xc = X - origin
        Cc = C.astype(X.dtype) - origin
        d2 = (Xc @ Cc.T).astype(np.float64)
        d2 *= -2.0
        d2 += x_sq[:, None]
        Cc = Cc.astype(np.float64)
        d2 += np.einsum("ij,ij->i", Cc, Cc)[None, :]
    np.maximum(d2, 0.0, out=d2)
    return d2


def _candidate_potentials(X, x_sq, closest, sample_weight, C, origin):
    """sum_i w_i min(closest_i, |x_i - c|^2) for each row c of C, by blocks of rows."""
    out = np.zeros(C.shape[0])
    for start in range(0, X.shape[0], _SEED_BLOCK):
        sl = slice(start, start + _SEED_BLOCK)
        d2 = _sq_dist_to(X[sl], x_sq[sl], C, origin)
        np.minimum(d2, closest[sl, None], out=d2)
        out += sample_weight[sl] @ d2
    return out


def _update_closest(X, x_sq, closest, c, origin):
    for start in range(0, X.shape[0], _SEED_BLOCK):
        sl = slice(start, start + _SEED_BLOCK)
        np.minimum(closest[sl], _sq_dist_to(X[sl], x_sq[sl], c[None], origin)[:, 0],
                   out=closest[sl])


def _centred_sq_norms(X, origin):
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], _SEED_BLOCK):
        with np.errstate(over="ignore", invalid="ignore"):
            Xc = X[start:start + _SEED_BLOCK] - origin
            out[start:start + _SEED_BLOCK] = np.einsum("ij,ij->i", Xc, Xc, dtype=np.float64)
    return out


def kmeans_plusplus(X: ArrayLike, n_clusters: int, *, sample_weight: ArrayLike | None = None,
                    random_state: RandomStateLike = None,
                    n_local_trials: int | None = None) -> tuple[NDArray, NDArray]:
    """Greedy k-means++ seeding, weighted by ``sample_weight``.

    The first centre is drawn with probability proportional to the weights; each
    next one is the best (lowest potential) of ``n_local_trials`` candidates drawn
    with probability proportional to weight x squared distance to the nearest
    centre chosen so far (Arthur & Vassilvitskii 2007; scikit-learn's variant).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_clusters : int
    sample_weight : ndarray of shape (n_samples,), optional
    random_state : None, int, SeedSequence, Generator or RandomState
    n_local_trials : int, optional
        Defaults to ``2 + int(log(n_clusters))``.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features), X.dtype
    indices : ndarray of shape (n_clusters,)
        Rows of X chosen as centres.
    """
    X = check_array(X)
    n = X.shape[0]
    n_clusters = check_int(n_clusters, "n_clusters", min_value=1, max_value=n)
    sample_weight = check_sample_weight(sample_weight, n)
    if isinstance(random_state, np.random.Generator):
        rng = random_state
    else:
        from ._validation import seed_sequence

        rng = np.random.default_rng(seed_sequence(random_state))
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters))
    n_local_trials = check_int(n_local_trials, "n_local_trials", min_value=1)
    indices = _plusplus(X, n_clusters, sample_weight, rng, n_local_trials)
    return X[indices], indices


def _plusplus(X, n_clusters, sample_weight, rng, n_local_trials=None, fixed=None):
    """The rows k-means++ picks (see :func:`kmeans_plusplus`); ``fixed``: centres
    already chosen (seeded K-Means' labelled means), which the new ones are drawn
    away from."""
    n = X.shape[0]
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters + (0 if fixed is None else len(fixed))))
    # distances are taken about the data's mean, so the seeds do not depend on where
    # the data sit (as scikit-learn, which centres X before seeding)
    origin = _origin(X)
    x_sq = _centred_sq_norms(X, origin)
    indices = np.empty(n_clusters, dtype=np.intp)
    if fixed is not None and len(fixed):
        closest = np.full(n, np.inf)
        for c in fixed:
            _update_closest(X, x_sq, closest, c, origin)
        start = 0
    else:
        # drawn before ``closest`` exists: the draw's n-row temporaries and it are
        # never held at once
        first = rng.choice(n, p=sample_weight / sample_weight.sum())
        indices[0] = first
        closest = np.full(n, np.inf)
        _update_closest(X, x_sq, closest, X[first], origin)
        start = 1
    potential = closest @ sample_weight
    cumulative = np.empty(n)  # one buffer for the sampling distribution, reused
    for c in range(start, n_clusters):
        if fixed is not None and not potential > 0:
            # the rows left all sit on the seeded centres: draw the rest by weight
            taken = np.zeros(n, dtype=bool)
            taken[indices[:c]] = True
            p = np.where(taken, 0.0, sample_weight)
            indices[c:] = rng.choice(n, size=n_clusters - c, replace=False, p=p / p.sum())
            break
        targets = rng.uniform(size=n_local_trials) * potential
        np.multiply(sample_weight, closest, out=cumulative)
        np.cumsum(cumulative, out=cumulative)
        candidates = np.searchsorted(cumulative, targets)
        np.minimum(candidates, n - 1, out=candidates)
        # two passes by blocks of rows instead of an (n, n_local_trials) matrix
        potentials = _candidate_potentials(X, x_sq, closest, sample_weight, X[candidates],
                                           origin)
        best = int(np.argmin(potentials))
        potential = potentials[best]
        _update_closest(X, x_sq, closest, X[candidates[best]], origin)
        indices[c] = candidates[best]
    return indices


_ORIGIN_ROWS = 4096  # rows (evenly spaced) whose mean is the origin of the frame


def _label_block(X, w, parts):
    """Per label of a semi-supervised fit: its rows' total weight, weighted mean and
    scatter about that mean, float64 (they do not change during the fit)."""
    classes = np.array([c for c, _ in parts], dtype=np.intp)
    d = X.shape[1]
    weight, mean, scatter = np.zeros(len(parts)), np.zeros((len(parts), d)), np.zeros(len(parts))
    for i, (_, rows) in enumerate(parts):
        weight[i], mean[i], matrix = label_moments(X, w, rows)
        scatter[i] = np.trace(matrix)
    return {"classes": classes, "weight": weight, "mean": mean, "scatter": scatter,
            "rows": int(sum(len(rows) for _, rows in parts))}


def _add_labelled(block, centers, sums, wsums):
    """Add the labelled rows to the sums about ``centers`` and the weights of a pass;
    returns their inertia."""
    classes = block["classes"]
    if not classes.size:
        return 0.0
    delta = block["mean"] - centers[classes].astype(np.float64)
    sums[classes] += block["weight"][:, None] * delta
    wsums[classes] += block["weight"]
    return float(block["scatter"].sum() + block["weight"] @ np.einsum("ij,ij->i", delta,
                                                                        delta))


def _origin(X):
    """The origin of the frame the kernels take distances and sums in: the mean of up
    to _ORIGIN_ROWS evenly spaced rows of X, in X's dtype. It lies among the data and
    moves with them, so results do not depend on where the data sit (scikit-learn
    centres X for the same reason), and costs O(d) whatever n is."""
    step = max(1, X.shape[0] // _ORIGIN_ROWS)
    return np.ascontiguousarray(X[::step].mean(axis=0, dtype=np.float64), dtype=X.dtype)


def _fits_squares(X, extra, dtype):
    """Whether no squared distance between points of the box of X (and of the rows of
    ``extra``) can overflow ``dtype`` (with a factor 4 to spare for rounding and the
    expanded form). Every centre of a fit lies in that box."""
    limit = float(np.finfo(dtype).max) / 4.0
    d = X.shape[1]
    # cheap first: the largest magnitude bounds every range (two flat reductions)
    big = max(float(X.max()), -float(X.min()))
    if extra is not None:
        big = max(big, float(np.abs(extra).max()))
    if 4.0 * d * big * big < limit:
        return True
    # rare: the box itself (per-feature reductions are slower)
    with np.errstate(over="ignore", invalid="ignore"):
        lo = X.min(axis=0).astype(np.float64)
        hi = X.max(axis=0).astype(np.float64)
        if extra is not None:
            lo = np.minimum(lo, extra.min(axis=0))
            hi = np.maximum(hi, extra.max(axis=0))
        return bool(np.sum((hi - lo) ** 2) < limit)


def _overflow_error():
    return ValueError(
        "The (weighted) squared distances between the rows of X and the centres "
        "overflow float64. Scale X (for instance to unit variance), or sample_weight "
        "down, and fit again.")


def weighted_moments(X, sample_weight, block=65536):
    """(total weight, weighted mean, weighted sum of squared deviations) per feature
    of X, in float64 and in blocks of rows (no temporary of the size of X). Integer
    weights give the moments of the repeated rows; the Dask fit merges the chunks'
    moments (Chan, Golub and LeVeque)."""
    w = np.asarray(sample_weight, dtype=np.float64)
    total = float(w.sum())
    mean = (w @ X) / total
    m2 = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], block):
        diff = X[start:start + block] - mean
        m2 += w[start:start + block] @ (diff * diff)
    return total, mean, m2


def _mean_variance(X, sample_weight):
    """Mean over features of the weighted variance of X (np.var(X, axis=0).mean() for
    unit weights): what Lloyd's tol is relative to, so that a weighted table and its
    repeated rows stop at the same iteration."""
    total, _, m2 = weighted_moments(X, sample_weight)
    return float(m2.mean() / total)


# ---------------------------------------------------------------------- estimator

class KMeans(EMBase):
    """K-Means clustering by Lloyd's algorithm (hard EM), with numba kernels.

    Each iteration is one fused pass over the data: every point is assigned to its
    nearest centre while the weighted per-cluster sums and the inertia are
    accumulated, in fixed-size row chunks; no n_samples x n_clusters matrix is
    ever built during ``fit``.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    init : {"k-means++", "random"}, callable or array-like of shape \
            (n_clusters, n_features), default="k-means++"
        "k-means++": greedy weighted k-means++; "random": ``n_clusters`` distinct
        rows drawn with probability proportional to ``sample_weight``; an array:
        the initial centres; a callable ``init(X, n_clusters, rng)`` returning them
        (``rng`` is a :class:`numpy.random.Generator`).
    n_init : int or "auto", default=1
        Number of restarts; the one with the lowest inertia is kept. Restart ``i``
        draws from ``np.random.SeedSequence(random_state).spawn(n_init)[i]`` (the
        ``SeedSequence`` itself when ``n_init=1``), so any restart can be replayed
        alone. Forced to 1 when ``init`` is an array. "auto", as scikit-learn's: 1
        restart with ``init="k-means++"`` or an array, 10 with "random" or a
        callable.
    max_iter : int, default=300
        Maximum number of Lloyd iterations of a restart.
    tol : float, default=1e-4
        Convergence as scikit-learn's Lloyd: stop when no label changes, or when
        the total squared centre shift is at most ``tol`` times the mean
        per-feature variance of X, weighted by ``sample_weight`` (integer weights
        then stop where the repeated rows stop).
    warm_start : bool, default=False
        Start a new ``fit`` from the fitted ``cluster_centers_`` (one run).
    algorithm : {"auto", "lloyd", "hamerly", "yinyang", "elkan"}, default="auto"
        How an iteration finds each row's nearest centre; all give Lloyd's iterates
        (the same labels, centres, inertia and ``n_iter_``, up to the rounding of
        the distances). "lloyd" computes every distance. "hamerly" keeps, per row, a
        lower bound on its distance to every centre but its own (Hamerly 2010) and
        searches only the rows whose bound does not prove their centre nearest: one
        float64 per row of memory. "yinyang" (Ding et al. 2015) cuts the centres
        into groups of about ``YINYANG_GROUP_SIZE`` (10) nearby ones and keeps one
        bound per row and group, searching only the groups a row's bounds do not
        rule out: n_samples x n_groups float64 of memory, at most
        ``YINYANG_MAX_BOUNDS`` (2**24, 128 MiB; fewer groups past it); its first
        iteration is a Lloyd pass that sets the bounds. "elkan" (scikit-learn's name
        for its bounded method) runs "hamerly". "auto" runs "lloyd", and from
        ``AUTO_HAMERLY_MIN_K`` (32) clusters on with at most
        ``AUTO_HAMERLY_MAX_FEATURES`` (3) features switches to "hamerly" after
        ``AUTO_BOUNDS_AFTER`` (5) iterations once one changes the centre of fewer
        than ``AUTO_BOUNDS_CHANGED`` (1/8) of the rows, to "yinyang" instead from
        ``AUTO_YINYANG_MIN_K`` (256) clusters on. With more features it runs
        "lloyd": "yinyang" was faster there on clustered data with 16 or more
        features and slower on unclustered data (see the README for the
        measurements). The NumPy backend, ``partial_fit`` and Dask fits run Lloyd.
    backend : {"auto", "numba", "python"}, default="auto"
        Kernel implementation; "auto" follows :func:`fastem.get_config`.
    random_state : None, int, SeedSequence, Generator or RandomState, default=None
        Seeds the initialisation.
    record_history : bool, default=False
        Record the centres of every iteration in ``history_["cluster_centers"]``.
    verbose : int, default=0
        0: silent; 1: one line per restart with its result (iterations, objective,
        whether it is the best so far); 2: also one line per ``verbose_interval``
        iterations, with the restart's number (inertia, centre shift against
        the tolerance, labels changed; with a bounded search, the share of the rows
        searched or of the distances skipped).
    verbose_interval : int, default=10
        Iterations between two iteration lines at ``verbose=2`` (as scikit-learn's).
    learning_offset : float, default=2.0
        ``t0`` of :meth:`partial_fit` (mini-batch K-Means): the running sums and
        weights are ``s <- (1 - eta) s + eta * batch`` with ``eta = (t + t0) **
        -learning_decay`` for batch ``t`` = 1, 2, ... (the first batch starts them),
        and each centre is its running sum over its running weight.
    learning_decay : float in (0.5, 1], default=0.7
        ``alpha`` of that step. ``learning_offset=1, learning_decay=1`` makes every
        centre the mean of all the rows ever assigned to it: scikit-learn's
        MiniBatchKMeans (without its random reassignment of small clusters); the
        default forgets the assignments of early batches, made under worse centres.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Centres, in the dtype of the training data.
    labels_ : ndarray of shape (n_samples,), int32
        Cluster of each training point (for the final centres).
    inertia_ : float
        Weighted sum of squared distances to the closest centre.
    n_iter_ : int
        Iterations run by the best restart (or M-steps taken by :meth:`m_step`).
    n_steps_ : int
        Batches seen by :meth:`partial_fit` since the stream started.
    converged_ : bool
        Whether the best restart converged.
    history_ : dict of ndarray
        ``"objective"``: inertia at the initial centres and after each iteration,
        shape (``n_iter_`` + 1,); with ``record_history=True`` also
        ``"cluster_centers"``, shape (``n_iter_`` + 1, n_clusters, n_features).
    backend_ : str
        "numba" or "python", the backend the fit used.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fastem import KMeans
    >>> X = np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 0.0],
    ...               [10.0, 2.0], [10.0, 4.0], [10.0, 0.0]])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    """

    _kernel_module = "kmeans"
    _objective_label = "inertia"
    _objective_is_sum = True
    _n_init_auto = True

    def __init__(self, n_clusters: int = 8, *, init: str | ArrayLike | Callable = "k-means++",
                 n_init: int | str = 1, max_iter: int = 300, tol: float = 1e-4,
                 warm_start: bool = False, algorithm: str = "auto", backend: str = "auto",
                 random_state: RandomStateLike = None, record_history: bool = False,
                 verbose: int | bool = 0, verbose_interval: int = 10,
                 learning_offset: float = 2.0, learning_decay: float = 0.7) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.algorithm = algorithm
        self.backend = backend
        self.random_state = random_state
        self.record_history = record_history
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.learning_offset = learning_offset
        self.learning_decay = learning_decay

    # ------------------------------------------------------------------ checks
    def _init_kind(self):
        if isinstance(self.init, str):
            return check_choice(self.init, "init", ("k-means++", "random"))
        if callable(self.init):
            return "callable"
        return "array"

    def _check_init_centers(self, centers, n_features, dtype, what):
        try:
            centers = np.asarray(centers, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{what} must be an array of numbers: {exc}") from None
        expected = (self.n_clusters, n_features)
        if centers.shape != expected:
            raise ValueError(f"{what} must have shape (n_clusters, n_features) = "
                             f"{expected}, got {centers.shape}.")
        if not np.isfinite(centers).all():
            raise ValueError(f"{what} contains NaN or infinity.")
        return np.ascontiguousarray(centers, dtype=dtype)

    # -------------------------------------------------------------------- fit
    def fit(self, X: ArrayLike, y: ArrayLike | None = None,
            sample_weight: ArrayLike | None = None, *,
            labels: ArrayLike | None = None) -> KMeans:
        """Compute the clustering.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or dask.array.Array
            Training data; float32 stays float32, other dtypes become float64. A Dask
            array is fitted by exact EM over its chunks (see the README, "Scaling");
            ``labels_`` is then a lazy Dask array.
        y : ignored
            Not used, present for scikit-learn's API (a Pipeline or a
            cross-validation that passes class labels changes nothing).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights; integer weights give the fit of repeated rows.
        labels : array-like of shape (n_samples,), optional
            Partial labels (seeded and constrained K-Means, Basu et al. 2002): any
            class values (numbers or strings), -1, None or NaN for an unlabelled row.
            The sorted distinct classes are ``classes_``; class ``classes_[j]`` is
            cluster j, which starts at the mean of its labelled rows and keeps them
            (``labels_`` gives a labelled row its cluster). None: every row
            unlabelled.

        Returns
        -------
        self : KMeans
        """
        codes, classes = self._encode_labels(labels, fitting=True)
        self._fit_codes(X, sample_weight, codes)
        self._set_classes(classes, fitting=True)
        return self

    def _fit_codes(self, X, sample_weight, codes):
        """``fit`` with partial labels given as cluster indices (-1: unlabelled), as
        the mixtures' initialisations pass them."""
        self._fit_input(X, sample_weight, y=codes)
        if is_dask_array(self.labels_):
            return self
        k = self.n_clusters
        distinct = np.count_nonzero(np.bincount(self.labels_, minlength=k))
        if distinct < k:
            warn(f"Number of distinct clusters ({distinct}) found smaller than "
                 f"n_clusters ({k}). Possibly due to duplicate points in X.",
                 ConvergenceWarning)
        return self

    def _check_warm_start(self, n_features, dtype):
        self._check_init_centers(self.cluster_centers_, n_features, dtype,
                                 "cluster_centers_ (warm_start)")

    def _batch_data(self, X, sample_weight, fitting, tol=None, y=None):
        """Validated, prepared data and its Runtime. ``fitting``: X starts a model
        (init checks, feature names recorded); otherwise it must match the model.
        ``y``: partial labels (-1: unlabelled)."""
        X_raw = X
        X = check_array(X, estimator=type(self).__name__)
        n, d = X.shape
        k = check_int(self.n_clusters, "n_clusters", min_value=1)
        sample_weight = check_sample_weight(sample_weight, n, allow_zero_sum=not fitting)
        y = check_labels(y, n, k)
        if fitting:
            if n < k:
                raise ValueError(f"n_samples={n} should be >= n_clusters={k}.")
            self._check_init_params(X, sample_weight)
            record_features(self, X_raw, X)
        else:
            check_features(self, X_raw, X)
        fit_dtype = X.dtype
        X = self._distance_safe(X, fitting)
        rt = runtime(self.backend, self._kernel_module, n * k * d)
        w_main, labels = self._split_labels(X, sample_weight, y, lambda rows: rows,
                                            fitting=fitting)
        data = self._prepare(X, w_main, rt, tol=fitting if tol is None else tol,
                             tol_weight=sample_weight)
        data["fit_dtype"] = fit_dtype
        data["distance_safe"] = True  # checked above: _block_statistics need not
        if labels is not None:
            labels["block"] = _label_block(X, sample_weight, labels["parts"])
            data["labels"] = labels
            data["init_weight"] = sample_weight
        return data, rt

    def _distance_safe(self, X, fitting=True):
        """X in a dtype whose squared distances between the data and the centres of
        a fit cannot overflow: float32 data too wide for float32 distances are fitted
        in float64 (the centres are returned in float32), data too wide for float64
        are refused. Every centre of a fit lies in the box of the data and of the
        initial centres (or, for a batch of a fitted model, of its centres), so the
        box's diagonal bounds every distance."""
        extra = None
        if fitting and self._init_kind() == "array":
            extra = np.asarray(self.init, dtype=np.float64)
        elif hasattr(self, "cluster_centers_") and (
                not fitting or getattr(self, "warm_start", False)):
            extra = np.asarray(self.cluster_centers_, dtype=np.float64)
        if extra is not None and extra.shape[-1:] != X.shape[1:]:
            extra = None  # refused with a clearer message elsewhere
        if X.dtype == np.float32 and not _fits_squares(X, extra, np.float32):
            X = X.astype(np.float64)
        if X.dtype == np.float64 and not _fits_squares(X, extra, np.float64):
            raise _overflow_error()
        return X

    def _check_init_params(self, X, sample_weight):
        k = self.n_clusters
        kind = self._init_kind()
        if kind == "random" and np.count_nonzero(sample_weight) < k:
            raise ValueError(f"init='random' needs at least n_clusters={k} samples with "
                             f"positive sample_weight, got "
                             f"{np.count_nonzero(sample_weight)}.")
        if kind == "array":
            self._check_init_centers(self.init, X.shape[1], X.dtype, "init")

    def _effective_n_init(self):
        kind = self._init_kind()
        if isinstance(self.n_init, str):  # "auto", as scikit-learn's
            return 1 if kind in ("k-means++", "array") else 10
        if kind == "array" and self.n_init != 1:
            warn(f"Explicit initial centres passed: performing only one init instead of "
                 f"n_init={self.n_init}.", RuntimeWarning)
            return 1
        return self.n_init

    # ------------------------------------------------------------------ hooks
    def _prepare(self, X, sample_weight, rt, tol=True, tol_weight=None):
        # tol is relative to the variance of the data as weighted by the caller (every
        # row, labelled or not)
        tol = 0.0 if self.tol == 0 or not tol else self.tol * _mean_variance(
            X, sample_weight if tol_weight is None else tol_weight)
        return {"X": X, "sample_weight": sample_weight, "tol": tol, "origin": _origin(X),
                "algorithm": self._search_algorithm(X.shape[1], rt)}

    def _search_algorithm(self, n_features, rt):
        """"lloyd", "hamerly", "yinyang", "switch:hamerly" or "switch:yinyang"
        (Lloyd, then the bounds once few rows change): ``algorithm`` resolved for
        this fit."""
        choice = check_choice(self.algorithm, "algorithm",
                              ("auto", "lloyd", "hamerly", "yinyang", "elkan"))
        if rt.backend != "numba":
            return "lloyd"  # the NumPy backend: the same iterates
        if choice == "auto":
            if n_features > AUTO_HAMERLY_MAX_FEATURES or self.n_clusters < AUTO_HAMERLY_MIN_K:
                return "lloyd"
            return ("switch:yinyang" if self.n_clusters >= AUTO_YINYANG_MIN_K
                    else "switch:hamerly")
        if choice == "elkan":
            return "hamerly"
        return choice

    def _initialize(self, data, rng, rt):
        X, w = data["X"], data["sample_weight"]
        k = self.n_clusters
        kind = self._init_kind()
        labels = data.get("labels")
        if labels is not None and kind in ("k-means++", "random"):
            centers = self._seeded_centers(X, w, labels["block"], data["init_weight"], rng)
        elif kind == "k-means++":
            centers, _ = kmeans_plusplus(X, k, sample_weight=w, random_state=rng)
        elif kind == "random":
            rows = rng.choice(X.shape[0], size=k, replace=False, p=w / w.sum())
            centers = X[rows]
        elif kind == "callable":
            centers = self._check_init_centers(self.init(X, k, rng), X.shape[1], X.dtype,
                                               "the centres returned by init")
        else:
            centers = self._check_init_centers(self.init, X.shape[1], X.dtype, "init")
        return {"centers": np.array(centers, dtype=X.dtype, order="C"),
                "origin": data["origin"], "fit_dtype": data.get("fit_dtype", X.dtype)}

    def _seeded_centers(self, X, w_free, block, w, rng):
        """Seeded K-Means (Basu et al. 2002): a labelled cluster starts at the mean of
        its labelled rows; the others are seeded by ``init`` from the unlabelled rows
        (k-means++ draws them away from the labelled means)."""
        k = self.n_clusters
        centers = np.empty((k, X.shape[1]), dtype=X.dtype)
        classes = block["classes"]
        centers[classes] = block["mean"]
        free = np.setdiff1d(np.arange(k), classes)
        if free.size:
            if np.count_nonzero(w_free) < free.size:
                raise ValueError(f"{free.size} clusters have no labelled row, and each "
                                 "needs a seed among the unlabelled rows of positive "
                                 f"weight, but there are only {np.count_nonzero(w_free)} "
                                 "(label more clusters, or fit fewer).")
            if self.init == "k-means++":
                rows = _plusplus(X, free.size, w_free, rng, fixed=block["mean"])
            else:
                rows = rng.choice(X.shape[0], size=free.size, replace=False,
                                  p=w_free / w_free.sum())
            centers[free] = X[rows]
        return centers

    def _warm_params(self):
        return {"centers": np.array(self.cluster_centers_, order="C"),
                "origin": getattr(self, "_origin", None)}

    def _new_state(self, data, params, rt):
        X = data["X"]
        k, d = self.n_clusters, X.shape[1]
        centers = np.ascontiguousarray(params["centers"], dtype=X.dtype)
        if "dask" in data:  # labels live on the workers; only the centres here
            return {"centers": centers, "labels": None,
                    "origin": data["init"]["origin"].astype(X.dtype)}
        return {
            "centers": centers,
            "labels": np.full(X.shape[0], -1, dtype=np.int32),
            "sums": np.zeros((k, d)),
            "wsums": np.zeros(k),
            "origin": data["origin"],
        }

    def _iterate(self, data, state, rt):
        if "dask" in data:
            # per-chunk sums reduced across the cluster; no labels are kept between
            # iterations, so "no label changed" is seen as an unchanged centre set
            centers = state["centers"]
            stats = self._pass_statistics(data, state, rt)
            new_centers = self._params_from_statistics(stats, state)["centers"]
            shift = float(np.sum((new_centers.astype(np.float64) - centers) ** 2))
            state["centers"] = new_centers
            return stats.objective, shift, shift == 0.0 or shift <= data["tol"]
        X, w = data["X"], data["sample_weight"]
        centers, labels, sums, wsums = (state["centers"], state["labels"], state["sums"],
                                        state["wsums"])
        offset = state["origin"]
        algorithm = data.get("algorithm")
        if algorithm.startswith("switch:"):  # Lloyd until the assignment settles
            state["passes"] = state.get("passes", 0) + 1
            settled = "lower" in state or "stored" in state or (
                state["passes"] > AUTO_BOUNDS_AFTER
                and state["changed"] < AUTO_BOUNDS_CHANGED * X.shape[0])
            algorithm = algorithm[len("switch:"):] if settled else "lloyd"
        if algorithm == "yinyang":
            if "stored" not in state:  # a Lloyd pass, then the first bounds
                self._start_yinyang(state, X.shape[0])
                inertia, n_changed = rt.kernels.lloyd_iter(
                    X, w, centers, offset, labels, sums, wsums, rt.chunk_size, rt.parallel)
                rt.kernels.yinyang_seed(X, centers, labels, state["order"],
                                        state["gstart"], state["stored"], state["glob"],
                                        rt.parallel)
                state["skipped"] = 0.0
            else:
                inertia, n_changed, n_computed = rt.kernels.yinyang_iter(
                    X, w, centers, labels, state["order"], state["gstart"],
                    state["stored"], state["glob"], state["cum"], state["cmax"], sums,
                    wsums, rt.chunk_size, rt.parallel)
                state["skipped"] = 1.0 - n_computed / (X.shape[0] * centers.shape[0])
        elif algorithm == "hamerly":
            fresh = "lower" not in state
            if fresh:
                state["lower"] = np.zeros(X.shape[0])
                state["drift"] = np.zeros(centers.shape[0])
            inertia, n_changed, n_searched = rt.kernels.hamerly_iter(
                X, w, centers, labels, state["lower"], state["drift"], fresh, sums, wsums,
                rt.chunk_size, rt.parallel)
            state["searched"] = n_searched / X.shape[0]
            # distances computed: every row's own (fresh rows: none), k per row searched
            n, k = X.shape[0], centers.shape[0]
            own = 0 if fresh else n - n_searched
            state["skipped"] = 1.0 - (own + n_searched * k) / (n * k)
        else:
            inertia, n_changed = rt.kernels.lloyd_iter(X, w, centers, offset, labels, sums,
                                                       wsums, rt.chunk_size, rt.parallel)
        state["changed"] = n_changed
        if data.get("labels") is not None:
            inertia += _add_labelled(data["labels"]["block"], centers, sums, wsums)
        new_centers = self._m_step(data, state, rt, offset)
        moves = (new_centers.astype(np.float64) - centers) ** 2
        shift = float(np.sum(moves))
        if "drift" in state:
            state["drift"] = np.sqrt(moves.sum(axis=1))
        if "stored" in state:  # the bounds' slack grows by each group's largest move
            drift = np.sqrt(moves.sum(axis=1))[state["order"]]
            state["cum"] += np.maximum.reduceat(drift, state["gstart"][:-1])
            state["cmax"] += float(drift.max())
        state["centers"] = new_centers
        converged = n_changed == 0 or shift <= data["tol"]
        return inertia, shift, converged

    def _start_yinyang(self, state, n_samples):
        """Group the centres for Yinyang's bounds (see :func:`_centre_groups`) and
        allocate the bounds: n_samples x n_groups float64."""
        centers = state["centers"].astype(np.float64)
        k = centers.shape[0]
        n_groups = max(1, min(-(-k // YINYANG_GROUP_SIZE),
                              YINYANG_MAX_BOUNDS // max(n_samples, 1)))
        order, gstart = _centre_groups(centers, n_groups)
        state["order"], state["gstart"] = order, gstart
        state["stored"] = np.zeros((n_samples, gstart.size - 1))
        state["glob"] = np.zeros(n_samples)
        state["cum"] = np.zeros(gstart.size - 1)
        state["cmax"] = 0.0

    def _change_note(self, change, state, data):
        """The centre shift against the tolerance it stops at, and how many labels
        changed (a shift within rounding of the data's scale reads as 0)."""
        if "dask" in data:
            return f"centre shift {change:.3g} (stops at {data['tol']:.3g})"
        scale = data["tol"] / self.tol if self.tol > 0 and data["tol"] > 0 else 1.0
        shift = "0 (to rounding)" if change <= 1e-24 * scale else f"{change:.3g}"
        return (f"centre shift {shift} (stops at {data['tol']:.3g}), "
                f"{state.get('changed', 0)} labels changed")

    def _iteration_note(self, state):
        note = ""
        if "searched" in state:
            note += f", full searches {100 * state['searched']:.1f}% of the rows"
        if "skipped" in state:
            note += f", distances skipped {100 * state['skipped']:.1f}%"
        return note

    def _m_step(self, data, state, rt, offset):
        """New centres from the sums (about each row's centre) and weights of the last
        pass, relocating the centres of empty clusters to the points farthest from
        their centres."""
        centers, sums, wsums = state["centers"], state["sums"], state["wsums"]
        new = centers.astype(np.float64)
        relocated = {}
        if not (wsums > 0).all():
            relocated = self._relocate_empty(data, state, rt, offset)
        filled = wsums > 0
        new[filled] += sums[filled] / wsums[filled, None]  # sums about the centres
        for j, row in relocated.items():
            new[j] = data["X"][row]  # the mean of one point is that point, exactly
        return new.astype(centers.dtype)

    def _relocate_empty(self, data, state, rt, offset):
        # As scikit-learn: the empty clusters take, in turn, the points farthest from
        # their (old) centres; sums and weights move with them.
        X, w = data["X"], data["sample_weight"]
        labels, sums, wsums = state["labels"], state["sums"], state["wsums"]
        empty = np.flatnonzero(wsums <= 0)
        mindist = np.empty(X.shape[0])
        tmp = np.empty(X.shape[0], dtype=np.int32)
        rt.kernels.assign(X, w, state["centers"], offset, tmp, mindist, rt.chunk_size,
                          rt.parallel)
        # a row of weight 0 is a removed row (it cannot fill a cluster), and a
        # labelled row stays in its cluster: neither is a candidate
        mindist[w <= 0] = -1.0
        if data.get("labels") is not None:
            mindist[data["labels"]["y"] >= 0] = -1.0
        n_empty = min(empty.size, int(np.count_nonzero(mindist >= 0)))
        if n_empty == 0:
            return {}  # no candidate: the empty clusters keep their centres
        far = np.argpartition(mindist, -n_empty)[:-n_empty - 1:-1]
        relocated = {}
        centers = state["centers"]
        for new_id, row in zip(empty, far):
            old_id = labels[row]
            # as the kernel took it (to rounding): the row less its old centre
            x = (X[row] - centers[old_id]).astype(np.float64)
            sums[old_id] -= x * w[row]
            sums[new_id] = 0.0  # about its new centre, the row itself
            wsums[new_id] = w[row]
            wsums[old_id] -= w[row]
            relocated[int(new_id)] = int(row)
        return relocated

    def _final_e_step(self, data, state, rt):
        if "dask" in data:
            from ._dask import map_rows

            self._store_params(state)
            state["labels"] = map_rows(self, data["X"], "predict")
            Y = data["dask"].get("labels")
            if Y is not None:  # a labelled row is in its cluster
                import dask.array as da

                state["labels"] = da.where(Y >= 0, Y, state["labels"]).astype(np.int32)
            return self._pass_statistics(data, state, rt).objective
        # the labels and inertia of the final centres by one more Lloyd pass (its sums
        # are dropped): the same search as ``assign``, and a first fit then compiles
        # one kernel, not two
        centers = state["centers"]
        sums, wsums = np.empty(centers.shape), np.empty(centers.shape[0])
        inertia, _ = rt.kernels.lloyd_iter(data["X"], data["sample_weight"], centers,
                                           state["origin"], state["labels"], sums, wsums,
                                           rt.chunk_size, rt.parallel)
        labels = data.get("labels")
        if labels is not None:  # a labelled row is in its cluster
            inertia += _add_labelled(labels["block"], centers, sums, wsums)
            y = labels["y"]
            state["labels"][y >= 0] = y[y >= 0]
        return inertia

    def _score_run(self, run):
        return -run.final_objective

    def _store(self, run, data):
        self._fit_dtype = data.get("fit_dtype", data["X"].dtype)
        self._origin = run.state["origin"]
        self.cluster_centers_ = self._as_fit_dtype(run.state["centers"])
        self.labels_ = run.state["labels"]
        # finite: EMBase refused the fit before storing anything otherwise
        self.inertia_ = float(np.ldexp(run.final_objective, data.get("objective_exponent", 0)))

    def _snapshot(self, state):
        return {"cluster_centers": np.array(self._as_fit_dtype(state["centers"]))}

    def _as_fit_dtype(self, centers):
        # float32 data fitted in float64 (see _distance_safe) keep float32 centres
        return centers.astype(getattr(self, "_fit_dtype", centers.dtype), copy=False)

    # ------------------------------------------- sufficient statistics, streaming
    def _block_statistics(self, data, params, rt):
        X, w = data["X"], data["sample_weight"]
        k, d = params["centers"].shape
        sums, counts = np.zeros((k, d)), np.zeros(k)
        labels = np.full(X.shape[0], -1, dtype=np.int32)
        if (X.dtype == np.float32 and not data.get("distance_safe")
                and not _fits_squares(X, params["centers"], np.float32)):
            X = X.astype(np.float64)  # a Dask chunk, checked here
        centers = np.ascontiguousarray(params["centers"], dtype=X.dtype)
        offset = self._offset_for(X, params.get("origin"))
        inertia, _ = rt.kernels.lloyd_iter(X, w, centers, offset, labels, sums, counts,
                                           rt.chunk_size, rt.parallel)
        # the kernel's sums are about each row's own centre, as the Gaussian moments
        # are about the means: exact where rows and centre coincide
        center = centers.astype(np.float64)
        return SufficientStatistics("kmeans", {"sums": sums, "counts": counts}, inertia,
                                    float(w.sum()), X.shape[0], center=center)

    def _labelled_statistics(self, labels, params, rt, like):
        """The labelled rows' sums about the centres, weights and inertia, from their
        per-label weight, mean and scatter (exact: sum w |x - c|^2 = Q + W |m - c|^2)."""
        k, d = like.arrays["sums"].shape
        sums, counts = np.zeros((k, d)), np.zeros(k)
        block = labels["block"]
        inertia = _add_labelled(block, like.center, sums, counts)
        return SufficientStatistics("kmeans", {"sums": sums, "counts": counts}, inertia,
                                    float(block["weight"].sum()), block["rows"],
                                    center=like.center)

    def _params_from_statistics(self, stats, params):
        # a centre that no row chose keeps its place (relocating it needs the data)
        old = params["centers"]
        counts = stats.arrays["counts"]
        filled = counts > 0
        new = old.astype(np.float64)
        center = 0.0 if stats.center is None else stats.center[filled]
        new[filled] = center + stats.arrays["sums"][filled] / counts[filled, None]
        return {"centers": new.astype(old.dtype)}

    def _stat_shapes(self, params):
        k, d = params["centers"].shape
        return {"sums": (k, d), "counts": (k,)}

    def _store_params(self, params):
        if "fit_dtype" in params:  # parameters that start a model
            self._fit_dtype = params["fit_dtype"]
            self._origin = params["origin"]
        self.cluster_centers_ = self._as_fit_dtype(params["centers"])

    @staticmethod
    def _offset_for(X, origin):
        """The model's origin (so that fit_predict and predict share their frame), or
        the batch's own when the model has none of the right shape."""
        if origin is None or origin.shape != (X.shape[1],):
            return _origin(X)
        return np.ascontiguousarray(origin, dtype=X.dtype)

    def _record_statistics(self, stats):
        self.inertia_ = stats.objective

    def _blend(self, stream, stats, step):
        # s <- (1 - eta) s + eta * batch: with eta = 1 / (step + 1) every centre is the
        # mean of all the rows ever assigned to it (Sculley 2010, scikit-learn's
        # MiniBatchKMeans); a slower decay forgets the assignments of early batches
        if stream is None:
            return stats
        eta = self.step_size(step)
        return stats * eta + stream * (1.0 - eta)

    # ------------------------------------------------------------- prediction
    def _check_X_predict(self, X):
        check_is_fitted(self, "cluster_centers_")
        X_checked = check_array(X, estimator=type(self).__name__)
        check_features(self, X, X_checked)
        return X_checked

    def _runtime(self, X):
        n, d = X.shape
        return runtime(self.backend, self._kernel_module, n * self.cluster_centers_.shape[0] * d)

    def _assign(self, X, sample_weight):
        rt = self._runtime(X)
        labels = np.empty(X.shape[0], dtype=np.int32)
        centers = np.ascontiguousarray(self.cluster_centers_, dtype=X.dtype)
        with thread_context(rt):
            inertia = rt.kernels.assign(X, sample_weight, centers,
                                        self._offset_for(X, getattr(self, "_origin", None)),
                                        labels, _EMPTY, rt.chunk_size, rt.parallel)
        if not np.isfinite(inertia):
            if X.dtype == np.float32:  # distances too large for float32: in float64
                return self._assign(X.astype(np.float64), sample_weight)
            raise _overflow_error()
        return labels, inertia

    def predict(self, X: ArrayLike) -> NDArray:
        """Index of the closest centre for each row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,), int32
            (a lazy Dask array for a Dask X)
        """
        if is_dask_array(X):
            return self._map_rows(X, "predict")
        X = self._check_X_predict(X)
        return self._assign(X, np.ones(X.shape[0]))[0]

    def _map_rows(self, X, method):
        from ._dask import map_rows

        check_is_fitted(self, "cluster_centers_")
        return map_rows(self, X, method)

    def fit_predict(self, X: ArrayLike, y: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None, *,
                    labels: ArrayLike | None = None) -> NDArray:
        """Fit, then return ``labels_`` (equal to ``predict(X)`` on the same X, except
        that a row labelled in ``labels`` has its cluster). ``y`` is ignored."""
        return self.fit(X, sample_weight=sample_weight, labels=labels).labels_

    def set_output(self, *, transform: str | None = None) -> KMeans:
        """Choose the container ``transform`` and ``fit_transform`` return, as
        scikit-learn's ``set_output``: "default" (a NumPy array), "pandas" or "polars"
        (a DataFrame with columns ``get_feature_names_out()``, and X's index when X is
        a pandas DataFrame); None leaves it as it is. Unset, scikit-learn's global
        ``set_config(transform_output=...)`` applies when scikit-learn is loaded.

        Returns
        -------
        self
        """
        if transform is not None:
            check_choice(transform, "transform", ("default", "pandas", "polars"))
            self._sklearn_output_config = {"transform": transform}
        return self

    def _output_kind(self):
        kind = getattr(self, "_sklearn_output_config", {}).get("transform")
        if kind is None and "sklearn" in sys.modules:
            import sklearn

            kind = sklearn.get_config().get("transform_output", "default")
        return kind or "default"

    def _wrap_output(self, out, X):
        kind = self._output_kind()
        if kind == "default" or is_dask_array(out):
            return out
        columns = list(self.get_feature_names_out())
        if kind == "pandas":
            import pandas as pd

            index = X.index if isinstance(X, pd.DataFrame) else None
            return pd.DataFrame(out, columns=columns, index=index)
        import polars as pl

        return pl.DataFrame(out, schema=columns)

    def transform(self, X: ArrayLike) -> Any:
        """Euclidean distance of each row to each centre.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters), dtype of X
            (a lazy Dask array for a Dask X; a DataFrame after ``set_output``)
        """
        return self._wrap_output(self._distances(X), X)

    def _distances(self, X):
        if is_dask_array(X):
            return self._map_rows(X, "_distances")
        X = self._check_X_predict(X)
        rt = self._runtime(X)
        # sized from the fitted centres: n_clusters may have been set since fit
        out = np.empty((X.shape[0], self.cluster_centers_.shape[0]), dtype=X.dtype)
        centers = np.ascontiguousarray(self.cluster_centers_, dtype=X.dtype)
        with thread_context(rt):
            rt.kernels.sq_distances(X, centers,
                                    self._offset_for(X, getattr(self, "_origin", None)), out,
                                    rt.chunk_size, rt.parallel)
        if not np.isfinite(out).all():
            if X.dtype != np.float32:
                raise _overflow_error()
            # distances too large for float32 squares: squared in float64
            out64 = np.empty(out.shape)
            centers = centers.astype(np.float64)
            with thread_context(rt):
                X64 = X.astype(np.float64)
                rt.kernels.sq_distances(X64, centers,
                                        self._offset_for(X64, getattr(self, "_origin", None)),
                                        out64, rt.chunk_size, rt.parallel)
            if not np.isfinite(out64).all():
                raise _overflow_error()
            return np.sqrt(out64).astype(np.float32)
        return np.sqrt(out, out=out)

    def fit_transform(self, X: ArrayLike, y: ArrayLike | None = None,
                      sample_weight: ArrayLike | None = None, *,
                      labels: ArrayLike | None = None) -> Any:
        """Fit, then return ``transform(X)``. ``y`` is ignored."""
        return self.fit(X, sample_weight=sample_weight, labels=labels).transform(X)

    def score(self, X: ArrayLike, y: ArrayLike | None = None,
              sample_weight: ArrayLike | None = None) -> float:
        """Opposite of the (weighted) inertia of X under the fitted centres."""
        X = self._check_X_predict(X)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        return -self._assign(X, sample_weight)[1]

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> NDArray:
        """Names of the ``transform`` outputs: ``kmeans0``, ``kmeans1``, ..."""
        check_is_fitted(self, "cluster_centers_")
        return np.asarray([f"kmeans{i}" for i in range(self.cluster_centers_.shape[0])],
                          dtype=object)

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "clusterer"
        tags.transformer_tags = TransformerTags(preserves_dtype=["float64", "float32"])
        return tags
