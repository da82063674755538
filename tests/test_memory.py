"""A fit never holds an n_samples x n_components matrix: its peak extra memory
(NumPy allocations, traced by tracemalloc; the kernels' partial sums are bounded by
design: at most 64 blocks x k x d, or STATS_BUDGET values) stays far below one such
matrix and does not grow with the number of components."""

import tracemalloc
import warnings

import numpy as np
import pytest

from fastem import BinomialMixture, GaussianMixture, KMeans

N = 200_000


def _peak_bytes(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit()  # compile or load kernels first (and touch the data once)
        tracemalloc.start()
        try:
            fit()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def _models(k, X, counts):
    return {
        "kmeans": lambda: KMeans(k, random_state=0, max_iter=5).fit(X),
        "gmm-full": lambda: GaussianMixture(k, random_state=0, max_iter=5).fit(X),
        "gmm-diag-random": lambda: GaussianMixture(k, covariance_type="diag",
                                                   init_params="random", random_state=0,
                                                   max_iter=5).fit(X),
        "binomial-all-rows": lambda: BinomialMixture(k, random_state=0, max_iter=5).fit(
            counts, n_trials=10 + np.arange(N) % 997),
    }


@pytest.mark.parametrize("model", ["kmeans", "gmm-full", "gmm-diag-random",
                                   "binomial-all-rows"])
def test_peak_memory_of_a_fit_is_independent_of_n_times_k(model):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 2))
    counts = rng.binomial(10, 0.4, size=N)
    peaks = {k: _peak_bytes(_models(k, X, counts)[model]) for k in (8, 32)}
    one_matrix = N * 32 * 8
    assert peaks[32] < 0.3 * one_matrix, peaks
    # four times the components: the peak does not follow (the data dominates)
    assert peaks[32] < 1.2 * peaks[8] + 2_000_000, peaks


def test_kmeans_on_a_memory_mapped_array_of_4m_rows(tmp_path):
    # 4 million rows x 4 features (128 MB on disk), 32 clusters: one n x k float64
    # matrix would be 1 GB. The fit reads the memmap in place (no copy of X) and adds
    # per-row vectors only: weights, labels, and k-means++'s distances and sampling
    # buffer (5 x 4M numbers, about 130 MB at the k-means++ stage).
    n, d = 4_000_000, 4
    path = tmp_path / "X.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n, d))
    rng = np.random.default_rng(0)
    step = 500_000
    for start in range(0, n, step):
        X[start:start + step] = (rng.normal(size=(step, d))
                                 + 3.0 * rng.integers(0, 8, size=(step, 1)))
    X.flush()
    del X
    X = np.load(path, mmap_mode="r")

    def fit():
        return KMeans(32, random_state=0, max_iter=3).fit(X)

    peak = _peak_bytes(fit)
    # a copy of X would add its 122 MiB to the ~124 MiB of per-row vectors
    assert peak < 150 * 2**20, peak / 2**20
