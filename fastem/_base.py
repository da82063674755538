"""The EM template shared by every fastem model.

:class:`EMBase` owns what every model does the same way: parameter checks,
backend and thread resolution, ``n_init`` restarts (each drawing its own random
stream spawned from ``random_state``), the iteration loop with ``max_iter``,
``tol``, ``warm_start`` and ``verbose``, the choice of the best restart, the
``ConvergenceWarning``, the final E-step (so that ``fit_predict(X)`` equals
``fit(X).predict(X)``), and ``history_``.

A model fills in hooks, each working on plain arrays:

- ``_check_params(X)``: validate hyper-parameters against the data;
- ``_prepare(X, sample_weight, rt)``: per-fit data (for instance a tolerance);
- ``_initialize(data, rng, rt)`` / ``_warm_params()``: initial parameters (a dict);
- ``_new_state(data, params, rt)``: buffers allocated once per restart;
- ``_iterate(data, state, rt)``: one fused E+M step; returns
  ``(objective at the parameters before the step, change, converged)``;
- ``_final_e_step(data, state, rt)``: objective (and labels) at the final parameters;
- ``_score_run(run)``: a number, larger is better, to pick the best restart;
- ``_snapshot(state)``: the parameters to record in ``history_``;
- ``_store(run, data)``: set the fitted attributes.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from ._typing import ArrayLike
from ._backend import thread_context
from ._stats import SufficientStatistics, check_statistics
from ._validation import (check_bool, check_float, check_int, check_labels, encode_labels,
                          is_dask_array,
                          rescaled_sample_weight, restart_seeds, seed_sequence, warn)
from .exceptions import ConvergenceWarning

__all__ = ["ParamsMixin", "EMBase", "MixtureBase", "Run"]

# the estimator a method returns (typing.Self needs Python 3.11)
Self = TypeVar("Self", bound="EMBase")
P = TypeVar("P", bound="ParamsMixin")


class ParamsMixin:
    """``get_params`` / ``set_params`` / ``__repr__`` as scikit-learn defines them,
    without importing scikit-learn (``clone``, ``Pipeline`` and grid searches work)."""

    @classmethod
    def _param_names(cls):
        # inspect.signature costs about 70 us: a grid of fits would pay it per clone
        names = cls.__dict__.get("_param_names_cache")
        if names is None:
            sig = inspect.signature(cls.__init__)
            names = sorted(p.name for p in sig.parameters.values()
                           if p.name != "self" and p.kind != p.VAR_KEYWORD)
            cls._param_names_cache = names
        return list(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Get the hyper-parameters of this estimator, as a dict."""
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self: P, **params: Any) -> P:
        """Set hyper-parameters; they are checked at the next ``fit``."""
        valid = self._param_names()
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator "
                                 f"{type(self).__name__}. Valid parameters are: {valid}.")
            if sub:
                getattr(self, name).set_params(**{sub: value})
            else:
                setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in
                    inspect.signature(type(self).__init__).parameters.values()}
        changed = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            same = (value is default or (not isinstance(value, np.ndarray)
                                         and not isinstance(default, np.ndarray)
                                         and _safe_equal(value, default)))
            if not same:
                changed.append(f"{name}={_short_repr(value)}")
        return f"{type(self).__name__}({', '.join(changed)})"


def _safe_equal(a, b):
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False


def _short_repr(value):
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape})"
    return repr(value)


def label_moments(X, w, rows):
    """Weight, weighted mean and scatter matrix about that mean (float64) of the rows
    ``rows`` of X: what a label's complete rows give a semi-supervised fit, once."""
    Xc, wc = np.asarray(X[rows], dtype=np.float64), w[rows]
    weight = float(wc.sum())
    mean = wc @ Xc / weight
    dev = Xc - mean
    return weight, mean, (dev * wc[:, None]).T @ dev


def _dask_codes(labels, classes, n_components):
    """encode_labels for a Dask array of numeric labels: the distinct values are
    computed once (small), then each chunk is mapped on the workers."""
    if labels.dtype.kind not in "iuf" or labels.dtype.kind == "b":
        raise TypeError(f"labels as a Dask array must hold numbers (-1 or NaN for an "
                        f"unlabelled row), got dtype {labels.dtype}.")
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of class labels, one per sample, "
                         f"got shape {labels.shape}.")
    import dask.array as da

    present = np.unique(da.unique(labels).compute())
    codes, classes = encode_labels(present, classes, n_components)
    return labels.map_blocks(_codes_block, present, codes, dtype=np.int64), classes


