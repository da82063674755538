"""Mergeable sufficient statistics: what one EM iteration needs from the data.

EM is a sum over rows. Every model in fastem reduces a block of rows, under its
current parameters, to a few per-component arrays and a number (the log-likelihood of
the block for a mixture, its inertia for K-Means). Statistics of different blocks add
up; the M-step needs only their sum. So exact EM over data that is chunked, streamed
or spread across machines is::

    stats = sum(model.statistics(block) for block in blocks)
    model.m_step(stats)

:class:`SufficientStatistics` is that sum: picklable (so it travels between
processes, Spark or Ray tasks and Dask workers), added with ``+`` (and ``sum``), and
scaled with ``*`` (stepwise online EM averages them).

The arrays, by model:

- ``"kmeans"``: ``sums`` (k, d), weighted sum of ``row - center[j]`` over the rows
  assigned to centre ``j``, ``center`` being the centres the statistics were computed
  under (so the rows' weighted mean is ``center + sums / counts[:, None]``, exactly
  ``center`` where the rows coincide with it, and as accurate far from the origin as
  near it); ``counts`` (k,), their total weight. ``objective``: the weighted inertia.
- ``"gaussian_mixture"``: ``N`` (k,), the responsibilities' total weight; ``S1``
  (k, d) and ``S2`` ((k, d, d) for full and tied covariances, (k, d) for diag,
  spherical and one feature), first and second moments of the rows *about*
  ``center``, the means the statistics were computed under (centring keeps the
  second moments accurate). ``objective``: the weighted log-likelihood.
- ``"binomial_mixture"``: ``N`` (k,); ``SX`` (k, d), successes; ``SN`` (k, d),
  trials, each weighted by responsibility. ``objective``: the weighted
  log-likelihood, binomial coefficients included.

``weight`` is the total sample weight of the rows and ``n_samples`` their number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SufficientStatistics"]

_MODELS = ("kmeans", "gaussian_mixture", "binomial_mixture")


class SufficientStatistics:
    """Per-component sufficient statistics of some rows, under some parameters.

    Made by an estimator's ``statistics(X)``; consumed by its ``m_step(stats)``.
    ``a + b`` adds two of them (and ``sum([...])`` works); ``c * s`` scales one.

    Parameters
    ----------
    model : {"kmeans", "gaussian_mixture", "binomial_mixture"}
    arrays : dict of str to ndarray
        The per-component arrays (see the module docstring); read them as
        attributes, e.g. ``stats.N``.
    objective : float
        Weighted log-likelihood (mixtures) or inertia (K-Means) of the rows.
    weight : float
        Total sample weight of the rows.
    n_samples : int
        Number of rows.
    center : ndarray of shape (k, d), optional
        For Gaussian mixtures the means the moments ``S1``, ``S2`` are taken about; for
        K-Means the centres the ``sums`` are taken about. Statistics about different
        centres are re-centred before they are added.
    """

    def __init__(self, model: str, arrays: dict, objective: float, weight: float,
                 n_samples: int, center: Any = None) -> None:
        if model not in _MODELS:
            raise ValueError(f"model must be one of {_MODELS}, got {model!r}.")
        self.model = model
        self.arrays = {key: np.asarray(value, dtype=np.float64)
                       for key, value in arrays.items()}
        self.objective = float(objective)
        self.weight = float(weight)
        self.n_samples = int(n_samples)
        self.center = None if center is None else np.array(center, dtype=np.float64)

    def __getattr__(self, name):
        # only reached when normal lookup fails; guard what pickling looks up first
        arrays = self.__dict__.get("arrays")
        if arrays is not None and name in arrays:
            return arrays[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def n_components(self) -> int:
        return next(iter(self.arrays.values())).shape[0]

    def copy(self) -> SufficientStatistics:
        return SufficientStatistics(self.model, {k: v.copy() for k, v in self.arrays.items()},
                                    self.objective, self.weight, self.n_samples, self.center)

    # ------------------------------------------------------------ arithmetic
    def _check_compatible(self, other):
        if not isinstance(other, SufficientStatistics):
            raise TypeError(f"can only add SufficientStatistics to SufficientStatistics, "
                            f"not {type(other).__name__}.")
        if other.model != self.model:
            raise ValueError(f"cannot add statistics of a {other.model} to those of a "
                             f"{self.model}.")
        for key, value in self.arrays.items():
            theirs = other.arrays.get(key)
            if theirs is None or theirs.shape != value.shape:
                raise ValueError(
                    f"cannot add statistics of different shapes: {key} is {value.shape} "
                    f"here and {None if theirs is None else theirs.shape} there (another "
                    "number of components, features or covariance type).")

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return self.copy()  # so that sum() starts from 0
        self._check_compatible(other)
        if (self.center is None) != (other.center is None):
            if self.model != "kmeans":
                raise ValueError("cannot add statistics with a centre to statistics "
                                 "without one.")
            # K-Means sums without a centre are plain sums: sums about the origin
            if self.center is None:
                self = self._about_origin(other.center.shape)
            else:
                other = other._about_origin(self.center.shape)
        if self.center is not None and not np.array_equal(self.center, other.center):
            other = other.recentered(self.center)
        arrays = {key: value + other.arrays[key] for key, value in self.arrays.items()}
        return SufficientStatistics(self.model, arrays, self.objective + other.objective,
                                    self.weight + other.weight,
                                    self.n_samples + other.n_samples, self.center)

    def __radd__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return self.copy()
        return NotImplemented

    def __mul__(self, factor):
        """Every sum scaled by ``factor`` (``n_samples`` is kept): stepwise EM's
        weighted averages ``(1 - eta) * old + eta * new`` are built from it."""
        if not isinstance(factor, (int, float, np.floating, np.integer)) or isinstance(
                factor, bool):
            return NotImplemented
        factor = float(factor)
        if not np.isfinite(factor) or factor < 0:
            raise ValueError(f"statistics can be scaled by a finite factor >= 0 only, "
                             f"got {factor}.")
        arrays = {key: value * factor for key, value in self.arrays.items()}
        return SufficientStatistics(self.model, arrays, self.objective * factor,
                                    self.weight * factor, self.n_samples, self.center)

    __rmul__ = __mul__

    def _about_origin(self, shape):
        return SufficientStatistics(self.model, self.arrays, self.objective, self.weight,
                                    self.n_samples, np.zeros(shape))

    def recentered(self, center: Any) -> SufficientStatistics:
        """The same statistics with moments (Gaussian mixtures) or sums (K-Means)
        about ``center``."""
        if self.center is None:
            raise ValueError(f"statistics of a {self.model} have no centre.")
        center = np.asarray(center, dtype=np.float64)
        if center.shape != self.center.shape:
            raise ValueError(f"center must have shape {self.center.shape}, got "
                             f"{center.shape}.")
        delta = self.center - center  # sum r (x - new) = S1 + N delta
        if self.model == "kmeans":
            counts = self.arrays["counts"]
            sums = self.arrays["sums"] + counts[:, None] * delta
            return SufficientStatistics(self.model, {"sums": sums, "counts": counts.copy()},
                                        self.objective, self.weight, self.n_samples, center)
        N, S1, S2 = self.arrays["N"], self.arrays["S1"], self.arrays["S2"]
        if S2.ndim == 3:
            cross = S1[:, :, None] * delta[:, None, :]
            S2 = (S2 + cross + cross.transpose(0, 2, 1)
                  + N[:, None, None] * delta[:, :, None] * delta[:, None, :])
        else:
            S2 = S2 + 2.0 * delta * S1 + N[:, None] * delta * delta
        S1 = S1 + N[:, None] * delta
        return SufficientStatistics(self.model, {"N": N.copy(), "S1": S1, "S2": S2},
                                    self.objective, self.weight, self.n_samples, center)

    # ---------------------------------------------------------------- display
    def __repr__(self):
        shapes = ", ".join(f"{key}={value.shape}" for key, value in self.arrays.items())
        return (f"SufficientStatistics(model={self.model!r}, {shapes}, "
                f"objective={self.objective:.6g}, weight={self.weight:.6g}, "
                f"n_samples={self.n_samples})")


def check_statistics(stats, model, shapes):
    """Validate statistics given to ``m_step``: their model and array shapes."""
    if not isinstance(stats, SufficientStatistics):
        raise TypeError(f"stats must be a SufficientStatistics (from statistics(X)), "
                        f"got {type(stats).__name__}.")
    if stats.model != model:
        raise ValueError(f"stats were computed by a {stats.model} model, not a {model}.")
    for key, shape in shapes.items():
        value = stats.arrays.get(key)
        if value is None or value.shape != shape:
            raise ValueError(f"stats.{key} has shape "
                             f"{None if value is None else value.shape}, expected {shape} "
                             "for this model's components and features.")
        if not np.isfinite(value).all():
            raise ValueError(f"stats.{key} contains NaN or infinity.")
    if not stats.weight > 0:
        raise ValueError("stats have no weight: they sum no rows of positive weight.")
    return stats
