"""Choose a mixture by an information criterion over a grid of its parameters, as R's
``mclust::Mclust`` does for Gaussian mixtures (number of components x covariance
structure)."""

from __future__ import annotations

import functools
import itertools
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ._base import ParamsMixin
from ._validation import (check_choice, check_int, check_is_fitted, encode_labels,
                          record_features, warn)
from .exceptions import DegenerateComponentWarning, FastEMWarning

__all__ = ["ModelSelection", "ModelSelectionWarning"]

CRITERIA = ("bic", "aic", "icl")
DEFAULT_COMPONENTS = tuple(range(1, 10))


class ModelSelectionWarning(FastEMWarning):
    """The chosen model sits at the edge of the grid (a larger or smaller number of
    components might score better), or no combination could be fitted."""


def default_grid(estimator, X):
    """mclust's default: ``n_components`` 1..9, and for a Gaussian mixture every
    covariance type (for one feature the two that differ: one variance per component,
    "full", and one for all, "tied"). For a Pipeline, its last step's parameters
    (with the step's prefix)."""
    from .gaussian_mixture import COVARIANCE_TYPES

    from .gaussian_mixture import GaussianMixture

    mixture, prefix = _final_step(estimator)
    grid = {"n_components": list(DEFAULT_COMPONENTS)}
    if isinstance(mixture, GaussianMixture):
        # the features the mixture sees: through a pipeline, those it is given
        one_feature = not prefix and (np.ndim(X) == 1 or np.shape(X)[1] == 1)
        grid["covariance_type"] = ["full", "tied"] if one_feature else list(COVARIANCE_TYPES)
    return {prefix + key: values for key, values in grid.items()}


def _final_step(estimator):
    """``(mixture, prefix)``: the estimator itself and "", or a Pipeline's last step
    and its parameter prefix ("gaussianmixture__")."""
    steps = getattr(estimator, "steps", None)
    if steps is None:
        return estimator, ""
    name, last = steps[-1]
    return last, f"{name}__"


def _check_grid(param_grid, estimator):
    if not isinstance(param_grid, dict) or not param_grid:
        raise TypeError("param_grid must be a non-empty dict of parameter name -> list of "
                        f"values, got {param_grid!r}")
    valid = estimator.get_params()
    out = {}
    for name, values in param_grid.items():
        if name not in valid:
            raise ValueError(f"param_grid: {name!r} is not a parameter of "
                             f"{type(estimator).__name__}; valid: {sorted(valid)}")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError(f"param_grid[{name!r}] must be a list of values, got "
                            f"{values!r}")
        values = list(values)
        if not values:
            raise ValueError(f"param_grid[{name!r}] is empty")
        out[name] = values
    return out


