"""pytest-benchmark suite. Disabled by default (``--benchmark-disable`` in the pytest
options) so each runs once as a smoke test; time them with
``pytest tests/test_benchmarks.py --benchmark-enable --benchmark-only``."""

import numpy as np
import pytest

from fastem import KMeans
from conftest import BACKENDS


def _data(n, d, k, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=5.0, size=(k, d))
    X = (centers[rng.integers(k, size=n)] + rng.normal(size=(n, d))).astype(dtype)
    return X, X[rng.choice(n, k, replace=False)].copy()


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_bench_lloyd_iter_kernel(benchmark, backend, parallel, dtype):
    from fastem._backend import kernel_module

    kern = kernel_module(backend, "kmeans")
    X, C = _data(20_000, 8, 16, dtype)
    w = np.ones(len(X))
    labels = np.full(len(X), -1, dtype=np.int32)
    sums, wsums = np.empty((16, 8)), np.empty(16)
    args = (X, w, C, labels, sums, wsums, 256, parallel)
    kern.lloyd_iter(*args)  # compile / load before timing
    inertia, _ = benchmark(kern.lloyd_iter, *args)
    assert wsums.sum() == pytest.approx(len(X))
    assert inertia > 0


def test_bench_kmeans_fit(benchmark, backend):
    X, C = _data(20_000, 4, 8)
    est = KMeans(8, init=C, max_iter=20, tol=0, backend=backend)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)  # compile / load before timing
        fitted = benchmark(est.fit, X)
    assert fitted.cluster_centers_.shape == (8, 4)
