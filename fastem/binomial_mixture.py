"""Binomial mixtures fitted by EM: the two coins, K components, per-observation trial
counts, several independent counts per row (n_trials=1: a Bernoulli mixture)."""

from __future__ import annotations


import numpy as np

from ._backend import runtime, thread_context
from ._base import MixtureBase
from ._stats import SufficientStatistics
from ._validation import (check_float_array, check_mixture_weights,
                          check_array, check_bool, check_choice, check_features,
                          check_int, check_is_fitted, check_labels, check_sample_weight,
                          data_ndim,
                          is_dask_array,
                          record_features, seed_sequence, warn,
                          weighted_total)
from ._missing import MISSING_CHOICES
from ._typing import ArrayLike, NDArray, RandomStateLike
from .exceptions import IdentifiabilityWarning

__all__ = ["BinomialMixture"]

INIT_PARAMS = ("random", "kmeans")
_EMPTY_F = np.empty(0)
_EMPTY_I = np.empty(0, dtype=np.int64)
_EMPTY_R = np.empty((0, 0))
# Fit on the distinct (counts, trials) rows, with summed weights, when there are at
# most this fraction of them: an EM iteration then costs O(distinct rows), not O(n).
_COMPRESS_RATIO = 0.5


def _whole(a):
    return np.all(a == np.floor(a))


def check_counts(X, n_trials, *, estimator=None, allow_nan=False):
    """Validate success counts and trial counts (``allow_nan``: NaN counts are
    missing; they are checked as if they were 0).

    Returns
    -------
    X : ndarray of shape (n_samples, d), float64
    n_trials : ndarray of shape (1 or n_samples, 1 or d), float64
        Broadcastable to X.
    one_d : bool
        Whether X was given as a vector (one count per row).
    """
    one_d = data_ndim(X) == 1
    X = check_array(X, allow_1d=True, dtype=(np.float64,), estimator=estimator,
                    allow_nan=allow_nan, nan_hint="" if allow_nan else ", or set "
                    "missing='em' to leave missing counts out of the likelihood")
    mask = np.isnan(X) if allow_nan and np.isnan(X.sum()) else None
    if mask is not None:
        X = np.where(mask, 0.0, X)  # checked as 0, then dropped (below)
    if n_trials is None:
        raise ValueError("n_trials is required: the number of trials behind each count "
                         "(a scalar, or an array broadcastable to X; n_trials=1 for binary "
                         "data), given to fit or to the constructor.")
    try:
        nt = np.asarray(n_trials, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"n_trials must be a number or an array of numbers: {exc}") from None
    if not np.isfinite(nt).all():
        raise ValueError("n_trials contains NaN or infinity.")
    if (nt < 1).any():
        raise ValueError(f"n_trials must be >= 1, got a minimum of {nt.min():g}.")
    if not _whole(nt):
        raise ValueError("n_trials must hold whole numbers of trials.")
    if one_d and nt.ndim == 1:
        nt = nt[:, None]  # one count per row: a vector of trials is per row
    shape_given = nt.shape
    if nt.ndim > 2 or not _broadcastable(nt.shape, X.shape):
        raise ValueError(f"n_trials of shape {shape_given} is not broadcastable to X of "
                         f"shape {X.shape if not one_d else (X.shape[0],)}; give a scalar, "
                         "one value per row, per feature, or per count.")
    nt = nt.reshape((1,) * (2 - nt.ndim) + nt.shape)
    if (X < 0).any():
        row = int(np.argwhere(X < 0)[0, 0])
        raise ValueError(f"X must hold non-negative counts of successes; row {row} has "
                         f"{X[row].tolist()}.")
    if not _whole(X):
        row = int(np.argwhere(X != np.floor(X))[0, 0])
        raise ValueError(f"X must hold whole numbers of successes; row {row} has "
                         f"{X[row].tolist()}.")
    above = X > nt
    if above.any():
        row, col = (int(v) for v in np.argwhere(above)[0])
        raise ValueError(f"X has more successes than n_trials: row {row} has "
                         f"{X[row, col]:g} > {np.broadcast_to(nt, X.shape)[row, col]:g}.")
    if mask is not None:
        # a missing count: 0 successes out of 0 trials, which adds nothing to the row's
        # likelihood (0 log p + 0 log(1 - p), binomial coefficient 1) nor to the
        # statistics: it is left out exactly
        nt = np.array(np.broadcast_to(nt, X.shape))
        nt[mask] = 0.0
    return X, np.ascontiguousarray(nt), one_d


def _broadcastable(shape, target):
    """Whether an array of ``shape`` broadcasts to ``target`` without growing it."""
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


# Up to this many trials, log m! comes from a table of gammaln(m + 1) (three lookups
# per count instead of three gammaln calls: 60 -> 8 ms at 1e6 counts)
_LOG_FACTORIAL_TABLE = 1 << 20