class ModelSelection(ParamsMixin):
    """Fit a mixture for every combination of a parameter grid and keep the one with
    the lowest information criterion (``Mclust``'s model choice).

    Parameters
    ----------
    estimator : GaussianMixture, BinomialMixture, or a Pipeline ending in one
        The template: each combination is a clone of it with the grid's values set.
        For a Pipeline (scaling first, say), the grid's keys carry the step's prefix
        (``"gaussianmixture__n_components"``), the criteria are the mixture's on the
        data as the pipeline's earlier steps transform it, and ``sample_weight``,
        ``labels`` and ``fit_params`` go to the last step.
    param_grid : dict of str -> list, default=None
        Parameter name -> values; every combination is fitted. None: ``n_components``
        1..9, and for a Gaussian mixture every covariance type (see
        :func:`default_grid`).
    criterion : {"bic", "aic", "icl"}, default="bic"
        Lower is better, as in scikit-learn (mclust reports BIC and ICL with the
        opposite sign: mclust's BIC = -fastem's BIC).
    n_jobs : int, default=None
        Combinations fitted at once, on threads (each fit's kernels then run on one
        thread, so that the threads do not fight for the cores). None or 1: one at a
        time, each fit with every thread.
    allow_degenerate : bool, default=False
        False: a fit that raised a :class:`fastem.DegenerateComponentWarning` (a
        component on fewer than d + 1 points, or a variance at the reg_covar floor,
        whose likelihood grows without bound as the component shrinks) is chosen
        only if every fit did. On Old Faithful, whose waiting times are whole
        minutes, well-converged fits of 5 diagonal components put one on 14 rows of
        the same waiting time, and its BIC would win. True: the criterion alone.
        A :class:`ModelSelectionWarning` says how many fits were set aside, and why.
    verbose : int, default=0
        1: one line per fit (its parameters, criterion, iterations and time, and how
        many fits remain); 2: also each fit's own verbose output.

    Attributes
    ----------
    best_estimator_ : estimator
        The fitted combination with the lowest criterion.
    best_params_ : dict
        Its grid values.
    best_index_ : int
        Its row in ``results_``.
    results_ : dict of str -> ndarray
        One row per combination, in grid order (the last parameter varies fastest):
        each grid parameter's values, ``bic``, ``aic``, ``icl``, ``log_likelihood``
        (NaN where the fit failed), ``n_parameters``, ``converged``, ``n_iter``,
        ``fit_time`` (seconds), ``degenerate`` (the fit raised a
        DegenerateComponentWarning), ``rank`` (1 = best by ``criterion`` among the
        rows that can be chosen, then the degenerate ones, failed rows last),
        ``error`` (why a fit failed, "" otherwise) and ``warnings`` (the warnings a
        fit raised, joined by "; "). ``pandas.DataFrame(results_)`` makes
        a table of it.
    labels_ : ndarray of shape (n_samples,)
        The best model's component of each training row (a labelled row's own).
    classes_ : ndarray
        The classes of ``labels`` (when the fit had partial labels).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When X was a DataFrame with string column names.
    """

    def __init__(self, estimator: Any, param_grid: dict | None = None, criterion: str = "bic",
                 n_jobs: int | None = None, allow_degenerate: bool = False,
                 verbose: int = 0) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.criterion = criterion
        self.n_jobs = n_jobs
        self.allow_degenerate = allow_degenerate
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None, *, labels: Any = None,
            **fit_params: Any) -> ModelSelection:
        """Fit every combination on X and keep the best. ``y`` is ignored
        (scikit-learn's convention); ``labels`` (partial labels, -1, None or NaN for
        an unlabelled row, as in the estimator's ``fit``), ``sample_weight`` and
        ``fit_params``, such as a BinomialMixture's ``n_trials``, go to every fit.
        With labels, the log-likelihood in the criteria is the fit's (the labelled
        rows' complete-data one, as mclust's ``MclustSSC``), and ICL's entropy counts
        the unlabelled rows only.

        Returns
        -------
        self
        """
        from .binomial_mixture import BinomialMixture
        from .gaussian_mixture import GaussianMixture

        mixture, prefix = _final_step(self.estimator)
        if not isinstance(mixture, (GaussianMixture, BinomialMixture)):
            raise TypeError("estimator must be a fastem GaussianMixture or "
                            "BinomialMixture, or a Pipeline that ends in one, got "
                            f"{type(mixture).__name__}")
        criterion = check_choice(self.criterion, "criterion", CRITERIA)
        n_jobs = self._check_n_jobs()
        if not isinstance(self.allow_degenerate, (bool, np.bool_)):
            raise TypeError(f"allow_degenerate must be a bool, got {self.allow_degenerate!r}")
        verbose = 0 if self.verbose is False else check_int(self.verbose, "verbose",
                                                            min_value=0)
        X_raw, X = X, _prepared(X)
        # which rows are labelled (each fit maps the classes to its components itself)
        y = None if labels is None else encode_labels(labels)[0]
        grid = _check_grid(default_grid(self.estimator, X) if self.param_grid is None
                           else self.param_grid, self.estimator)
        names = list(grid)
        combos = [dict(zip(names, values)) for values in itertools.product(*grid.values())]
        # the combinations that differ only in covariance type start from the same
        # KMeans labels: computed once (see GaussianMixture._kmeans_labels). Not
        # through a pipeline, whose earlier steps may differ between combinations
        self._init_cache: dict | None = None if prefix else {}
        self._progress = _Progress(len(combos), criterion, verbose)
        fit = functools.partial(self._fit_one, X, y, labels, sample_weight=sample_weight,
                                fit_params=fit_params)
        try:
            if n_jobs == 1:
                from ._backend import blas_held

                with blas_held():
                    rows = [fit(c, n_threads=None) for c in combos]
            else:
                with ThreadPoolExecutor(n_jobs) as pool:
                    rows = list(pool.map(lambda c: fit(c, n_threads=1), combos))
        finally:
            del self._init_cache, self._progress
        self.results_ = _results(names, combos, rows, criterion, bool(self.allow_degenerate))
        self._degenerate_reasons = [r["degenerate"] for r in rows]
        scores = self.results_[criterion]
        if not np.isfinite(scores).any():
            reasons = "; ".join(sorted(set(self.results_["error"]) - {""}))
            raise ValueError(f"no combination of the grid could be fitted ({reasons})")
        self.best_index_ = int(np.argmin(self.results_["rank"]))
        self.best_params_ = combos[self.best_index_]
        self.best_estimator_ = rows[self.best_index_]["model"]
        record_features(self, X_raw, _as_2d(X))
        best = _final_step(self.best_estimator_)[0]
        if hasattr(best, "classes_"):
            self.classes_ = best.classes_
        else:
            self.__dict__.pop("classes_", None)
        self.labels_ = self._call_best("predict", X, fit_params)
        if y is not None:  # a labelled row is in its own component
            self.labels_ = np.where(y >= 0, best._encode_labels(labels, False)[0],
                                    self.labels_)
        self._warn_set_aside(combos, criterion)
        self._warn_at_edge(grid, criterion, prefix)
        return self

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None, *,
                    labels: Any = None, **fit_params: Any) -> Any:
        """``fit``, then ``labels_``: the best model's component of each row (a
        labelled row's own). ``y`` is ignored."""
        return self.fit(X, sample_weight=sample_weight, labels=labels,
                        **fit_params).labels_

    def _warn_set_aside(self, combos, criterion):
        """Say how many fits were set aside as degenerate although their criterion
        beat the chosen one's, and why (the best of them's warning): the choice would
        have been another without ``allow_degenerate=False``."""
        r = self.results_
        score = r[criterion]
        aside = np.flatnonzero(r["degenerate"] & (score < score[self.best_index_]))
        if self.allow_degenerate or r["degenerate"][self.best_index_] or not aside.size:
            return
        first = aside[np.argmin(score[aside])]
        reason = self._degenerate_reasons[first]
        warn(f"{aside.size} of {len(combos)} fits had a lower {criterion.upper()} but "
             f"were set aside as degenerate (the best, {_describe(combos[first])}: "
             f"{reason}).\nThe choice is the best of the others; allow_degenerate=True "
             "chooses by the criterion alone.", ModelSelectionWarning)

    def _check_n_jobs(self):
        if self.n_jobs is None:
            return 1
        if isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, (int, np.integer)):
            raise TypeError(f"n_jobs must be None or an int >= 1, got {self.n_jobs!r}")
        if self.n_jobs < 1:
            raise ValueError(f"n_jobs must be None or an int >= 1, got {self.n_jobs}")
        return int(self.n_jobs)

    def _fit_one(self, X, y, labels, combo, n_threads, sample_weight, fit_params):
        # y: which rows are labelled (component codes, -1 unlabelled); labels: as given
        from ._config import config_context
        from .gaussian_mixture import GaussianMixture

        est = _clone(self.estimator).set_params(**combo)
        model, prefix = _final_step(est)
        if self._progress.verbose == 1:  # ModelSelection's lines, not each fit's
            model.set_params(verbose=0)
        if self._init_cache is not None:
            model._init_cache = self._init_cache
        row = {"model": None, "error": "", "warnings": ""}
        tic = time.perf_counter()
        kwargs = {"sample_weight": sample_weight, "labels": labels, **fit_params}
        kwargs = {prefix + key: value for key, value in kwargs.items() if value is not None}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if n_threads is None:
                    est.fit(X, **kwargs)
                else:
                    with config_context(n_threads=n_threads):
                        est.fit(X, **kwargs)
                if prefix:  # the data as the mixture saw them
                    X = est[:-1].transform(X)
                # the rows' other arguments (a binomial mixture's n_trials)
                extra = () if isinstance(model, GaussianMixture) else \
                    (fit_params.get("n_trials"),)
                # the rows as the fit counted them (one rule: observed_weights)
                w_fit = model._observed_weights(X, sample_weight, labels=y)
                weight = float(np.shape(X)[0] if w_fit is None
                               else np.sum(w_fit))  # checked by the fit
                # the fit's final E-step: the mean log-likelihood at the final parameters
                total = float(model.history_["objective"][-1]) * weight
                n_par = model._n_parameters()
                w_unl = w_fit
                if y is not None:  # a labelled row's assignment is certain
                    w_unl = np.where(np.asarray(y) >= 0, 0.0, 1.0 if w_fit is None else w_fit)
                entropy, _ = _weighted(np.log(1.0 - model.uncertainty(X, *extra)), w_unl)
                bic = -2.0 * total + n_par * np.log(weight)
                row.update(model=est, log_likelihood=total, n_parameters=n_par, bic=bic,
                           aic=-2.0 * total + 2.0 * n_par, icl=bic - 2.0 * entropy,
                           converged=bool(model.converged_), n_iter=int(model.n_iter_))
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
                row["error"] = f"{type(exc).__name__}: {exc}"
            finally:
                model.__dict__.pop("_init_cache", None)  # a fitted model keeps none
        row["fit_time"] = time.perf_counter() - tic
        row["warnings"] = "; ".join(dict.fromkeys(
            f"{w.category.__name__}: {w.message}" for w in caught))
        # why a fit is degenerate: the first line of its warning, less the model name
        row["degenerate"] = next((str(w.message).split("\n")[0].split(": ", 1)[-1].rstrip(".")
                                  for w in caught if issubclass(
                                      w.category, DegenerateComponentWarning)), "")
        self._progress.done(combo, row)
        return row

    def _warn_at_edge(self, grid, criterion, prefix=""):
        values = grid.get(prefix + "n_components")
        if values is None or len(values) < 2:
            return
        best = self.best_params_[prefix + "n_components"]
        if best in (min(values), max(values)):
            side = "largest" if best == max(values) else "smallest"
            warn(f"the best model by {criterion} has the {side} n_components of the grid "
                 f"({best}): a grid that goes {'further up' if side == 'largest' else 'lower'}"
                 " may find a better one", ModelSelectionWarning)

    # --------------------------------------------------------------- delegation
    def _best(self):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def _call_best(self, name, X, *args, **kw):
        """The best model's method ``name`` on X; through a Pipeline, the last step's
        on X as the earlier steps transform it."""
        best = self._best()
        mixture, prefix = _final_step(best)
        if prefix:
            X = best[:-1].transform(X)
        if name == "predict" and args and isinstance(args[0], dict):
            # fit's own fit_params: a binomial mixture predicts with its n_trials
            nt = args[0].get("n_trials")
            args, kw = (), ({"n_trials": nt} if nt is not None else {})
        return getattr(mixture, name)(X, *args, **kw)

    def predict(self, X: Any, *args: Any, **kw: Any) -> Any:
        """The best model's ``predict``."""
        return self._call_best("predict", X, *args, **kw)

    def predict_proba(self, X: Any, *args: Any, **kw: Any) -> Any:
        """The best model's ``predict_proba``."""
        return self._call_best("predict_proba", X, *args, **kw)

    def score_samples(self, X: Any, *args: Any, **kw: Any) -> Any:
        """The best model's ``score_samples``."""
        return self._call_best("score_samples", X, *args, **kw)

    def score(self, X: Any, y: Any = None, **kw: Any) -> float:
        """The best model's ``score`` (mean log-likelihood per row)."""
        return self._call_best("score", X, **kw)

    def sample(self, n_samples: int = 1, **kw: Any) -> tuple[Any, Any]:
        """The best model's ``sample`` (through a Pipeline: in the mixture's space)."""
        return _final_step(self._best())[0].sample(n_samples, **kw)

    def bic(self, X: Any, *args: Any, **kw: Any) -> float:
        """The best model's ``bic``."""
        return self._call_best("bic", X, *args, **kw)

    def aic(self, X: Any, *args: Any, **kw: Any) -> float:
        """The best model's ``aic``."""
        return self._call_best("aic", X, *args, **kw)

    def icl(self, X: Any, *args: Any, **kw: Any) -> float:
        """The best model's ``icl``."""
        return self._call_best("icl", X, *args, **kw)

    def uncertainty(self, X: Any, *args: Any, **kw: Any) -> Any:
        """The best model's ``uncertainty`` (1 - max posterior per row)."""
        return self._call_best("uncertainty", X, *args, **kw)

    # ------------------------------------------------------- scikit-learn glue
    def __sklearn_tags__(self):
        # a meta-estimator is what its estimator is (a density estimator for the
        # mixtures); called by scikit-learn only
        from sklearn.utils import get_tags

        return get_tags(self.estimator)


