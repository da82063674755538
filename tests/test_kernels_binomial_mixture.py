"""Binomial mixture kernels: numba = NumPy reference = scipy.stats.binom naive loop."""

import numpy as np
import pytest

from fastem._backend import numba_available
from fastem._reference import binomial_mixture as ref
from fastem.binomial_mixture import log_binomial_coefficients
from conftest import requires_numba
from naive import binomial_step

CHUNK = 8
SIZES = [1, CHUNK - 1, CHUNK, CHUNK + 1, 64 * CHUNK + 1, 130 * CHUNK + 3]
# trials: scalar, per row, per feature, per count
TRIALS = ["scalar", "row", "feature", "count"]


def _variants():
    out = [("reference", ref, False, None)]
    if numba_available():
        from fastem._kernels import binomial_mixture as ker

        out += [("numba", ker, False, None), ("numba", ker, True, 1), ("numba", ker, True, 2)]
    return out


def _call(mod, parallel, threads, fn, *args):
    if threads is None:
        return getattr(mod, fn)(*args, parallel)
    from fastem._parallel import thread_limit

    with thread_limit(threads):
        return getattr(mod, fn)(*args, parallel)


def _problem(n, trials, d=3, k=3, seed=0, edge_probs=False):
    rng = np.random.default_rng(seed)
    shape = {"scalar": (1, 1), "row": (n, 1), "feature": (1, d), "count": (n, d)}[trials]
    nt = rng.integers(1, 15, size=shape).astype(np.float64)
    probs = rng.uniform(0.05, 0.95, size=(k, d))
    if edge_probs:  # exactly 0 and 1: 0 * log 0 must give 0, not NaN
        probs[0, 0], probs[1, 1] = 0.0, 1.0
    X = rng.binomial(np.broadcast_to(nt, (n, d)).astype(int), probs[rng.integers(k, size=n)])
    X = X.astype(np.float64)
    weights = rng.dirichlet(np.ones(k))
    w = rng.uniform(0.2, 2.0, size=n)
    with np.errstate(divide="ignore"):
        logs = np.log(weights), np.log(probs), np.log1p(-probs)
    return X, nt, w, weights, probs, logs


@pytest.mark.parametrize("trials", TRIALS)
@pytest.mark.parametrize("n", SIZES)
def test_em_step_matches_naive(trials, n):
    X, nt, w, weights, probs, (log_w, logp, log1mp) = _problem(n, trials)
    k, d = probs.shape
    e_lpn, e_resp, e_N, e_SX, e_SN, e_total = binomial_step(X, nt, w, weights, probs)
    coef = float(w @ log_binomial_coefficients(X, nt))
    for name, mod, parallel, threads in _variants():
        N, SX, SN = np.full(k, np.nan), np.full((k, d), np.nan), np.full((k, d), np.nan)
        total = _call(mod, parallel, threads, "em_step", X, nt, w, log_w, logp, log1mp,
                      N, SX, SN, CHUNK)
        assert total + coef == pytest.approx(e_total, rel=1e-10), name
        np.testing.assert_allclose(N, e_N, rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(SX, e_SX, rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(SN, e_SN, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("trials", TRIALS)
@pytest.mark.parametrize("n", SIZES[:5])
def test_e_step_matches_naive(trials, n):
    X, nt, w, weights, probs, (log_w, logp, log1mp) = _problem(n, trials, seed=1,
                                                                edge_probs=True)
    k = probs.shape[0]
    e_lpn, e_resp, *_ = binomial_step(X, nt, w, weights, probs)
    coef = log_binomial_coefficients(X, nt)
    for name, mod, parallel, threads in _variants():
        lpn, labels, resp = np.empty(n), np.empty(n, dtype=np.int64), np.empty((n, k))
        _call(mod, parallel, threads, "e_step", X, nt, log_w, logp, log1mp, lpn, labels,
              resp, CHUNK)
        assert np.isfinite(lpn).all(), name
        np.testing.assert_allclose(lpn + coef, e_lpn, rtol=1e-10, err_msg=name)
        np.testing.assert_allclose(resp, e_resp, rtol=1e-9, atol=1e-12, err_msg=name)
        np.testing.assert_array_equal(labels, e_resp.argmax(axis=1), err_msg=name)


def test_probabilities_zero_and_one_give_no_nan():
    X = np.array([[0.0], [10.0], [5.0]])
    nt = np.array([[10.0]])
    probs = np.array([[0.0], [1.0]])
    with np.errstate(divide="ignore"):
        log_w, logp, log1mp = np.log([0.5, 0.5]), np.log(probs), np.log1p(-probs)
    for name, mod, parallel, threads in _variants():
        N, SX, SN = np.empty(2), np.empty((2, 1)), np.empty((2, 1))
        lpn, resp = np.empty(2), np.empty((2, 2))
        total = _call(mod, parallel, threads, "em_step", X[:2], nt, np.ones(2), log_w, logp,
                      log1mp, N, SX, SN, CHUNK)
        assert total == pytest.approx(2 * np.log(0.5)), name
        np.testing.assert_array_equal(N, [1.0, 1.0])
        _call(mod, parallel, threads, "e_step", X[:2], nt, log_w, logp, log1mp, lpn,
              np.empty(0, dtype=np.int64), resp, CHUNK)
        np.testing.assert_array_equal(resp, [[1.0, 0.0], [0.0, 1.0]])
        # 5 heads out of 10 is impossible under both: log-likelihood -inf, no NaN
        one = np.empty(1)
        _call(mod, parallel, threads, "e_step", X[2:], nt, log_w, logp, log1mp, one,
              np.empty(0, dtype=np.int64), np.empty((0, 0)), CHUNK)
        assert one[0] == -np.inf, name


@requires_numba
def test_parallel_result_independent_of_thread_count():
    from fastem._parallel import max_threads
    from fastem._kernels import binomial_mixture as ker

    X, nt, w, weights, probs, (log_w, logp, log1mp) = _problem(30_001, "count", seed=2)
    k, d = probs.shape
    results = []
    for threads in sorted({1, 2, max_threads()}):
        N, SX, SN = np.empty(k), np.empty((k, d)), np.empty((k, d))
        total = _call(ker, True, threads, "em_step", X, nt, w, log_w, logp, log1mp, N, SX,
                      SN, 64)
        results.append((total, N, SX, SN))
    for other in results[1:]:
        assert other[0] == results[0][0]
        for a, b in zip(other[1:], results[0][1:]):
            np.testing.assert_array_equal(a, b)