def log_binomial_coefficients(X, n_trials):
    """Per row: sum over features of log C(n, x), shape (n_samples,). The counts are
    whole numbers (``check_counts``), so with at most ``_LOG_FACTORIAL_TABLE`` trials the
    three log-factorials are looked up in one table of ``gammaln(m + 1)``, the same
    values as ``gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)``."""
    from scipy.special import gammaln

    nt = np.broadcast_to(n_trials, X.shape)
    top = float(n_trials.max()) if n_trials.size else 0.0
    if top > _LOG_FACTORIAL_TABLE:
        return (gammaln(nt + 1.0) - gammaln(X + 1.0) - gammaln(nt - X + 1.0)).sum(axis=1)
    table = gammaln(np.arange(int(top) + 1) + 1.0)
    x = X.astype(np.intp)
    if n_trials.size == 1:  # one trial count for every count: log n! is one number
        n = int(n_trials.flat[0])
        return (table[n] - table[x] - table[n - x]).sum(axis=1)
    n = nt.astype(np.intp)
    return (table[n] - table[x] - table[n - x]).sum(axis=1)


def _log_probs(probs):
    with np.errstate(divide="ignore"):
        return (np.ascontiguousarray(np.log(probs)),
                np.ascontiguousarray(np.log1p(-probs)))


