import numpy as np

from fastem import KMeans

from .common import FAST, N_SAMPLES, _Estimator, adjusted_rand, blobs


class KMeansBenchmark(_Estimator):
    """Ten Lloyd iterations from fixed centres (tol=0)."""

    param_names = ["n_features", "n_clusters", "dtype", "backend"]
    params = (([2, 8], [3, 16], ["float64"], ["numba"]) if FAST else
              ([2, 8, 64], [3, 16, 64], ["float64", "float32"], ["numba"]))

    def make_data(self, params):
        d, k, dtype, _ = params
        n = N_SAMPLES if d < 64 else max(N_SAMPLES // 5, 2000)
        X, labels, start = blobs(n, d, k, dtype)
        return X, {}, (labels, start)

    def make_estimator(self, params):
        d, k, dtype, backend = params
        return KMeans(k, init=self.make_data(params)[2][1], max_iter=10, tol=0,
                      backend=backend)

    def track_inertia_per_sample(self, *params):
        return self._fit().inertia_ / self.X.shape[0]

    def track_adjusted_rand(self, *params):
        return adjusted_rand(self._fit().labels_, self.truth[0])

    def time_predict(self, *params):
        self.estimator.predict(self.X)


class KMeansManyClustersBenchmark(_Estimator):
    """Whole fits to convergence (tol=1e-4, at most 100 iterations) with many
    clusters, from one start, for each search method (issue 13's shapes, n scaled by
    the profile)."""

    param_names = ["n_features", "n_clusters", "algorithm"]
    params = (([2, 16], [256], ["lloyd", "auto", "yinyang"]) if FAST else
              ([2, 16, 128], [256, 1000], ["lloyd", "auto", "hamerly", "yinyang"]))

    def make_data(self, params):
        d, k, _ = params
        n = max(N_SAMPLES // 4, 10 * k) if d < 128 else max(N_SAMPLES // 20, 10 * k)
        X, labels, start = blobs(n, d, max(k // 4, 4))
        init = X[np.random.default_rng(1).choice(n, k, replace=False)].astype(np.float64)
        return X, {}, (labels, init)

    def make_estimator(self, params):
        d, k, algorithm = params
        return KMeans(k, init=self.make_data(params)[2][1], max_iter=100,
                      algorithm=algorithm)

    def track_n_iter(self, *params):
        return self._fit().n_iter_