def _codes_block(block, present, codes):
    pos = np.clip(np.searchsorted(present, block), 0, max(len(present) - 1, 0))
    if len(present) == 0:
        return np.full(block.shape, -1, dtype=np.int64)
    return np.where(present[pos] == block, codes[pos], -1).astype(np.int64)


@dataclass
class Run:
    """The outcome of one restart."""

    state: dict
    objectives: list        # objective at the parameters before each iteration
    final_objective: float  # objective at the final parameters
    n_iter: int
    converged: bool
    history: list = field(default_factory=list)
    seed: object = None


class EMBase(ParamsMixin):
    """Base class of fastem's estimators; see the module docstring for the hooks."""

    _kernel_module: str = ""   # "kmeans", "gaussian_mixture", ...
    # hyper-parameters and fitted attributes every model has
    n_init: Any
    max_iter: int
    tol: float
    verbose: Any
    record_history: bool
    random_state: Any
    backend: str
    learning_offset: float
    learning_decay: float
    n_iter_: int
    n_steps_: int
    converged_: bool
    _stream: Any
    _objective_label = "objective"
    # True when the objective is a weighted sum (K-Means' inertia), False for a
    # weighted mean (the mixtures' log-likelihood per sample)
    _objective_is_sum = False

    # ------------------------------------------------------------------ checks
    _n_init_auto = False  # n_init="auto" means something (K-Means: as scikit-learn's)

    def _check_common_params(self):
        if not (self._n_init_auto and isinstance(self.n_init, str) and self.n_init == "auto"):
            check_int(self.n_init, "n_init", min_value=1)
        check_int(self.max_iter, "max_iter", min_value=1)
        check_float(self.tol, "tol", min_value=0.0)
        if isinstance(self.verbose, bool):
            pass
        else:
            check_int(self.verbose, "verbose", min_value=0)
        check_int(getattr(self, "verbose_interval", 10), "verbose_interval", min_value=1)
        check_bool(self.record_history, "record_history")
        check_bool(getattr(self, "warm_start", False), "warm_start")

    def _is_fitted(self):
        return hasattr(self, "n_iter_")

    # -------------------------------------------------------------------- fit
    def _fit_input(self, X, sample_weight, **kwargs):
        """What every ``fit`` does: Dask arrays to the chunked EM, other data checked,
        prepared and fitted here."""
        self._check_common_params()
        if is_dask_array(X):
            from ._dask import fit_dask

            return fit_dask(self, X, sample_weight, **kwargs)
        # the fit runs on weights rescaled by a power of two (see
        # rescaled_sample_weight); a summed objective is scaled back when reported
        sample_weight, exponent = rescaled_sample_weight(sample_weight)
        self._weight_exponent = exponent  # a prior counts the weights as frequencies
        try:
            data, rt = self._batch_data(X, sample_weight, fitting=True, **kwargs)
        finally:
            del self._weight_exponent
        if self._objective_is_sum:
            data["objective_exponent"] = exponent
        if getattr(self, "warm_start", False) and self._is_fitted():
            self._check_warm_start(data["X"].shape[1], data["X"].dtype)
        self.backend_ = rt.backend
        return self._fit_prepared(data, rt)

    def _check_warm_start(self, n_features, dtype):
        """Refuse fitted parameters that do not fit the new data (warm_start)."""

    def _fit_prepared(self, data, rt):
        """The restarts and the iteration loop over prepared ``data``. For Dask data,
        ``data["init"]`` holds the prepared random sample the initialisation reads."""
        self._stream = None  # a fit ends any partial_fit stream
        self.n_steps_ = 0
        warm = bool(getattr(self, "warm_start", False)) and self._is_fitted()
        n_init = 1 if warm else self._effective_n_init()
        seeds = restart_seeds(self.random_state, n_init)
        best = None
        with thread_context(rt):
            for i, seed in enumerate(seeds):
                if warm:
                    params = self._warm_params()
                else:
                    params = self._initialize(data.get("init", data),
                                              np.random.default_rng(seed), rt)
                run = self._run(data, params, rt, restart=(i + 1, len(seeds)))
                run.seed = seed
                better = best is None or self._score_run(run) > self._score_run(best)
                if better:
                    best = run
                if self.verbose:
                    final = np.ldexp(run.final_objective, data.get("objective_exponent", 0))
                    print(f"{type(self).__name__} restart {i + 1}/{len(seeds)}: "
                          f"{'converged' if run.converged else 'stopped (not converged)'} "
                          f"after {run.n_iter} iterations, {self._objective_label} "
                          f"{final:.10g}" + (" (the best so far)" if better and
                                            len(seeds) > 1 else ""), flush=True)
        objective = np.array(best.objectives + [best.final_objective], dtype=np.float64)
        with np.errstate(over="ignore"):
            objective = np.ldexp(objective, data.get("objective_exponent", 0))
        if self._objective_is_sum and not np.isfinite(objective).all():
            # refused before any fitted attribute is set: the estimator stays as it was
            raise ValueError(
                f"The weighted {self._objective_label} overflows float64. Scale X (for "
                "instance to unit variance), or sample_weight down, and fit again.")
        if not best.converged and self.tol > 0:
            # tol=0 asks for max_iter iterations (unless nothing changes at all): no
            # warning for getting what was asked
            warn(f"{type(self).__name__} did not converge in max_iter={self.max_iter} "
                 f"iterations (best of {n_init} run(s)); increase max_iter or tol, or "
                 "check the data.", ConvergenceWarning)
        self.n_iter_ = best.n_iter
        self.converged_ = best.converged
        history = {"objective": objective}
        if best.history:
            for key in best.history[0]:
                history[key] = np.stack([h[key] for h in best.history])
        self.history_ = history
        self._store(best, data)
        return self

    def _effective_n_init(self):
        return self.n_init

    def _iteration_note(self, state):
        """Extra text for a verbose iteration line (none by default)."""
        return ""

    def _change_note(self, change, state, data):
        """How a verbose iteration line reports the step's change: against ``tol``."""
        return f"change {change:.4g} (tol {self.tol:g})"

    def _run(self, data, params, rt, restart=(1, 1)):
        state = self._new_state(data, params, rt)
        record = self.record_history
        history = [self._snapshot(state)] if record else []
        objectives = []
        converged = False
        n_iter = 0
        verbose = int(self.verbose)
        interval = int(getattr(self, "verbose_interval", 10))
        prefix = f"[restart {restart[0]}/{restart[1]}] " if restart[1] > 1 else ""
        exponent = data.get("objective_exponent", 0)
        supervised = bool((data.get("labels") or {}).get("supervised"))
        tic = time.perf_counter()
        for n_iter in range(1, self.max_iter + 1):
            objective, change, converged = self._iterate(data, state, rt)
            # every row labelled: supervised estimation, whose one M-step is exact
            converged = converged or supervised
            objectives.append(objective)
            if record:
                history.append(self._snapshot(state))
            if verbose >= 2 and n_iter % interval == 0:
                toc = time.perf_counter()
                print(f"{prefix}Iteration {n_iter}: {self._objective_label} "
                      f"{np.ldexp(objective, exponent):.10g}, "
                      f"{self._change_note(change, state, data)}"
                      f"{self._iteration_note(state)}, time {toc - tic:.3g}s")
                tic = toc
            if converged:
                break
        final = self._final_e_step(data, state, rt)
        return Run(state=state, objectives=objectives, final_objective=final,
                   n_iter=n_iter, converged=converged, history=history)

    # the hooks each model fills in (see the module docstring)
    def _batch_data(self, X: Any, sample_weight: Any, fitting: bool, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _initialize(self, data: dict, rng: Any, rt: Any) -> dict:
        raise NotImplementedError

    def _warm_params(self) -> dict:
        raise NotImplementedError

    def _block_statistics(self, data: dict, params: dict, rt: Any) -> SufficientStatistics:
        raise NotImplementedError

    def _params_from_statistics(self, stats: SufficientStatistics, params: dict) -> dict:
        raise NotImplementedError

    def _stat_shapes(self, params: dict) -> dict:
        raise NotImplementedError

    def _store_params(self, params: dict) -> None:
        raise NotImplementedError

    def _blend(self, stream: Any, stats: SufficientStatistics, step: int) -> Any:
        raise NotImplementedError

    def _record_statistics(self, stats: SufficientStatistics) -> None:
        raise NotImplementedError

    # ------------------------------------------- sufficient statistics, streaming
    # A model provides ``_batch_data(X, sample_weight, fitting, **kw)`` (validated and
    # prepared data, and its Runtime), ``_block_statistics(data, params, rt)`` (a
    # SufficientStatistics), ``_params_from_statistics(stats, params)``,
    # ``_stat_shapes(params)`` and ``_store_params(params)``.

    def _pass_statistics(self, data, params, rt):
        """Statistics of all the data of a fit: the kernels on in-memory data, or a
        reduction of per-chunk statistics on Dask data."""
        if "dask" in data:
            from ._dask import reduce_statistics

            return reduce_statistics(self, data, params)
        return self._statistics_of(data, params, rt)

    # ---------------------------------------------------------- partial labels
    # A semi-supervised fit (``fit(X, labels=...)``, -1 for an unlabelled row) keeps the rows in
    # X but gives the labelled ones weight 0 in the model's own pass; they enter by
    # ``_labelled_statistics`` instead, with their responsibility fixed to their
    # label. ``data["labels"]`` holds the labels, the number of unlabelled rows and
    # the labelled rows grouped by label (as the model's ``_label_part`` builds them).

    def _split_labels(self, X, sample_weight, y, make, fitting=False, observed=None):
        """``(sample_weight without the labelled rows, labels)`` for labels ``y``
        (from :func:`check_labels`; None: no labels). ``make(rows)`` builds what
        ``_labelled_statistics`` reads from the labelled rows of one label. A fit
        with every row labelled is supervised estimation: each component needs rows
        (with something ``observed``, a mask of the rows, when there are holes)."""
        if y is None:
            return sample_weight, None
        labelled = y >= 0
        rows = np.flatnonzero(labelled & (sample_weight > 0))
        rows = rows[np.argsort(y[rows], kind="stable")]
        classes, starts = np.unique(y[rows], return_index=True)
        supervised = not (sample_weight[~labelled] > 0).any()
        if fitting and supervised:
            k = self._n_components_of()
            seen = classes if observed is None else np.unique(y[rows[observed[rows]]])
            absent = sorted(set(range(k)) - set(seen.tolist()))
            if absent:
                raise ValueError(
                    f"every row of X is labelled (labels has no -1 on a row of positive "
                    f"weight), so the fit is supervised estimation, but component "
                    f"{absent[0]} has no labelled row "
                    f"{'with an observed value ' if observed is not None else ''}to "
                    "estimate it from.")
        parts = [(int(c), make(r)) for c, r in zip(classes, np.split(rows, starts[1:]))]
        labels = {"y": y, "parts": parts, "n_unlabelled": int(y.size - labelled.sum()),
                  "supervised": supervised, "weight": float(sample_weight[rows].sum())}
        return np.where(labelled, 0.0, sample_weight), labels

    def _n_components_of(self):
        return getattr(self, "n_components", None) or self.n_clusters

    def _encode_labels(self, labels, fitting):
        """``(codes, classes)``: the partial labels ``labels`` (any class values; -1,
        None or NaN: unlabelled) as component indices, and the ``classes_`` they give
        (see :func:`fastem._validation.encode_labels`). ``fitting``: the labels start
        a model and define its classes; otherwise the model's ``classes_`` map them
        (a new class takes the next free component). ``(None, None)`` for no labels.
        The caller stores ``classes`` once its work succeeded."""
        if labels is None:
            return None, None
        k = self._n_components_of()
        k = k if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else None
        classes = None if fitting else getattr(self, "classes_", None)
        if is_dask_array(labels):
            return _dask_codes(labels, classes, k)
        return encode_labels(labels, classes, k)

    def _set_classes(self, classes, fitting):
        """Store ``classes_`` after a call that took partial labels (a fit without
        labels leaves none)."""
        if classes is not None:
            self.classes_ = classes
        elif fitting:
            self.__dict__.pop("classes_", None)

    def _statistics_of(self, data, params, rt):
        """``_block_statistics`` of the data's unlabelled rows plus the statistics of its
        labelled rows, each counted in its own component."""
        stats = self._block_statistics(data, params, rt)
        labels = data.get("labels")
        if labels is None:
            return stats
        stats.n_samples = labels["n_unlabelled"]
        if not labels["parts"]:
            return stats
        return stats + self._labelled_statistics(labels, params, rt, stats)

    def _labelled_statistics(self, labels, params, rt, like):
        """The statistics of the labelled rows, each in its own component, with the
        shapes and centre of ``like`` (the unlabelled rows' statistics). Each model
        says how, from what its ``_split_labels`` ``make`` kept of each label."""
        raise NotImplementedError

    @staticmethod
    def _log_weights_of_labels(params, classes, what="weights_init"):
        """log weight of each labelled component; a label of a component held at
        weight 0 cannot be, and says so."""
        weights = params["weights"][classes]
        if (weights <= 0).any():
            c = int(np.asarray(classes)[np.flatnonzero(weights <= 0)[0]])
            raise ValueError(f"labels puts rows in component {c}, whose weight is 0: a "
                             f"labelled row cannot come from it (give {what} a positive "
                             f"weight for component {c}, or relabel those rows).")
        return np.log(weights)

    def _with_labels(self, predicted, labels):
        """``fit_predict``'s labels: ``predicted`` with each row labelled in ``labels``
        (the partial labels of the fit) set to its component."""
        if labels is None:
            return predicted
        y, _ = self._encode_labels(labels, fitting=False)
        if is_dask_array(y) or is_dask_array(predicted):
            import dask.array as da

            y = da.asarray(y)
            return da.where(y >= 0, y, predicted).astype(predicted.dtype)
        y = check_labels(y, predicted.shape[0], self._n_components_of())
        return predicted if y is None else np.where(y >= 0, y, predicted).astype(
            predicted.dtype)

    def initialize(self: Self, X: ArrayLike, y: ArrayLike | None = None,
                   sample_weight: ArrayLike | None = None, *, labels: ArrayLike | None = None,
                   **kwargs: Any) -> Self:
        """Set initial parameters from ``X`` with the estimator's initialisation,
        without running EM (``n_iter_ = 0``).

        ``X`` can be a sample of data too large to fit at once; then alternate
        :meth:`statistics` over chunks and :meth:`m_step` to run EM by hand. ``y`` is
        ignored (scikit-learn's convention). ``labels``: partial labels (-1, None or
        NaN: unlabelled), which start each labelled component from its labelled
        rows, as in ``fit``.

        Returns
        -------
        self
        """
        self._check_common_params()
        codes, classes = self._encode_labels(labels, fitting=True)
        data, rt = self._batch_data(X, sample_weight, fitting=True, y=codes, **kwargs)
        with thread_context(rt):
            params = self._initialize(data, np.random.default_rng(
                seed_sequence(self.random_state)), rt)
        self._start_parameters(params, rt)
        self._set_classes(classes, fitting=True)
        return self

    def _start_parameters(self, params, rt):
        # what described a previous fit no longer does
        for name in ("labels_", "history_", "lower_bound_", "lower_bounds_", "inertia_"):
            self.__dict__.pop(name, None)
        self._stream = None
        self.backend_ = rt.backend
        self._store_params(params)
        self.n_iter_ = 0
        self.converged_ = False
        self.n_steps_ = 0

    def statistics(self, X: ArrayLike, y: ArrayLike | None = None,
                   sample_weight: ArrayLike | None = None, *,
                   labels: ArrayLike | None = None, **kwargs: Any) -> SufficientStatistics:
        """Sufficient statistics of the rows of ``X`` under the current parameters
        (one E-step): a :class:`fastem.SufficientStatistics`. Statistics of
        disjoint chunks add up (``sum(...)``) to those of all their rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
            Accepted for scikit-learn's conventions.
        sample_weight : array-like of shape (n_samples,), optional
        labels : array-like of shape (n_samples,), optional
            Partial labels (-1, None or NaN: unlabelled), mapped to components by
            ``classes_``: a labelled row counts in its component only, as in
            ``fit(X, labels=...)``.

        Returns
        -------
        stats : SufficientStatistics
        """
        self._check_parameters_set()
        codes, classes = self._encode_labels(labels, fitting=False)
        data, rt = self._batch_data(X, sample_weight, fitting=False, y=codes, **kwargs)
        with thread_context(rt):
            stats = self._statistics_of(data, self._warm_params(), rt)
        self._set_classes(classes, fitting=False)
        return stats

    def m_step(self: Self, stats: SufficientStatistics) -> Self:
        """Update the parameters from statistics summed over all the data (one
        M-step) and count one more iteration in ``n_iter_``.

        Parameters
        ----------
        stats : SufficientStatistics
            Computed under the current parameters, by :meth:`statistics`.

        Returns
        -------
        self
        """
        self._check_parameters_set()
        self._check_m_step_params()
        params = self._warm_params()
        check_statistics(stats, self._kernel_module, self._stat_shapes(params))
        self._store_params(self._params_from_statistics(stats, params))
        self._record_statistics(stats)
        self.n_iter_ = getattr(self, "n_iter_", 0) + 1
        return self

    def partial_fit(self: Self, X: ArrayLike, y: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None, *,
                    labels: ArrayLike | None = None, **kwargs: Any) -> Self:
        """Update the model with one batch of a stream (online EM).

        The first call initialises the parameters from its batch (it needs at least
        as many rows as components) unless the model is already fitted; every call
        then computes the batch's statistics under the current parameters, blends
        them into running statistics and takes an M-step (see the class docstring
        for the step size); a batch whose weights sum to 0 changes nothing. ``fit``
        starts afresh and ends any stream. ``y`` is ignored (scikit-learn's
        convention); ``labels``: the batch's partial labels (-1, None or NaN:
        unlabelled), as in ``fit(X, labels=...)``, mapped by ``classes_`` (a class
        first seen in a later batch takes the next free component).

        Returns
        -------
        self
        """
        self._check_common_params()
        self._check_stream_params()
        first = not self._is_fitted()
        codes, classes = self._encode_labels(labels, fitting=False)
        if first:
            data, rt = self._batch_data(X, sample_weight, fitting=True, y=codes, **kwargs)
            with thread_context(rt):
                params = self._initialize(data, np.random.default_rng(
                    seed_sequence(self.random_state)), rt)
            self._start_parameters(params, rt)
        else:
            data, rt = self._batch_data(X, sample_weight, fitting=False, y=codes, **kwargs)
        self._set_classes(classes, fitting=False)
        params = self._warm_params()
        with thread_context(rt):
            stats = self._statistics_of(data, params, rt)
        if not stats.weight > 0:  # a batch of weight 0 carries nothing
            return self
        stream = getattr(self, "_stream", None)
        steps = getattr(self, "n_steps_", 0) if stream is not None else 0
        self._stream = self._blend(stream, stats, steps)
        self._store_params(self._params_from_statistics(self._stream, params))
        self._record_statistics(stats)
        self.n_steps_ = steps + 1
        return self

    # stepwise online EM (Sato & Ishii 2000; Cappe & Moulines 2009; Liang & Klein 2009)
    def _check_m_step_params(self):
        pass

    def _check_stream_params(self):
        check_float(self.learning_offset, "learning_offset", min_value=0.0)
        check_float(self.learning_decay, "learning_decay", min_value=0.5,
                    include_min=False)
        if self.learning_decay > 1:
            raise ValueError(f"learning_decay must be in (0.5, 1], got "
                             f"{self.learning_decay}.")

    def step_size(self, step: int) -> float:
        """Weight of batch number ``step`` (0, 1, 2, ...) in the running statistics:
        1 for the first, then ``(step + learning_offset) ** -learning_decay``."""
        if step == 0:
            return 1.0
        return float((step + self.learning_offset) ** -self.learning_decay)

    def _check_parameters_set(self):
        if not self._is_fitted():
            from ._validation import check_is_fitted

            check_is_fitted(self, "n_iter_")

    # ------------------------------------------------------- scikit-learn glue
    def __sklearn_tags__(self):
        # Called by scikit-learn only, so importing it here costs fastem nothing.
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False))


class MixtureBase(EMBase):
    """What the mixtures share: the best restart is the one with the highest lower
    bound (the mean log-likelihood before the last M-step, as scikit-learn reports
    it), and scikit-learn sees a density estimator."""

    def _score_run(self, run):
        return run.objectives[-1]

    @staticmethod
    def _check_n_samples(n, k):
        if n < k:
            raise ValueError(f"Expected n_samples >= n_components but got "
                             f"n_components = {k}, n_samples = {n}.")

    def _blend(self, stream, stats, step):
        # running per-row averages: s <- (1 - eta) s + eta * stats / weight
        batch = stats * (1.0 / stats.weight)
        if stream is None:
            return batch
        eta = self.step_size(step)
        if batch.center is not None:
            stream = stream.recentered(batch.center)
        return batch * eta + stream * (1.0 - eta)

    def _record_statistics(self, stats):
        self.lower_bound_ = stats.objective / stats.weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "density_estimator"
        return tags
