"""The ``fastem`` command line, through a subprocess."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastem
from fastem._bench import scipy_binomial_em


def _fastem(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "fastem", *args], capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ))


def test_no_command_prints_help():
    res = _fastem()
    assert res.returncode == 2
    assert "bench" in res.stdout


def test_bench_quick_runs_a_case():
    res = _fastem("bench", "--quick", "--only", "gmm-1d-3000", "binomial-1e6-n10-k2-distinct")
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith(("gmm-1d-3000",
                                                                    "binomial-1e6"))]
    assert len(lines) == 2
    for line in lines:
        ratio = float(line.split()[4].rstrip("x"))
        assert ratio > 0
    assert "machine:" in res.stdout and "threads" in res.stdout


def test_scipy_baseline_is_the_same_em():
    # the bench compares like with like: the SciPy EM reaches fastem's parameters
    rng = np.random.default_rng(0)
    x = rng.binomial(10, np.where(rng.integers(2, size=2000) == 0, 0.6, 0.2))
    probs, weights = scipy_binomial_em(x.astype(float), 10.0, np.array([0.4, 0.5]),
                                       np.array([0.5, 0.5]), 25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastem.ConvergenceWarning)
        bm = fastem.BinomialMixture(2, n_trials=10, probs_init=[0.4, 0.5], max_iter=25,
                                    tol=0).fit(x)
    np.testing.assert_allclose(bm.probs_, probs, rtol=1e-9)
    np.testing.assert_allclose(bm.weights_, weights, rtol=1e-9)