def _prepared(X):
    """The data once for every fit: a NumPy array stays as it is (each fit checks it,
    cheaply), a list becomes an array, a DataFrame keeps its column names."""
    if hasattr(X, "columns") or isinstance(X, np.ndarray):
        return X
    try:
        return np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X must be an array of numbers: {exc}") from None


def _clone(estimator):
    """A fresh copy with the same parameters: fastem's estimators without importing
    scikit-learn, anything else (a Pipeline) by scikit-learn's ``clone``."""
    if isinstance(estimator, ParamsMixin):
        return type(estimator)(**estimator.get_params(deep=False))
    from sklearn.base import clone

    return clone(estimator)


def _as_2d(X):
    """A stand-in of X's shape as 2-D (what record_features reads)."""
    shape = np.shape(X)
    return np.empty((shape[0], 1 if len(shape) == 1 else shape[1]), dtype=np.int8)


def _describe(combo):
    return ", ".join(f"{key.rsplit('__', 1)[-1]}={value!r}" for key, value in combo.items())


class _Progress:
    """ModelSelection's verbose lines: one per finished fit, with what remains."""

    def __init__(self, total, criterion, verbose):
        import threading

        self.total, self.criterion, self.verbose = total, criterion, verbose
        self.count = 0
        self.lock = threading.Lock()

    def done(self, combo, row):
        if not self.verbose:
            return
        with self.lock:
            self.count += 1
            if row["error"]:
                what = f"failed: {row['error']}"
            else:
                what = (f"{self.criterion.upper()} {row[self.criterion]:.6g}, "
                        f"{'converged' if row['converged'] else 'not converged'} in "
                        f"{row['n_iter']} iterations"
                        + (", degenerate" if "DegenerateComponentWarning" in
                           row["warnings"] else ""))
            print(f"[ModelSelection] fit {self.count}/{self.total} ({_describe(combo)}): "
                  f"{what}, {row['fit_time']:.2f} s; {self.total - self.count} to go",
                  flush=True)


