import numpy as np

from fastem import BinomialMixture

from .common import FAST, N_SAMPLES, _Estimator, coin_counts


class BinomialMixtureBenchmark(_Estimator):
    """Fifty EM iterations from fixed probabilities; "distinct" fits on the distinct
    counts (the default), "all rows" with per-row trials, which prevents it."""

    param_names = ["rows", "n_components"]
    params = (["distinct", "all rows"], [2] if FAST else [2, 4])

    def make_data(self, params):
        rows, k = params
        X, labels = coin_counts(N_SAMPLES, 10, k)
        if rows == "all rows":  # per-row trials with many values: no compression
            trials = 10 + np.arange(N_SAMPLES) % 1000
            return X, {"n_trials": trials}, labels
        return X, {"n_trials": 10}, labels

    def make_estimator(self, params):
        _, k = params
        return BinomialMixture(k, probs_init=np.linspace(0.3, 0.6, k), max_iter=50, tol=0)

    def track_mean_log_likelihood(self, *params):
        return self._fit().lower_bound_
