import numpy as np

from fastem import GaussianMixture

from .common import FAST, N_SAMPLES, _Estimator, blobs


class GaussianMixtureBenchmark(_Estimator):
    """Ten EM iterations from fixed parameters (tol=0)."""

    param_names = ["covariance_type", "n_features", "n_components"]
    params = ((["full", "diag"], [1, 8], [3]) if FAST else
              (["full", "tied", "diag", "spherical"], [1, 2, 8], [3, 16]))

    def make_data(self, params):
        _, d, k = params
        X, labels, start = blobs(N_SAMPLES, d, k)
        return X, {}, (labels, start)

    def make_estimator(self, params):
        cov, d, k = params
        start = self.make_data(params)[2][1]
        prec = {"full": np.repeat(np.eye(d)[None], k, axis=0), "tied": np.eye(d),
                "diag": np.ones((k, d)), "spherical": np.ones(k)}[cov]
        return GaussianMixture(k, covariance_type=cov, weights_init=np.full(k, 1 / k),
                               means_init=start, precisions_init=prec, max_iter=10, tol=0)

    def track_mean_log_likelihood(self, *params):
        return self._fit().lower_bound_

    def time_predict_proba(self, *params):
        self.estimator.predict_proba(self.X)


class GaussianMixtureMissingBenchmark(_Estimator):
    """Ten EM iterations with missing="em" on blobs with a fraction of the entries set
    to NaN completely at random, from fixed parameters (tol=0); compare with
    GaussianMixtureBenchmark at the same shape."""

    param_names = ["covariance_type", "n_features", "missing_fraction"]
    params = ((["full"], [8], [0.1]) if FAST else
              (["full", "diag"], [4, 8, 16], [0.05, 0.1, 0.3]))

    def make_data(self, params):
        _, d, frac = params
        X, labels, start = blobs(N_SAMPLES, d, 5)
        X = X.copy()
        X[np.random.default_rng(1).random(X.shape) < frac] = np.nan
        return X, {}, (labels, start)

    def make_estimator(self, params):
        cov, d, _ = params
        start = self.make_data(params)[2][1]
        prec = np.repeat(np.eye(d)[None], 5, axis=0) if cov == "full" else np.ones((5, d))
        return GaussianMixture(5, covariance_type=cov, weights_init=np.full(5, 0.2),
                               means_init=start, precisions_init=prec, max_iter=10, tol=0,
                               missing="em")

    def track_mean_log_likelihood(self, *params):
        return self._fit().lower_bound_
