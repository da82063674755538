"""The kernels' vector exp and log against libm (math / NumPy) on millions of points,
at the edges of their ranges, and independent of where the arguments sit in memory."""

import math

import numpy as np
import pytest

from conftest import requires_numba

pytestmark = requires_numba


@pytest.fixture(scope="module")
def vm():
    from fastem._jit import jit
    from fastem._kernels import _vmath

    @jit
    def exp_all(x, out):
        for i in range(x.shape[0]):
            out[i] = _vmath.exp64(x[i])

    @jit
    def log_all(x, out):
        for i in range(x.shape[0]):
            out[i] = _vmath.log64(x[i])

    @jit
    def vexp_all(x, out):
        for i in range(x.shape[0]):
            out[i] = _vmath.vexp(x[i])

    def run(fn, x, dtype=np.float64):
        x = np.ascontiguousarray(x, dtype=dtype)
        out = np.empty_like(x)
        fn(x, out)
        return out

    return {"exp": lambda x: run(exp_all, x), "log": lambda x: run(log_all, x),
            "exp32": lambda x: run(vexp_all, x, np.float32),
            "vexp64": lambda x: run(vexp_all, x), "module": _vmath}


def _ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


def test_exp_within_one_ulp_over_its_range(vm):
    lo, hi = vm["module"].EXP64_MIN, vm["module"].EXP64_MAX
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(lo, hi, 2_000_000),
                        rng.uniform(-40.0, 0.0, 2_000_000),   # where E-steps live
                        rng.uniform(-1e-3, 1e-3, 500_000),
                        np.linspace(lo, hi, 500_001)])
    got = vm["exp"](x)
    assert _ulps(got, np.exp(x)).max() <= 1.0
    # math.exp, the reference the contract names, on a subset
    sub = x[::50]
    want = np.array([math.exp(v) for v in sub])
    assert _ulps(got[::50], want).max() <= 1.0


def test_exp_edges(vm):
    mod = vm["module"]
    x = np.array([0.0, -0.0, 1.0, -1.0, -np.inf, np.inf, np.nan, mod.EXP64_MIN,
                  np.nextafter(mod.EXP64_MIN, -np.inf), -745.2, -1e308, mod.EXP64_MAX,
                  np.nextafter(mod.EXP64_MAX, np.inf), 1e308, 5e-324, -5e-324])
    got = vm["exp"](x)
    assert got[0] == 1.0 and got[1] == 1.0
    assert got[2] == math.exp(1.0) and got[3] == math.exp(-1.0)
    assert got[4] == 0.0 and got[5] == np.inf and np.isnan(got[6])
    # the smallest normal result, then exact 0 below float64's normal range
    assert got[7] == pytest.approx(2.2250738585072014e-308, rel=2.3e-16)
    assert got[8] == 0.0 and got[9] == 0.0 and got[10] == 0.0
    # the largest finite result, then infinity
    assert np.isfinite(got[11]) and got[11] == pytest.approx(math.exp(mod.EXP64_MAX),
                                                             rel=2.3e-16)
    assert got[12] == np.inf and got[13] == np.inf
    assert got[14] == 1.0 and got[15] == 1.0


def test_exp_does_not_depend_on_memory_alignment(vm):
    rng = np.random.default_rng(1)
    x = rng.uniform(-50.0, 5.0, 4099)
    ref = vm["exp"](x)
    for offset in (1, 2, 3, 5):
        buf = np.empty(x.size + offset)
        shifted = buf[offset:]
        shifted[:] = x
        np.testing.assert_array_equal(vm["exp"](shifted), ref)


def test_exp32_within_one_ulp_over_its_range(vm):
    # float32 arguments, float32 arithmetic: against e**x in float64, measured in
    # float32 ulps of the rounded result
    mod = vm["module"]
    lo, hi = float(mod.EXP32_MIN), float(mod.EXP32_MAX)
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(lo, hi, 2_000_000), rng.uniform(-30.0, 0.0, 2_000_000),
                        rng.uniform(-1e-3, 1e-3, 500_000),
                        np.linspace(lo, hi, 500_001)]).astype(np.float32)
    got = vm["exp32"](x)
    assert got.dtype == np.float32
    exact = np.exp(x.astype(np.float64))
    ulp = np.spacing(exact.astype(np.float32)).astype(np.float64)
    assert (np.abs(got - exact) / ulp).max() <= 1.0
    sub = x[::97]
    want = np.array([math.exp(float(v)) for v in sub])
    assert (np.abs(got[::97] - want) / ulp[::97]).max() <= 1.0


