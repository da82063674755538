"""pytest-benchmark suite. Disabled by default (``--benchmark-disable`` in the pytest
options) so each runs once as a smoke test; time them with
``pytest tests/test_benchmarks.py --benchmark-enable --benchmark-only``."""

import numpy as np
import pytest

from fastem import BinomialMixture, GaussianMixture, KMeans


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
    args = (X, w, C, np.zeros(8, dtype=dtype), labels, sums, wsums, 256, parallel)
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


@pytest.mark.parametrize("cov_type,d", [("full", 8), ("diag", 8), ("full", 1)])
def test_bench_gmm_em_step_kernel(benchmark, backend, cov_type, d):
    from fastem._backend import kernel_module
    from fastem.gaussian_mixture import kernel_precision, log_det_cholesky

    kern = kernel_module(backend, "gaussian_mixture")
    X, C = _data(20_000, d, 16)
    k = 16
    prec_chol = (np.repeat(np.eye(d)[None], k, axis=0) if cov_type == "full"
                 else np.ones((k, d)))
    family, prec = kernel_precision(prec_chol, cov_type, k, d)
    log_const = np.log(np.full(k, 1 / k)) + log_det_cholesky(prec_chol, cov_type, d)
    N, S1 = np.empty(k), np.empty((k, d))
    S2 = np.empty((k, d, d) if family == "full" else (k, d))
    args = (X, np.ones(len(X)), np.ascontiguousarray(C, dtype=np.float64), prec, log_const,
            N, S1, S2, 256, False)
    step = getattr(kern, f"em_step_{family}")
    step(*args)  # compile / load before timing
    total = benchmark(step, *args)
    assert np.isfinite(total)
    assert N.sum() == pytest.approx(len(X))


@pytest.mark.parametrize("cov_type", ["full", "tied", "diag", "spherical"])
def test_bench_gmm_fit(benchmark, backend, cov_type):
    X, C = _data(10_000, 3, 4)
    est = GaussianMixture(4, covariance_type=cov_type, means_init=C, max_iter=10, tol=0,
                          backend=backend)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
        fitted = benchmark(est.fit, X)
    assert fitted.means_.shape == (4, 3)


def test_bench_binomial_em_step_kernel(benchmark, backend):
    from fastem._backend import kernel_module

    kern = kernel_module(backend, "binomial_mixture")
    rng = np.random.default_rng(0)
    nt = rng.integers(5, 50, size=(20_000, 1)).astype(float)
    X = rng.binomial(nt.astype(int), 0.4).astype(float)
    probs = np.array([[0.3], [0.6]])
    args = (X, nt, np.ones(len(X)), np.log([0.5, 0.5]), np.log(probs), np.log1p(-probs),
            np.empty(2), np.empty((2, 1)), np.empty((2, 1)), 256, False)
    kern.em_step(*args)  # compile / load before timing
    total = benchmark(kern.em_step, *args)
    assert np.isfinite(total)


def test_bench_binomial_fit_coin_data(benchmark, backend):
    # 1e5 trials of 10 tosses take 11 distinct values: the fit runs on those
    rng = np.random.default_rng(1)
    X = rng.binomial(10, np.where(rng.integers(2, size=100_000) == 0, 0.6, 0.2))
    est = BinomialMixture(2, n_trials=10, probs_init=[0.5, 0.4], max_iter=50, tol=0,
                          backend=backend)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
        fitted = benchmark(est.fit, X)
    assert np.sort(fitted.probs_) == pytest.approx([0.2, 0.6], abs=0.01)


def test_bench_assign_kernel(benchmark, backend):
    from fastem._backend import kernel_module

    kern = kernel_module(backend, "kmeans")
    X, C = _data(20_000, 8, 16)
    w, labels = np.ones(len(X)), np.empty(len(X), dtype=np.int32)
    args = (X, w, C, np.zeros(8), labels, np.empty(0), 256, False)
    kern.assign(*args)  # compile / load before timing
    inertia = benchmark(kern.assign, *args)
    assert inertia > 0 and labels.max() < 16


@pytest.mark.parametrize("family,d", [("full", 8), ("diag", 8), ("1d", 1)])
def test_bench_gmm_e_step_kernel(benchmark, backend, family, d):
    from fastem._backend import kernel_module

    kern = kernel_module(backend, "gaussian_mixture")
    X, C = _data(20_000, d, 16)
    prec = (np.repeat(np.eye(d)[None], 16, axis=0) if family == "full" else np.ones((16, d)))
    lpn = np.empty(len(X))
    args = (X, np.ascontiguousarray(C), prec, np.zeros(16), lpn, np.empty(0, dtype=np.int64),
            np.empty((0, 0)), 256, False)
    step = getattr(kern, f"e_step_{family}")
    step(*args)  # compile / load before timing
    benchmark(step, *args)
    assert np.isfinite(lpn).all()


def test_bench_binomial_e_step_kernel(benchmark, backend):
    from fastem._backend import kernel_module

    kern = kernel_module(backend, "binomial_mixture")
    rng = np.random.default_rng(0)
    X = rng.binomial(10, 0.4, size=(20_000, 1)).astype(float)
    probs = np.array([[0.3], [0.6]])
    resp = np.empty((len(X), 2))
    args = (X, np.array([[10.0]]), np.log([0.5, 0.5]), np.log(probs), np.log1p(-probs),
            np.empty(0), np.empty(0, dtype=np.int64), resp, 256, False)
    kern.e_step(*args)  # compile / load before timing
    benchmark(kern.e_step, *args)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)
