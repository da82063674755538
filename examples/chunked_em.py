"""Exact EM by hand over chunks: what another engine (Spark, Ray, multiprocessing)
would do with fastem's sufficient statistics.

The data here are chunks of one array; in practice each chunk is read from disk or
lives on a worker, and ``gm.statistics(chunk)`` runs there: only the statistics (a few
small arrays, picklable) travel to the driver, which adds them and takes the M-step.
Run: ``python examples/chunked_em.py``.
"""

import numpy as np

from fastem import GaussianMixture


def chunks_of_data(seed=0, n_chunks=20, rows=50_000):
    """Stand-in for a data source too large to load at once: yields chunks."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]])
    for _ in range(n_chunks):
        labels = rng.integers(0, 3, rows)
        yield centers[labels] + rng.normal(size=(rows, 2))


def main():
    data = list(chunks_of_data())  # a list here; a generator re-read per pass in practice
    # 1. initial parameters from a sample (here: the first chunk)
    gm = GaussianMixture(3, covariance_type="full", random_state=0).initialize(data[0])
    previous = -np.inf
    for iteration in range(1, 101):
        # 2. E-step: statistics of every chunk under the current parameters, added up
        stats = sum(gm.statistics(chunk) for chunk in data)
        # 3. M-step from the summed statistics; the mean log-likelihood for convergence
        gm.m_step(stats)
        mean_loglik = stats.objective / stats.weight
        if abs(mean_loglik - previous) < 1e-6:
            break
        previous = mean_loglik
    print(f"{iteration} iterations, mean log-likelihood {mean_loglik:.6f}")
    print("weights", np.round(gm.weights_, 3))
    print("means", np.round(gm.means_, 2).tolist())

    # the same EM in memory, from the same initial parameters, for comparison
    start = GaussianMixture(3, random_state=0).initialize(data[0])
    ref = GaussianMixture(3, weights_init=start.weights_, means_init=start.means_,
                          precisions_init=start.precisions_, tol=1e-6,
                          max_iter=100).fit(np.vstack(data))
    print("largest difference from the in-memory fit:",
          f"{np.abs(gm.means_ - ref.means_).max():.2e}")
    return gm, ref


if __name__ == "__main__":
    main()
