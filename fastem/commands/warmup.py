"""Compile every numba kernel ahead of the first fit (``fastem.warmup()``).

K-Means kernels are compiled once per nearest-centre search form and tile width (see
``fastem._kernels.kmeans.search_form``); warmup compiles the form of its small data
(two features), and the others compile when a shape first needs them."""

import time
import warnings

import numpy as np

from .._config import config_context


def warmup(dtypes=("float64", "float32")):
    from .._backend import numba_available

    tic = time.perf_counter()
    if not numba_available():
        return 0.0
    from ..exceptions import ConvergenceWarning

    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _run_all(dtypes, rng)
    return time.perf_counter() - tic


def _run_all(dtypes, rng):
    from ..binomial_mixture import BinomialMixture
    from ..gaussian_mixture import GaussianMixture
    from ..kmeans import KMeans

    for dtype in dtypes:
        X = rng.normal(size=(64, 2)).astype(dtype)
        for mode in ("serial", "parallel"):
            with config_context(parallel=mode):
                km = KMeans(2, init=X[:2], max_iter=2, tol=0, backend="numba").fit(X)
                km.transform(X[:3])
                km.predict(X[:3])
                # one per kernel family: full (and tied), diag (and spherical), 1-D
                for cov_type, data in (("full", X), ("diag", X), ("full", X[:, :1])):
                    gm = GaussianMixture(2, covariance_type=cov_type, means_init=data[:2],
                                         max_iter=2, tol=0, backend="numba").fit(data)
                    gm.predict_proba(data[:3])
                    gm.predict(data[:3])
    counts = rng.integers(0, 6, size=64)
    for mode in ("serial", "parallel"):
        with config_context(parallel=mode):
            bm = BinomialMixture(2, n_trials=5, max_iter=2, tol=0, backend="numba").fit(counts)
            bm.predict_proba(counts[:3])
            bm.predict(counts[:3])