def test_exp32_edges_and_vexp_dispatch(vm):
    mod = vm["module"]
    x = np.array([0.0, -0.0, 1.0, -np.inf, np.inf, np.nan, mod.EXP32_MIN,
                  np.nextafter(mod.EXP32_MIN, np.float32(-np.inf)), -104.0, -1e30,
                  mod.EXP32_MAX, np.nextafter(mod.EXP32_MAX, np.float32(np.inf)), 1e30],
                 dtype=np.float32)
    got = vm["exp32"](x)
    assert got[0] == 1.0 and got[1] == 1.0
    assert got[2] == np.float32(math.exp(1.0))
    assert got[3] == 0.0 and got[4] == np.inf and np.isnan(got[5])
    # the smallest normal float32 result, then exact 0 below
    assert got[6] == pytest.approx(1.1754944e-38, rel=1.2e-7) and got[6] >= 1.1754944e-38
    assert got[7] == 0.0 and got[8] == 0.0 and got[9] == 0.0
    assert np.isfinite(got[10]) and got[10] == pytest.approx(math.exp(float(mod.EXP32_MAX)),
                                                             rel=1.2e-7)
    assert got[11] == np.inf and got[12] == np.inf
    # vexp on float64 is exp64, bit for bit
    x64 = np.random.default_rng(4).uniform(-700.0, 700.0, 10_000)
    np.testing.assert_array_equal(vm["vexp64"](x64), vm["exp"](x64))


def test_exp32_does_not_depend_on_memory_alignment(vm):
    x = np.random.default_rng(5).uniform(-50.0, 5.0, 4099).astype(np.float32)
    ref = vm["exp32"](x)
    for offset in (1, 2, 3, 5):
        buf = np.empty(x.size + offset, dtype=np.float32)
        shifted = buf[offset:]
        shifted[:] = x
        np.testing.assert_array_equal(vm["exp32"](shifted), ref)


def test_log_within_two_ulps_over_the_normal_range(vm):
    rng = np.random.default_rng(2)
    x = np.concatenate([np.exp(rng.uniform(-708.0, 709.0, 2_000_000)),
                        rng.uniform(1.0, 64.0, 1_000_000),      # sums of exps >= 1
                        rng.uniform(0.5, 2.0, 1_000_000),
                        np.nextafter(1.0, [0.0, 2.0])])
    got = vm["log"](x)
    assert _ulps(got, np.log(x)).max() <= 2.0
    sub = x[::40]
    want = np.array([math.log(v) for v in sub])
    # log(1 + tiny) is tiny: measured against its own spacing
    assert _ulps(got[::40], want).max() <= 2.0


def test_log_edges(vm):
    x = np.array([1.0, 2.0, 0.5, 0.0, np.inf, -1.0, -np.inf, np.nan, 2.2250738585072014e-308,
                  1.7976931348623157e308])
    got = vm["log"](x)
    assert got[0] == 0.0
    assert got[1] == math.log(2.0) and got[2] == math.log(0.5)
    assert got[3] == -np.inf and got[4] == np.inf
    assert np.isnan(got[5]) and np.isnan(got[6]) and np.isnan(got[7])
    assert got[8] == pytest.approx(math.log(2.2250738585072014e-308), rel=4.5e-16)
    assert got[9] == pytest.approx(math.log(1.7976931348623157e308), rel=4.5e-16)


def test_tile_sums_do_not_depend_on_alignment_or_threads():
    # the Gaussian kernel's sums over rows (pairwise folds, lane accumulators) give
    # bitwise the same statistics for 1 and 2 threads and for misaligned copies of X
    from fastem._parallel import thread_limit
    from fastem._kernels import gaussian_mixture as gk

    rng = np.random.default_rng(3)
    X = rng.normal(size=(5003, 5))
    w = rng.uniform(0.5, 2.0, 5003)
    means = rng.normal(size=(4, 5))
    prec = rng.uniform(0.5, 2.0, size=(4, 5))
    log_const = rng.normal(size=4)
    results = []
    for threads in (1, 2):
        for offset in (0, 1, 3):
            buf = np.empty(X.size + offset)
            Xo = buf[offset:].reshape(X.shape)
            Xo[:] = X
            N, S1, S2 = np.empty(4), np.empty((4, 5)), np.empty((4, 5))
            with thread_limit(threads):
                ll = gk.em_step_diag(Xo, w, means, prec, log_const, N, S1, S2, 64, True)
            results.append((ll, N.tobytes(), S1.tobytes(), S2.tobytes()))
    assert all(r == results[0] for r in results[1:])
