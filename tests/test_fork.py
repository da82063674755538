"""Fork and thread safety of the parallel passes (``fastem._parallel``: a kernel's
blocks function on fastem's worker threads).

After a parallel pass ran, a ``multiprocessing`` pool with the fork start method must
work (a forked child has none of the parent's worker threads: it starts its own), no
kernel may start numba's threading layer, and fits from many Python threads at once
must equal the serial fit bit for bit. Fork tests run in a subprocess, so that a hang
cannot affect the session.
"""

import concurrent.futures
import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from conftest import requires_numba

import fastem

pytestmark = requires_numba

LINUX = sys.platform.startswith("linux")


# Shared by the subprocess scripts: data, fits compared bit for bit, and a fork pool
# whose map has its own timeout (a child that hangs would hang Pool.map).
_PRELUDE = """
import json, multiprocessing, warnings
import numpy as np
import fastem
from fastem import _parallel

warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
X = rng.normal(size=(25_000, 10)) + rng.integers(0, 3, size=(25_000, 1)) * 4.0

def fit(seed):
    km = fastem.KMeans(8, random_state=seed, max_iter=4, backend="numba").fit(X)
    gm = fastem.GaussianMixture(3, covariance_type="diag", random_state=seed,
                                max_iter=4, backend="numba").fit(X[:5000])
    return (km.cluster_centers_, km.labels_, gm.means_, gm.covariances_,
            gm.predict(X[:5000]))

def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))

def child(args):
    seed, mode = args
    fastem.set_config(parallel=mode)
    return _parallel.max_threads(), fit(seed)

def fork_map(mode, seeds):
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return pool.map_async(child, [(s, mode) for s in seeds]).get(timeout=30)
"""


def _run(body, **env):
    """Run ``_PRELUDE + body`` in a fresh interpreter; return its last stdout line as
    JSON. ``env`` values of None remove the variable."""
    full = dict(os.environ)
    full.pop("NUMBA_THREADING_LAYER", None)
    full.pop("NUMBA_THREADING_LAYER_PRIORITY", None)
    for key, value in env.items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    proc = subprocess.run([sys.executable, "-c", _PRELUDE + body], capture_output=True,
                          text=True, env=full, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


_FORK_AFTER_PARALLEL = """
with fastem.config_context(parallel="serial"):
    serial = [fit(seed) for seed in (1, 2)]
fastem.set_config(parallel="parallel")
parent = fit(1)                      # parallel passes run here, worker threads start
import numba
try:
    layer = numba.threading_layer()  # raises while numba's layer was never started
except ValueError:
    layer = None
workers = _parallel._pool is not None
results = fork_map(MODE, (1, 2))     # children fit again, after the fork
print(json.dumps({
    "layer": layer,
    "workers": workers,
    "parent_equal": same(parent, serial[0]),
    "children_equal": [same(r, s) for (_, r), s in zip(results, serial)],
    "children_max_threads": [n for n, _ in results],
}))
"""


@pytest.mark.skipif(not LINUX, reason="the fork start method is tested on Linux")
@pytest.mark.parametrize("mode", ["auto", "parallel"])
def test_fork_pool_after_parallel_pass(mode):
    # children on parallel="auto" (enough work, 25000 x 8 x 10, for parallel passes)
    # or forced onto them, on all threads
    out = _run(_FORK_AFTER_PARALLEL.replace("MODE", repr(mode)))
    assert out["workers"]  # a parallel pass did run in the parent, on worker threads
    assert out["layer"] is None  # ... and numba's threading layer never started
    assert out["parent_equal"]
    assert out["children_equal"] == [True, True]
    assert min(out["children_max_threads"]) == max(out["children_max_threads"]) >= 1


def _blobs(n=6000, d=3, k=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 5.0, size=(k, d))
    labels = rng.integers(0, k, n)
    return centers[labels] + rng.normal(size=(n, d))


def _fits(X):
    km = fastem.KMeans(4, random_state=0, max_iter=20, backend="numba").fit(X)
    gm = fastem.GaussianMixture(4, random_state=0, max_iter=20, backend="numba").fit(X)
    return (km.cluster_centers_, km.labels_, km.inertia_, gm.means_, gm.covariances_,
            gm.weights_, gm.predict(X))


def test_fits_from_eight_threads_equal_the_serial_fit():
    X = _blobs()
    with fastem.config_context(parallel="serial"):
        expected = _fits(X)
    fastem.set_config(parallel="parallel")  # process-wide: seen by the pool's threads
    alone = _fits(X)
    barrier = threading.Barrier(8, timeout=60)

    def task(i):
        with fastem.config_context(n_threads=1 + i % 2):  # per-thread thread counts
            barrier.wait()
            return _fits(X)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(task, range(8), timeout=120))
    for got in [alone] + results:
        for a, b in zip(got, expected):
            assert np.array_equal(a, b)
