"""Gaussian mixture kernels: numba = NumPy reference = scipy.stats naive loop, at
chunk boundaries, both dtypes, serial and parallel on 1 and 2 threads."""

import numpy as np
import pytest

from fastem._backend import numba_available
from fastem._reference import gaussian_mixture as ref
from fastem.gaussian_mixture import kernel_precision, log_det_cholesky, precision_cholesky
from conftest import requires_numba, rtol_for
from naive import gmm_step

CHUNK = 8
# below, at, above one chunk; more chunks than blocks (64), so blocks hold several
SIZES = [1, CHUNK - 1, CHUNK, CHUNK + 1, 64 * CHUNK + 1, 130 * CHUNK + 3]
TYPES = ["full", "tied", "diag", "spherical", "1d-full", "1d-spherical"]


def _variants():
    out = [("reference", ref, False, None)]
    if numba_available():
        from fastem._kernels import gaussian_mixture as ker

        out += [("numba", ker, False, None), ("numba", ker, True, 1), ("numba", ker, True, 2)]
    return out


def _problem(n, cov_type, dtype, seed=0):
    """Data, parameters in fastem's (scikit-learn's) shapes, and full covariances."""
    rng = np.random.default_rng(seed)
    d = 1 if cov_type.startswith("1d") else 3
    ct = cov_type.split("-")[-1]
    k = 3
    X = (rng.normal(size=(n, d)) * 2.0).astype(dtype)
    means = rng.normal(size=(k, d))
    weights = rng.dirichlet(np.ones(k))
    A = rng.normal(size=(k, d, d))
    full = A @ A.transpose(0, 2, 1) + np.eye(d)[None] * 0.5
    if ct == "full":
        cov = full
    elif ct == "tied":
        cov = full[0]
        full = np.repeat(cov[None], k, axis=0)
    elif ct == "diag":
        cov = rng.uniform(0.3, 2.0, size=(k, d))
        full = np.stack([np.diag(v) for v in cov])
    else:
        cov = rng.uniform(0.3, 2.0, size=k)
        full = np.stack([np.eye(d) * v for v in cov])
    prec_chol = precision_cholesky(cov, ct)
    log_const = np.log(weights) + log_det_cholesky(prec_chol, ct, d) - 0.5 * d * np.log(2 * np.pi)
    family, prec = kernel_precision(prec_chol, ct, k, d)
    w = rng.uniform(0.2, 2.0, size=n)
    return X, w, weights, means, full, family, prec, log_const


def _call(mod, parallel, threads, fn, *args):
    if threads is None:
        return getattr(mod, fn)(*args, parallel)
    from fastem._parallel import thread_limit

    with thread_limit(threads):
        return getattr(mod, fn)(*args, parallel)


@pytest.mark.parametrize("cov_type", TYPES)
@pytest.mark.parametrize("n", SIZES)
def test_em_step_matches_naive(cov_type, n, dtype):
    X, w, weights, means, full, family, prec, log_const = _problem(n, cov_type, dtype)
    k, d = means.shape
    e_lpn, e_resp, e_N, e_S1, e_S2, e_total = gmm_step(X, w, weights, means, full)
    rtol = rtol_for(dtype)
    for name, mod, parallel, threads in _variants():
        N, S1 = np.full(k, np.nan), np.full((k, d), np.nan)
        S2 = np.full((k, d, d) if family == "full" else (k, d), np.nan)
        total = _call(mod, parallel, threads, f"em_step_{family}", X, w, means, prec,
                      log_const, N, S1, S2, CHUNK)
        where = f"{name} parallel={parallel} threads={threads}"
        assert total == pytest.approx(e_total, rel=rtol), where
        np.testing.assert_allclose(N, e_N, rtol=rtol, atol=1e-10, err_msg=where)
        np.testing.assert_allclose(S1, e_S1, rtol=rtol, atol=1e-9, err_msg=where)
        expected_S2 = e_S2 if family == "full" else np.diagonal(e_S2, axis1=1, axis2=2)
        np.testing.assert_allclose(S2, expected_S2, rtol=rtol, atol=1e-9, err_msg=where)


@pytest.mark.parametrize("cov_type", TYPES)
@pytest.mark.parametrize("n", SIZES)
def test_e_step_matches_naive(cov_type, n, dtype):
    X, w, weights, means, full, family, prec, log_const = _problem(n, cov_type, dtype, 1)
    k = means.shape[0]
    e_lpn, e_resp, *_ = gmm_step(X, w, weights, means, full)
    rtol = rtol_for(dtype)
    for name, mod, parallel, threads in _variants():
        lpn, labels = np.empty(n), np.empty(n, dtype=np.int64)
        resp = np.empty((n, k))
        _call(mod, parallel, threads, f"e_step_{family}", X, means, prec, log_const, lpn,
              labels, resp, CHUNK)
        np.testing.assert_allclose(lpn, e_lpn, rtol=rtol, err_msg=name)
        np.testing.assert_allclose(resp, e_resp, rtol=rtol, atol=1e-7, err_msg=name)
        np.testing.assert_array_equal(labels, e_resp.argmax(axis=1), err_msg=name)
        # only the outputs asked for are written
        lpn_only = np.empty(n)
        _call(mod, parallel, threads, f"e_step_{family}", X, means, prec, log_const,
              lpn_only, np.empty(0, dtype=np.int64), np.empty((0, 0)), CHUNK)
        np.testing.assert_array_equal(lpn_only, lpn)


def test_zero_weight_component_and_zero_weight_rows():
    X, w, weights, means, full, family, prec, log_const = _problem(50, "full", np.float64)
    log_const = log_const.copy()
    log_const[1] = -np.inf  # a component of weight 0
    w[:10] = 0.0
    for name, mod, parallel, threads in _variants():
        N, S1, S2 = np.empty(3), np.empty((3, 3)), np.empty((3, 3, 3))
        total = _call(mod, parallel, threads, "em_step_full", X, w, means, prec, log_const,
                      N, S1, S2, CHUNK)
        assert np.isfinite(total), name
        assert N[1] == 0.0 and (S1[1] == 0).all() and (S2[1] == 0).all(), name
        assert N.sum() == pytest.approx(w.sum(), rel=1e-12), name


@requires_numba
@pytest.mark.parametrize("cov_type", ["full", "diag", "1d-full"])
def test_parallel_result_independent_of_thread_count(cov_type):
    from fastem._parallel import max_threads
    from fastem._kernels import gaussian_mixture as ker

    X, w, weights, means, full, family, prec, log_const = _problem(30_001, cov_type,
                                                                  np.float64, 2)
    k, d = means.shape
    results = []
    for threads in sorted({1, 2, max_threads()}):
        N, S1 = np.empty(k), np.empty((k, d))
        S2 = np.empty((k, d, d) if family == "full" else (k, d))
        total = _call(ker, True, threads, f"em_step_{family}", X, w, means, prec,
                      log_const, N, S1, S2, 64)
        results.append((total, N, S1, S2))
    for other in results[1:]:
        assert other[0] == results[0][0]
        for a, b in zip(other[1:], results[0][1:]):
            np.testing.assert_array_equal(a, b)