def compress_rows(X, n_trials, sample_weight, always=False):
    """Distinct (counts, trials) rows with summed weights, in lexicographic order, or
    None when they are not much fewer than the rows (``always``: the table whatever
    its size). Fitting on them gives the same EM (up to rounding); a weighted table
    and its repeated rows give the same distinct table, so an initialisation that
    reads it starts both alike.

    Counts are whole numbers, so each row packs into one integer key (the first
    column the most significant) and the distinct rows come from ``np.bincount`` in
    O(n), without sorting; only a key space much larger than n falls back to
    ``np.unique``, which gives the same order.
    """
    n = X.shape[0]
    if not always and (n < 64 or _COMPRESS_RATIO <= 0):
        return None
    limit = np.inf if always else _COMPRESS_RATIO * n
    cols = X if n_trials.shape[0] == 1 else np.hstack([X, np.broadcast_to(n_trials, X.shape)])
    sizes = cols.max(axis=0).astype(np.int64) + 1
    if float(np.prod(sizes.astype(np.float64))) <= 4.0 * n:
        strides = np.cumprod(np.r_[sizes[1:], 1][::-1])[::-1]
        keys = cols.astype(np.int64) @ strides
        weights = np.bincount(keys, weights=sample_weight)
        present = np.flatnonzero(weights > 0)
        if present.size > limit:
            return None
        uniq = (present[:, None] // strides[None, :]) % sizes[None, :]
        weights = weights[present]
    else:
        uniq, inverse = np.unique(cols, axis=0, return_inverse=True)
        if uniq.shape[0] > limit:
            return None
        weights = np.bincount(inverse.ravel(), weights=sample_weight,
                              minlength=uniq.shape[0])
        keep = weights > 0
        uniq, weights = uniq[keep], weights[keep]
    d = X.shape[1]
    Xu = np.ascontiguousarray(uniq[:, :d], dtype=np.float64)
    ntu = n_trials if n_trials.shape[0] == 1 else np.ascontiguousarray(uniq[:, d:],
                                                                       dtype=np.float64)
    return Xu, ntu, np.ascontiguousarray(weights, dtype=np.float64)


class BinomialMixture(MixtureBase):
    """Mixture of binomial (or, with ``n_trials=1``, Bernoulli) distributions fitted by EM.

    Row i holds d success counts; in component c each count is an independent
    Binomial(n_trials, probs_[c, f]). Trial counts may differ per row, per feature or
    per count. Each EM iteration is one fused kernel pass (responsibilities by
    log-sum-exp, log-likelihood, weighted success and trial sums); when the rows take
    few distinct values (coin data: 11 possible head counts), the fit runs on the
    distinct rows with summed weights, with the same result.

    Parameters
    ----------
    n_components : int, default=2
    n_trials : int or array-like, optional
        Trials behind each count: a scalar, or an array broadcastable to X (one value
        per row needs shape (n_samples, 1) when X is 2-D). ``fit``'s own ``n_trials``
        argument takes precedence.
    fit_weights : bool, default=True
        Estimate the mixing weights; False keeps them at ``weights_init`` (equal when
        not given), as in the classic two-coins example.
    fit_probs : bool, default=True
        Estimate the success probabilities; False keeps them at ``probs_init``
        (required then), so that EM estimates the weights of known components. BIC
        and AIC count only the parameters estimated.
    tol : float, default=1e-6
        Stop when the mean log-likelihood per sample changes by less than ``tol``.
    max_iter : int, default=100
    n_init : int, default=1
        Restarts; the best final lower bound is kept (restart ``i`` draws from
        ``np.random.SeedSequence(random_state).spawn(n_init)[i]``).
    init_params : {"random", "kmeans"}, default="random"
        "random": probabilities drawn uniformly in [0.05, 0.95], equal weights;
        "kmeans": fastem's KMeans on the success proportions x / n (weighted).
    weights_init : array-like of shape (n_components,), optional
    probs_init : array-like of shape (n_components,) or (n_components, d), optional
        Initial success probabilities, in [0, 1].
    warm_start : bool, default=False
    backend : {"auto", "numba", "python"}, default="auto"
    random_state : None, int, SeedSequence, Generator or RandomState, default=None
    record_history : bool, default=False
        Record ``probs`` and ``weights`` of every iteration in ``history_``.
    verbose : int, default=0
        0: silent; 1: one line per restart with its result (iterations, objective,
        whether it is the best so far); 2: also one line per ``verbose_interval``
        iterations, with the restart's number (lower bound, change, time).
    verbose_interval : int, default=10
        Iterations between two iteration lines at ``verbose=2`` (as scikit-learn's).
    learning_offset : float, default=2.0
        ``t0`` of the step size of :meth:`partial_fit` (stepwise online EM): batch
        ``t`` (0, 1, 2, ...) enters the running statistics with weight
        ``(t + t0) ** -learning_decay`` (1 for the first batch).
    learning_decay : float in (0.5, 1], default=0.7
        ``alpha`` of that step size.
    missing : {"raise", "em"}, default="raise"
        "raise": NaN in X is an error. "em": a NaN count is missing (at random): it
        is left out of its row's likelihood and of the statistics (counted as 0
        successes out of 0 trials, which is exact), and a row with every count
        missing is left out of the fit. Prediction and scores read NaN the same way;
        :meth:`impute` gives the expected counts.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    probs_ : ndarray of shape (n_components,) for 1-D X, else (n_components, d)
    lower_bound_ : float
        Mean (weighted) log-likelihood per row, binomial coefficients included, at the
        parameters before the last M-step.
    lower_bounds_ : ndarray of shape (``n_iter_``,)
    history_ : dict of ndarray
        ``"objective"`` always; ``"probs"`` and ``"weights"`` with record_history.
    n_trials_ : float or None
        The scalar number of trials of the fit, reused by ``predict`` and friends when
        they are not given one; None when trials varied.
    n_steps_ : int
        Batches seen by :meth:`partial_fit` since the stream started.
    n_iter_, converged_, backend_, n_features_in_

    Examples
    --------
    The classic two coins: 5 sets of 10 tosses, start at 0.6 and 0.5, equal weights.

    >>> import numpy as np
    >>> from fastem import BinomialMixture
    >>> heads = np.array([5, 9, 8, 4, 7])
    >>> bm = BinomialMixture(2, n_trials=10, fit_weights=False, probs_init=[0.6, 0.5],
    ...                      max_iter=10, tol=0).fit(heads)   # doctest: +SKIP
    >>> np.round(bm.probs_, 2)                                # doctest: +SKIP
    array([0.8 , 0.52])
    """

    _kernel_module = "binomial_mixture"
    _objective_label = "lower bound"

    def __init__(self, n_components: int = 2, *, n_trials: ArrayLike | None = None,
                 fit_weights: bool = True, tol: float = 1e-6, max_iter: int = 100,
                 n_init: int = 1, init_params: str = "random",
                 weights_init: ArrayLike | None = None, probs_init: ArrayLike | None = None,
                 warm_start: bool = False, backend: str = "auto",
                 random_state: RandomStateLike = None, record_history: bool = False,
                 verbose: int | bool = 0, verbose_interval: int = 10,
                 learning_offset: float = 2.0,
                 learning_decay: float = 0.7, missing: str = "raise",
                 fit_probs: bool = True) -> None:
        self.n_components = n_components
        self.fit_probs = fit_probs
        self.missing = missing
        self.n_trials = n_trials
        self.fit_weights = fit_weights
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.probs_init = probs_init
        self.warm_start = warm_start
        self.backend = backend
        self.random_state = random_state
        self.record_history = record_history
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.learning_offset = learning_offset
        self.learning_decay = learning_decay

    # ------------------------------------------------------------------ checks
    def _check_inits(self, k, d):
        out = {}
        if self.weights_init is not None:
            out["weights"] = check_mixture_weights(self.weights_init, k)
        if self.probs_init is not None:
            p = check_float_array(self.probs_init, "probs_init")
            if d == 1 and p.shape == (k,):
                p = p[:, None]
            if p.shape != (k, d):
                shape = f"({k},) or ({k}, 1)" if d == 1 else f"({k}, {d})"
                raise ValueError(f"probs_init must have shape {shape}, got "
                                 f"{np.shape(self.probs_init)}.")
            if (p < 0).any() or (p > 1).any():
                raise ValueError("probs_init must lie in [0, 1], got min "
                                 f"{p.min():.4g} and max {p.max():.4g}.")
            out["probs"] = np.ascontiguousarray(p)
        return out

    def _warn_identifiability(self, n_trials, k, d):
        nmax = np.broadcast_to(n_trials, (1, d)) if n_trials.shape[0] == 1 else \
            n_trials.max(axis=0, keepdims=True)
        nmax = np.broadcast_to(nmax, (1, d))[0]
        if d == 1 and nmax[0] < 2 * k - 1:
            warn(f"A mixture of {k} binomials with at most {nmax[0]:g} trials is not "
                 f"identifiable (it needs n_trials >= 2 * n_components - 1 = {2 * k - 1}): "
                 "different parameters fit the data equally well.", IdentifiabilityWarning)
        elif d > 1:
            patterns = np.prod(nmax + 1.0)
            free = k * (d + 1) - 1
            if free > patterns - 1:
                warn(f"{free} free parameters but only {patterns - 1:g} free outcome "
                     f"probabilities: a mixture of {k} components on {d} counts with these "
                     "trials is not identifiable.", IdentifiabilityWarning)

    def fit(self, X: ArrayLike, y: ArrayLike | None = None, n_trials: ArrayLike | None = None,
            sample_weight: ArrayLike | None = None, *,
            labels: ArrayLike | None = None) -> BinomialMixture:
        """Estimate weights and success probabilities by EM.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, d)
            Success counts (whole numbers, 0 <= X <= n_trials).
        y : ignored
            Not used, present for scikit-learn's API.
        n_trials : int or array-like, optional
            Trials behind each count, broadcastable to X; defaults to the
            constructor's ``n_trials``.
        sample_weight : array-like of shape (n_samples,), optional
            Frequencies or weights: a weighted table fits exactly like the expanded data.
        labels : array-like of shape (n_samples,), optional
            Partial labels (semi-supervised fit): any class values, -1, None or NaN for
            an unlabelled row; a row of class ``classes_[j]`` has its responsibility
            fixed to component j. None: every row unlabelled.

        Returns
        -------
        self : BinomialMixture
        """
        codes, classes = self._encode_labels(labels, fitting=True)
        self._fit_input(X, sample_weight, n_trials=n_trials, y=codes)
        self._set_classes(classes, fitting=True)
        return self

    def _check_m_step_params(self):
        check_bool(self.fit_weights, "fit_weights")
        check_bool(self.fit_probs, "fit_probs")

    def _batch_data(self, X, sample_weight, fitting, n_trials=None, compress=None, y=None):
        """Validated, prepared data and its Runtime. ``fitting``: X starts a model
        (init checks, feature names recorded); otherwise it must match the model.
        ``compress``: fit on the distinct rows when they are few. ``y``: partial
        labels (-1: unlabelled)."""
        check_bool(self.fit_weights, "fit_weights")
        check_bool(self.fit_probs, "fit_probs")
        check_choice(self.init_params, "init_params", INIT_PARAMS)
        X_raw = X
        if n_trials is None:
            n_trials = self.n_trials
        if n_trials is None and not fitting:
            n_trials = getattr(self, "n_trials_", None)
        check_choice(self.missing, "missing", MISSING_CHOICES)
        X, nt, one_d = check_counts(X, n_trials, estimator=type(self).__name__,
                                    allow_nan=self.missing == "em")
        n, d = X.shape
        k = check_int(self.n_components, "n_components", min_value=1)
        sample_weight = check_sample_weight(sample_weight, n, allow_zero_sum=not fitting)
        y = check_labels(y, n, k)
        if fitting:
            if (self.missing == "em" and nt.shape[0] > 1
                    and not (sample_weight > 0)[nt.max(axis=1) > 0].any()):
                raise ValueError("X has no observed count (among the rows of positive "
                                 "sample_weight): every entry is NaN.")
            self._check_n_samples(n, k)
            inits = self._check_inits(k, d)
            if not self.fit_probs and "probs" not in inits:
                raise ValueError("fit_probs=False keeps the probs at probs_init: give "
                                 "probs_init.")
            if self.warm_start and self._is_fitted() and self._probs2d().shape != (k, d):
                raise ValueError(f"warm_start: the fitted probs_ have shape "
                                 f"{self.probs_.shape} but X and n_components ask for "
                                 f"({k}, {d}).")
            self._warn_identifiability(nt, k, d)
            record_features(self, X_raw if not one_d else X, X)
            self._one_d = one_d
            # the trials as given (nt may have been expanded for missing counts)
            self.n_trials_ = float(np.ravel(n_trials)[0]) if np.size(n_trials) == 1 else None
        else:
            inits = {}
            check_features(self, X_raw if not one_d else X, X)
        if compress is None:  # a fit runs on the distinct rows when they are few
            compress = fitting
        def rows_data(X, nt, w, inits, labelled=False):
            keep = w > 0
            if nt.shape[0] > 1 and self.missing == "em" and not labelled:
                # every count missing: an unlabelled row carries nothing (a labelled
                # one still counts in its component's weight)
                keep &= nt.max(axis=1) > 0
            if not keep.all():  # rows of weight 0 carry nothing, and may be impossible
                X, w = X[keep], w[keep]
                nt = nt[keep] if nt.shape[0] > 1 else nt
            rows = X.shape[0]
            compressed = compress_rows(X, nt, w) if compress else None
            if compressed is not None:
                X, nt, w = compressed
            data = self._prepare(X, w, None, n_trials=nt, inits=inits)
            data["n_samples"] = rows
            if labelled:  # the sums that give its statistics at any parameters
                data.update(weight=float(w.sum()), SX=w @ X,
                            SN=w @ np.broadcast_to(nt, X.shape))
            return data

        w_main, labels = self._split_labels(X, sample_weight, y, lambda rows: rows_data(
            X[rows], nt[rows] if nt.shape[0] > 1 else nt, sample_weight[rows], {},
            labelled=True), fitting=fitting)
        data = rows_data(X, nt, w_main, inits)
        data["n_samples"] = n
        rows = data["X"].shape[0]
        if labels is not None:
            data["labels"] = labels
            rows += sum(part["X"].shape[0] for _, part in labels["parts"])
        return data, runtime(self.backend, self._kernel_module, rows * k * d)

    # ------------------------------------------------------------------ hooks
    def _prepare(self, X, sample_weight, rt, n_trials, inits):
        wsum = float(sample_weight.sum())
        const = float(sample_weight @ log_binomial_coefficients(X, n_trials))
        return {"X": X, "n_trials": n_trials, "sample_weight": sample_weight, "wsum": wsum,
                "log_coef": const, "inits": inits}

    @staticmethod
    def _init_rows(data):
        """The rows a fit starts from: (X, n_trials, weights, labels or None), the
        labelled rows (kept apart during the fit) appended to the others."""
        labels = data.get("labels")
        if labels is None or not labels["parts"]:
            return data["X"], data["n_trials"], data["sample_weight"], None
        blocks = [data] + [part for _, part in labels["parts"]]
        X = np.concatenate([b["X"] for b in blocks])
        nt = np.concatenate([np.broadcast_to(b["n_trials"], b["X"].shape) for b in blocks])
        w = np.concatenate([b["sample_weight"] for b in blocks])
        y = np.concatenate([np.full(data["X"].shape[0], -1)] + [
            np.full(part["X"].shape[0], c) for c, part in labels["parts"]])
        return X, nt, w, y

    def _initialize(self, data, rng, rt):
        X, nt, w, y = self._init_rows(data)
        k, d = self.n_components, X.shape[1]
        inits = data["inits"]
        weights = np.full(k, 1.0 / k)
        if "probs" in inits:
            probs = inits["probs"]
        elif self.init_params == "random":
            probs = rng.uniform(0.05, 0.95, size=(k, d))
            if y is not None:  # a labelled component starts at its rows' proportions
                ntb = np.broadcast_to(nt, X.shape)
                for c in np.unique(y[y >= 0]):
                    idx = y == c
                    trials = w[idx] @ ntb[idx]
                    probs[c] = np.where(trials > 0, (w[idx] @ X[idx]) / np.maximum(
                        trials, 1e-300), probs[c])
        else:
            from .kmeans import KMeans

            if y is None:
                # K-Means on the distinct rows, in one order, whether or not the fit
                # runs on them: a weighted table and its repeated rows start alike
                X, nt, w = compress_rows(X, nt, w, always=True)
            ntb = np.broadcast_to(nt, X.shape)
            # a missing count (0 of 0 trials) sits at its feature's pooled proportion
            with np.errstate(invalid="ignore", divide="ignore"):
                prop = np.where(ntb > 0, X / ntb, (w @ X) / (w @ ntb))
            # the fit may run on fewer distinct rows than components (binary data on
            # one feature has two): those clusters come from KMeans, the others start
            # at random probabilities with no mass
            n_clusters = min(k, X.shape[0])
            if y is not None:  # seeded and constrained K-Means
                y = np.where(y < n_clusters, y, -1)
            labels = KMeans(n_clusters, n_init=1, random_state=rng,
                            backend=self.backend)._fit_codes(prop, w, y).labels_
            ntb = np.broadcast_to(nt, X.shape)
            pooled = (w @ X) / (w @ ntb)
            probs = rng.uniform(0.05, 0.95, size=(k, d))
            mass = np.zeros(k)
            for c in range(n_clusters):
                idx = labels == c
                mass[c] = w[idx].sum()
                trials = w[idx] @ ntb[idx]
                probs[c] = np.where(trials > 0, (w[idx] @ X[idx]) / np.maximum(trials, 1e-300),
                                    pooled)
            if self.fit_weights:
                mass[n_clusters:] = 0.5 * mass[:n_clusters].min()
                weights = mass / mass.sum()
        weights = inits.get("weights", weights)
        return {"probs": np.ascontiguousarray(probs, dtype=np.float64),
                "weights": np.asarray(weights, dtype=np.float64), "lower_bound": -np.inf}

    def _probs2d(self):
        return self.probs_[:, None] if self.probs_.ndim == 1 else self.probs_

    def _warm_params(self):
        return {"probs": np.array(self._probs2d()), "weights": self.weights_.copy(),
                "lower_bound": getattr(self, "lower_bound_", -np.inf)}

    def _new_state(self, data, params, rt):
        state = dict(params)
        state["prev"] = params["lower_bound"]
        return state

    def _iterate(self, data, state, rt):
        stats = self._pass_statistics(data, state, rt)
        lower_bound = stats.objective / stats.weight
        if lower_bound == -np.inf:
            raise ValueError(
                "Some counts have probability 0 under every component (a success "
                "probability of exactly 0 or 1 contradicts them); start from probs_init "
                "strictly inside (0, 1).")
        state.update(self._params_from_statistics(stats, state))
        change = lower_bound - state["prev"]
        state["prev"] = lower_bound
        return lower_bound, change, bool(abs(change) < self.tol)

    # ------------------------------------------- sufficient statistics, streaming
    def _block_statistics(self, data, params, rt):
        logp, log1mp = _log_probs(params["probs"])
        with np.errstate(divide="ignore"):
            log_w = np.log(params["weights"])
        k, d = params["probs"].shape
        N, SX, SN = np.zeros(k), np.zeros((k, d)), np.zeros((k, d))
        w = data["sample_weight"]
        total = rt.kernels.em_step(data["X"], data["n_trials"], w, log_w, logp, log1mp,
                                   N, SX, SN, rt.chunk_size, rt.parallel)
        return SufficientStatistics(
            "binomial_mixture", {"N": N, "SX": SX, "SN": SN}, total + data["log_coef"],
            data["wsum"], data.get("n_samples", data["X"].shape[0]))

    def _params_from_statistics(self, stats, params):
        SX, SN = stats.SX, stats.SN
        # a component with no trials attributed keeps its probabilities
        probs = params["probs"] if not self.fit_probs else np.clip(
            np.where(SN > 0, SX / np.where(SN > 0, SN, 1.0), params["probs"]), 0.0, 1.0)
        weights = params["weights"]
        if self.fit_weights:
            # as scikit-learn's mixtures, 10 eps (times the mean weight of a row, so
            # that a common factor on the weights changes nothing) keeps an emptied
            # component's weight > 0
            unit = stats.weight / stats.n_samples
            N = stats.N + 10.0 * np.finfo(np.float64).eps * unit
            weights = N / N.sum()
        return {"probs": probs, "weights": weights}

    def _stat_shapes(self, params):
        k, d = params["probs"].shape
        return {"N": (k,), "SX": (k, d), "SN": (k, d)}

    def _store_params(self, params):
        self.weights_ = params["weights"]
        self.probs_ = self._shape_probs(params["probs"])

    def _e_step(self, X, n_trials, probs, weights, rt, want):
        logp, log1mp = _log_probs(probs)
        with np.errstate(divide="ignore"):
            log_w = np.log(weights)
        n, k = X.shape[0], weights.shape[0]
        lpn = np.empty(n) if want == "lpn" else _EMPTY_F
        labels = np.empty(n, dtype=np.int64) if want == "labels" else _EMPTY_I
        resp = np.empty((n, k)) if want == "resp" else _EMPTY_R
        rt.kernels.e_step(X, n_trials, log_w, logp, log1mp, lpn, labels, resp,
                          rt.chunk_size, rt.parallel)
        return {"lpn": lpn, "labels": labels, "resp": resp}[want]

    def _labelled_statistics(self, labels, params, rt, like):
        """The labelled rows' statistics, in closed form from each label's weight,
        successes and trials: ``N = W``, ``SX``, ``SN`` and ``log L = W log pi +
        sum_f SX log p + (SN - SX) log(1 - p)`` plus the binomial coefficients."""
        k, d = params["probs"].shape
        parts = [part for _, part in labels["parts"]]
        cls = np.array([c for c, _ in labels["parts"]], dtype=np.intp)
        log_w = self._log_weights_of_labels(params, cls)
        W = np.array([p["weight"] for p in parts])
        SX = np.array([p["SX"] for p in parts]).reshape(-1, d)
        SN = np.array([p["SN"] for p in parts]).reshape(-1, d)
        logp, log1mp = _log_probs(params["probs"][cls])
        with np.errstate(invalid="ignore"):  # 0 successes at p = 0 (or failures at 1): 0
            terms = np.where(SX > 0, SX * logp, 0.0) + np.where(SN > SX, (SN - SX) * log1mp,
                                                                 0.0)
        N, SXk, SNk = np.zeros(k), np.zeros((k, d)), np.zeros((k, d))
        N[cls], SXk[cls], SNk[cls] = W, SX, SN
        objective = float(W @ log_w + terms.sum() + sum(p["log_coef"] for p in parts))
        return SufficientStatistics("binomial_mixture", {"N": N, "SX": SXk, "SN": SNk},
                                    objective, float(W.sum()),
                                    sum(p["n_samples"] for p in parts))

    def _final_e_step(self, data, state, rt):
        if "dask" in data or data.get("labels"):
            stats = self._pass_statistics(data, state, rt)
            return stats.objective / stats.weight
        lpn = self._e_step(data["X"], data["n_trials"], state["probs"], state["weights"], rt,
                           "lpn")
        w = data["sample_weight"]
        live = w > 0
        return (float(w[live] @ lpn[live]) + data["log_coef"]) / data["wsum"]

    def _shape_probs(self, probs):
        return probs[:, 0].copy() if self._one_d else probs.copy()

    def _snapshot(self, state):
        return {"probs": self._shape_probs(state["probs"]), "weights": state["weights"].copy()}

    def _store(self, run, data):
        self._store_params(run.state)
        self.lower_bound_ = float(run.objectives[-1])
        self.lower_bounds_ = np.array(run.objectives, dtype=np.float64)

    # ------------------------------------------------------------- prediction
    def _predict_pass(self, X, n_trials, want):
        check_is_fitted(self, "probs_")
        if is_dask_array(X):
            from ._dask import map_rows

            return map_rows(self, X, {"lpn": "score_samples", "labels": "predict",
                                      "resp": "predict_proba"}[want], n_trials=n_trials)
        if n_trials is None:
            n_trials = self.n_trials if self.n_trials is not None else self.n_trials_
        if n_trials is None:
            raise ValueError("n_trials is required: the model was fitted with varying "
                             "trials, so pass the trials of these rows.")
        X_raw = X
        X, nt, one_d = check_counts(X, n_trials, estimator=type(self).__name__,
                                    allow_nan=self.missing == "em" or want == "impute")
        check_features(self, X_raw if not one_d else X, X)
        k, d = self._probs2d().shape
        rt = runtime(self.backend, self._kernel_module, X.shape[0] * k * d)
        with thread_context(rt):
            out = self._e_step(X, nt, np.ascontiguousarray(self._probs2d()), self.weights_,
                               rt, "resp" if want == "impute" else want)
        if want == "lpn":
            out = out + log_binomial_coefficients(X, nt)
        return out

    def impute(self, X: ArrayLike, n_trials: ArrayLike | None = None) -> NDArray:
        """X with each missing count (NaN) replaced by its expected value under the
        fitted mixture, ``n_trials * sum_c p(c | observed counts) p_c``.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, d), NaN where missing
        n_trials : int or array-like, optional

        Returns
        -------
        X_imputed : ndarray of the shape of X, float64
        """
        check_is_fitted(self, "probs_")
        if is_dask_array(X):
            from ._dask import map_rows

            return map_rows(self, X, "impute", n_trials=n_trials)
        resp = self._predict_pass(X, n_trials, "impute")
        if n_trials is None:
            n_trials = self.n_trials if self.n_trials is not None else self.n_trials_
        X2 = np.array(X, dtype=np.float64).reshape(resp.shape[0], -1)
        nt = np.broadcast_to(np.asarray(n_trials, dtype=np.float64).reshape(
            (-1, 1) if np.ndim(X) == 1 and np.ndim(n_trials) == 1 else np.shape(n_trials)),
            X2.shape)
        expected = nt * (resp @ self._probs2d())
        out = np.where(np.isnan(X2), expected, X2)
        return out[:, 0] if np.ndim(X) == 1 else out

    def score_samples(self, X: ArrayLike, n_trials: ArrayLike | None = None) -> NDArray:
        """Log-likelihood of each row (binomial coefficients included).

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, d)
        n_trials : int or array-like, optional
            Defaults to the constructor's ``n_trials``, else the fit's scalar trials.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
        """
        return self._predict_pass(X, n_trials, "lpn")

    def score(self, X: ArrayLike, y: ArrayLike | None = None, n_trials: ArrayLike | None = None,
              sample_weight: ArrayLike | None = None) -> float:
        """Mean (sample-weighted) log-likelihood per row.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, d)
        y : ignored
        n_trials : int or array-like, optional
        sample_weight : array-like of shape (n_samples,), optional
            A weighted frequency table scores as the expanded rows do.

        Returns
        -------
        score : float
        """
        total, weight = self._log_likelihood(X, n_trials, sample_weight)
        return total / weight

    def _log_likelihood(self, X, n_trials, sample_weight):
        """Weighted sum of log-likelihoods and of weights; rows with every count
        missing count in neither, as in a fit."""
        return weighted_total(self.score_samples(X, n_trials),
                              self._observed_weights(X, sample_weight))

    def _observed_weights(self, X, sample_weight, labels=None):
        """The weights a fit counts: sample_weight with 0 on the unlabelled rows whose
        every count is missing (see :func:`fastem.gaussian_mixture.observed_weights`)."""
        if self.missing != "em":
            return sample_weight
        from .gaussian_mixture import observed_weights

        return observed_weights(X, sample_weight, lambda X, allow_nan: check_array(
            X, allow_1d=True, dtype=(np.float64,), allow_nan=allow_nan), labels)

    def predict(self, X: ArrayLike, n_trials: ArrayLike | None = None) -> NDArray:
        """Most probable component of each row, shape (n_samples,)."""
        return self._predict_pass(X, n_trials, "labels")

    def predict_proba(self, X: ArrayLike, n_trials: ArrayLike | None = None) -> NDArray:
        """Responsibilities (posterior component probabilities), (n_samples, n_components).

        A row that has probability 0 under every component (possible only when a
        fitted probability is exactly 0 or 1) gets a row of zeros, and
        ``score_samples`` gives it -inf.
        """
        return self._predict_pass(X, n_trials, "resp")

    def fit_predict(self, X: ArrayLike, y: ArrayLike | None = None, n_trials: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None, *,
                    labels: ArrayLike | None = None) -> NDArray:
        """Fit, then ``predict`` the same rows; with partial ``labels``, a labelled
        row gets its component. ``y`` is ignored."""
        predicted = self.fit(X, n_trials=n_trials, sample_weight=sample_weight,
                             labels=labels).predict(
            X, n_trials=self.n_trials if n_trials is None else n_trials)
        return self._with_labels(predicted, labels)

    def _n_parameters(self):
        """Free parameters: those held fixed (``fit_weights``, ``fit_probs``) count
        none."""
        k, d = self._probs2d().shape
        return k * d * bool(self.fit_probs) + (k - 1 if self.fit_weights else 0)

    def bic(self, X: ArrayLike, n_trials: ArrayLike | None = None,
            sample_weight: ArrayLike | None = None) -> float:
        """Bayesian information criterion (lower is better):
        ``-2 log L + n_parameters log(n)``, with the weighted log-likelihood and ``n``
        the sum of the weights, so that a weighted frequency table gives the expanded
        data's value.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, d)
        n_trials : int or array-like, optional
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        bic : float
        """
        total, weight = self._log_likelihood(X, n_trials, sample_weight)
        return float(-2.0 * total + self._n_parameters() * np.log(weight))

    def icl(self, X: ArrayLike, n_trials: ArrayLike | None = None,
            sample_weight: ArrayLike | None = None) -> float:
        """Integrated complete-data likelihood criterion (Biernacki et al. 2000; lower
        is better): ``bic - 2 sum_i w_i log max_k tau_ik``, BIC plus twice the entropy
        of the hard assignment.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, d)
        n_trials : int or array-like, optional
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        icl : float
        """
        total, _ = weighted_total(np.log(1.0 - self.uncertainty(X, n_trials)),
                                  self._observed_weights(X, sample_weight))
        return self.bic(X, n_trials, sample_weight) - 2.0 * total

    def uncertainty(self, X: ArrayLike, n_trials: ArrayLike | None = None) -> NDArray:
        """1 - the largest posterior probability of each row, ndarray of shape
        (n_samples,), by blocks of rows."""
        from .gaussian_mixture import _uncertainty

        return _uncertainty(self.predict_proba, X,
                            self.n_trials if n_trials is None else n_trials,
                            check=lambda X: check_array(X, allow_1d=True, dtype=(np.float64,),
                                                        allow_nan=True))

    def aic(self, X: ArrayLike, n_trials: ArrayLike | None = None,
            sample_weight: ArrayLike | None = None) -> float:
        """Akaike information criterion (lower is better):
        ``-2 log L + 2 n_parameters``, with the weighted log-likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, d)
        n_trials : int or array-like, optional
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        aic : float
        """
        total, _ = self._log_likelihood(X, n_trials, sample_weight)
        return float(-2.0 * total + 2.0 * self._n_parameters())

    def sample(self, n_samples: int = 1, n_trials: int | None = None) -> tuple[NDArray, NDArray]:
        """Draw counts from the fitted mixture.

        Parameters
        ----------
        n_samples : int
        n_trials : int, optional
            Trials per count; defaults to the constructor's or the fit's scalar.

        Returns
        -------
        X : ndarray of shape (n_samples,) or (n_samples, d), int64
        y : ndarray of shape (n_samples,), the component of each draw
        """
        check_is_fitted(self, "probs_")
        n_samples = check_int(n_samples, "n_samples", min_value=1)
        if n_trials is None:
            n_trials = self.n_trials if self.n_trials is not None else self.n_trials_
        if n_trials is None or np.ndim(n_trials) != 0:
            raise ValueError("sample needs a scalar n_trials.")
        if isinstance(n_trials, (float, np.floating)) and float(n_trials).is_integer():
            n_trials = int(n_trials)
        n_trials = check_int(n_trials, "n_trials", min_value=1)
        rng = np.random.default_rng(seed_sequence(self.random_state))
        y = rng.choice(self.weights_.shape[0], size=n_samples, p=self.weights_)
        X = rng.binomial(n_trials, self._probs2d()[y])
        return (X[:, 0] if self.probs_.ndim == 1 else X), y
