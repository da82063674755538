"""Shared pieces of the asv suite, after scikit-learn's asv_benchmarks.

Profile: "fast" (seconds, for CI), "regular" or "large", from the environment variable
FASTEM_ASV_PROFILE or else config.json. Thread count: FASTEM_NUM_THREADS (fastem's own
setting) or config.json. Data sets are built once per process and cached.
"""

import functools
import json
import os
import warnings
from pathlib import Path

import numpy as np

_CONFIG = json.loads((Path(__file__).parent / "config.json").read_text())
PROFILE = os.environ.get("FASTEM_ASV_PROFILE", _CONFIG["profile"])
if _CONFIG.get("n_threads") and "FASTEM_NUM_THREADS" not in os.environ:
    os.environ["FASTEM_NUM_THREADS"] = str(_CONFIG["n_threads"])

# rows per profile
N_SAMPLES = {"fast": 20_000, "regular": 200_000, "large": 1_000_000}[PROFILE]
FAST = PROFILE == "fast"  # the CI profile: a smaller grid, so that the suite runs in ~1 min


@functools.lru_cache(maxsize=None)
def blobs(n, d, k, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(k, d))
    labels = rng.integers(k, size=n)
    X = (centers[labels] + rng.normal(size=(n, d))).astype(dtype)
    start = X[rng.choice(n, k, replace=False)].astype(np.float64)
    return X, labels, start


@functools.lru_cache(maxsize=None)
def coin_counts(n, n_trials, k, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(k, size=n)
    return rng.binomial(n_trials, np.linspace(0.2, 0.7, k)[labels]), labels


def adjusted_rand(a, b):
    """Adjusted Rand index, for track_ benchmarks (no scikit-learn needed)."""
    from scipy.special import comb

    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    sum_comb = comb(table, 2).sum()
    rows, cols = comb(table.sum(1), 2).sum(), comb(table.sum(0), 2).sum()
    expected = rows * cols / comb(len(a), 2)
    return float((sum_comb - expected) / (0.5 * (rows + cols) - expected))


class _Estimator:
    """Mixin (underscored, so that asv does not collect it): subclasses set ``params``/``param_names`` and define
    ``make_data(params)`` -> (X, fit_kwargs, truth) and ``make_estimator(params)``.

    The JIT is warmed in ``setup`` (one fit) so that times exclude compilation.
    """

    timeout = 300

    def setup(self, *params):
        self.X, self.fit_kwargs, self.truth = self.make_data(params)
        self.estimator = self.make_estimator(params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.estimator.fit(self.X, **self.fit_kwargs)

    def _fit(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.estimator.fit(self.X, **self.fit_kwargs)

    def time_fit(self, *params):
        self._fit()

    def peakmem_fit(self, *params):
        self._fit()