def _weighted(values, sample_weight):
    from ._validation import weighted_total

    return weighted_total(values, sample_weight)


def _results(names, combos, rows, criterion, allow_degenerate):
    n = len(combos)
    out = {}
    for name in names:
        values = [c[name] for c in combos]
        try:
            arr = np.array(values)
            if arr.ndim != 1:
                raise ValueError
        except ValueError:
            arr = np.empty(n, dtype=object)
            arr[:] = values
        out[name] = arr
    for key in ("bic", "aic", "icl", "log_likelihood"):
        out[key] = np.array([r.get(key, np.nan) for r in rows], dtype=np.float64)
    out["n_parameters"] = np.array([r.get("n_parameters", -1) for r in rows], dtype=np.int64)
    out["converged"] = np.array([r.get("converged", False) for r in rows], dtype=bool)
    out["n_iter"] = np.array([r.get("n_iter", 0) for r in rows], dtype=np.int64)
    out["fit_time"] = np.array([r["fit_time"] for r in rows], dtype=np.float64)
    out["degenerate"] = np.array([bool(r["degenerate"]) for r in rows], dtype=bool)
    scores = out[criterion]
    finite = np.isfinite(scores)
    # chosen first: the finite rows (not degenerate ones, unless allowed or all are)
    tier = np.where(finite, 0, 2)
    if not allow_degenerate and (finite & ~out["degenerate"]).any():
        tier = np.where(finite & out["degenerate"], 1, tier)
    key = np.where(finite, scores, np.inf)
    order = np.lexsort((key, tier))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    out["rank"] = rank
    out["error"] = np.array([r["error"] for r in rows], dtype=object)
    out["warnings"] = np.array([r["warnings"] for r in rows], dtype=object)
    return out
