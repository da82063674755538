"""GaussianMixture(missing="em"): exact EM over the observed entries of X with NaN.

Oracles: a naive per-row implementation by direct linear algebra (tests/naive.py), the
NumPy twin of the kernel, the complete-data fit (no NaN), the fit of the rows without
their empty ones, a direct numerical maximisation of the observed-data likelihood
(SciPy) for one component, and complete-case analysis and mean imputation on many
random data sets with values missing completely at random.
"""

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import multivariate_normal

import naive
from conftest import BACKENDS, quiet, requires_numba

from fastem import GaussianMixture
from fastem._missing import missing_layout
from fastem._reference import gaussian_mixture as ref_kernels
from fastem.gaussian_mixture import COVARIANCE_TYPES as ALL_TYPES, full_covariances


def _data(n=600, d=4, k=3, frac=0.2, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 4.0, size=(k, d))
    A = rng.normal(size=(k, d, d)) * 0.5
    labels = rng.integers(0, k, n)
    X = centers[labels] + np.einsum("ij,ijk->ik", rng.normal(size=(n, d)), A[labels]) \
        + rng.normal(size=(n, d)) * 0.5
    Xm = X.copy()
    Xm[rng.random(X.shape) < frac] = np.nan
    return X, Xm


def _params(k, d, seed):
    rng = np.random.default_rng(seed)
    means = rng.normal(size=(k, d))
    A = rng.normal(size=(k, d, d))
    cov = A @ A.transpose(0, 2, 1) + np.eye(d)
    weights = rng.dirichlet(np.ones(k))
    return weights, means, cov


def _run(module, X, w, weights, means, cov, chunk, parallel=False):
    n, d = X.shape
    k = means.shape[0]
    layout = missing_layout(np.isnan(X), chunk, k, d)
    N, S1, S2 = np.zeros(k), np.zeros((k, d)), np.zeros((k, d, d))
    total = module.em_step_missing(X, w, means, cov, np.log(weights), *layout.arrays(), N,
                                   S1, S2, parallel)
    lpn, labels = np.zeros(n), np.zeros(n, dtype=np.int64)
    resp, imputed = np.zeros((n, k)), np.zeros((n, d))
    module.e_step_missing(X, means, cov, np.log(weights), *layout.arrays(), lpn, labels,
                          resp, imputed, parallel)
    return total, N, S1, S2, lpn, labels, resp, imputed


# ------------------------------------------------------------------ kernels

@pytest.mark.parametrize("n,d,k", [(40, 3, 2), (257, 4, 3), (900, 1, 2), (700, 6, 1)])
def test_reference_kernel_equals_naive_rows(n, d, k):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, d)) * 2.0
    X[rng.random(X.shape) < 0.3] = np.nan
    X[3] = np.nan  # a row with nothing observed: density 1
    w = rng.uniform(0.0, 2.0, n)
    weights, means, cov = _params(k, d, n)
    total, N, S1, S2, lpn, labels, resp, imputed = _run(ref_kernels, X, w, weights, means,
                                                        cov, chunk=64)
    e_lpn, e_resp, e_N, e_S1, e_S2, e_total, e_imp = naive.gmm_missing_step(
        X, w, weights, means, cov)
    for got, want in [(total, e_total), (N, e_N), (S1, e_S1), (S2, e_S2), (lpn, e_lpn),
                      (resp, e_resp), (imputed, e_imp)]:
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)
    np.testing.assert_array_equal(labels, e_resp.argmax(axis=1))


@requires_numba
@pytest.mark.parametrize("n", [1, 31, 32, 33, 255, 256, 257, 3000])
@pytest.mark.parametrize("parallel", [False, True])
# d = 16 with few holes takes the factors from the precision's missing block, the
# others from the covariance's observed block (the cheaper, per pattern)
@pytest.mark.parametrize("d,frac", [(5, 0.25), (16, 0.06), (16, 0.5)])
def test_numba_kernel_equals_reference(n, parallel, dtype, d, frac):
    from fastem._kernels import gaussian_mixture as nb_kernels

    rng = np.random.default_rng(n + 7)
    k = 3
    X = (rng.normal(size=(n, d)) * 3.0 + 10.0).astype(dtype)
    X[rng.random(X.shape) < frac] = np.nan
    w = rng.uniform(0.0, 2.0, n)
    weights, means, cov = _params(k, d, n)
    means += 10.0
    for chunk in (32, 256):
        got = _run(nb_kernels, X, w, weights, means, cov, chunk, parallel)
        want = _run(ref_kernels, X, w, weights, means, cov, chunk)
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("n", [1, 31, 32, 33, 256, 257, 3000])
@pytest.mark.parametrize("d", [1, 6])
def test_diagonal_kernel_equals_the_general_one(backend, n, d, dtype):
    # the masked diagonal pass (rows in order) against the pattern kernel of the
    # NumPy twin, given the same covariances as diagonal matrices
    module = __import__(f"fastem.{'_kernels' if backend == 'numba' else '_reference'}"
                        ".gaussian_mixture", fromlist=["x"])
    rng = np.random.default_rng(n + d)
    k = 3
    X = (rng.normal(size=(n, d)) * 2.0 + 5.0).astype(dtype)
    X[rng.random(X.shape) < 0.3] = np.nan
    w = rng.uniform(0.0, 2.0, n) * ~np.isnan(X).all(axis=1)
    weights = rng.dirichlet(np.ones(k))
    means = rng.normal(size=(k, d)) + 5.0
    prec = rng.uniform(0.5, 2.0, size=(k, d))
    log_const = np.log(weights) + np.log(prec).sum(axis=1) - 0.5 * d * np.log(2 * np.pi)
    N, S1, S2 = np.zeros(k), np.zeros((k, d)), np.zeros((k, d))
    # the numba pass keeps float32 tiles in float32, as the complete-data kernels
    tol = 1e-9 if dtype == np.float64 or backend == "python" else 1e-5
    for parallel in (False, True):
        total = module.em_step_diag_missing(X, w, means, prec, log_const, N, S1, S2, 32,
                                            parallel)
        cov = (1.0 / prec ** 2)[:, :, None] * np.eye(d)
        want = _run(ref_kernels, X, w, weights, means, cov, 64)
        np.testing.assert_allclose(total, want[0], rtol=tol, atol=tol)
        np.testing.assert_allclose(N, want[1], rtol=tol, atol=tol)
        np.testing.assert_allclose(S1, want[2], rtol=tol, atol=tol)
        np.testing.assert_allclose(S2, np.diagonal(want[3], axis1=1, axis2=2), rtol=tol,
                                   atol=tol)


@requires_numba
def test_numba_kernel_does_not_depend_on_threads():
    import numba

    from fastem._kernels import gaussian_mixture as nb_kernels

    X, Xm = _data(n=20_000, d=4)
    weights, means, cov = _params(3, 4, 1)
    w = np.ones(X.shape[0])
    outs = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        try:
            outs.append(_run(nb_kernels, Xm, w, weights, means, cov, 256, True)[:4])
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ the fit

@pytest.mark.parametrize("covariance_type", ALL_TYPES)
def test_without_nan_the_fit_is_the_complete_data_fit(backend, covariance_type):
    X, _ = _data()
    kw = dict(covariance_type=covariance_type, random_state=0, backend=backend)
    a = GaussianMixture(3, **kw).fit(X)
    b = GaussianMixture(3, missing="em", **kw).fit(X)
    for name in ("weights_", "means_", "covariances_", "lower_bounds_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("covariance_type", ALL_TYPES)
def test_log_likelihood_never_decreases(backend, covariance_type):
    _, Xm = _data(frac=0.3, seed=3)
    gm = GaussianMixture(3, covariance_type=covariance_type, missing="em", tol=1e-10,
                         max_iter=60, init_params="random", random_state=1, backend=backend)
    with quiet():
        gm.fit(Xm)
    objective = gm.history_["objective"]
    assert np.all(np.diff(objective) >= -1e-10 * np.abs(objective[1:]))
    assert np.isfinite(gm.means_).all() and np.isfinite(gm.covariances_).all()
    # lower_bound_: the mean observed-data log-likelihood before the last M-step,
    # and score() at the fitted parameters matches the final value of the history
    assert np.isclose(gm.score(Xm), objective[-1], rtol=1e-10)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "tied_spherical"])
def test_fit_steps_equal_the_naive_em_step(covariance_type):
    _, Xm = _data(n=300, frac=0.25, seed=5)
    Xm = Xm[~np.isnan(Xm).all(axis=1)]  # (the fit leaves those out; tested below)
    w = np.random.default_rng(0).uniform(0.5, 1.5, Xm.shape[0])
    gm = GaussianMixture(3, covariance_type=covariance_type, missing="em", max_iter=1,
                         tol=0, random_state=0, backend="python")
    gm.initialize(Xm, sample_weight=w)
    cov = full_covariances(gm.covariances_, covariance_type, 3, 4)
    cov = np.broadcast_to(cov, (3, 4, 4))
    _, _, N, S1, S2, total, _ = naive.gmm_missing_step(Xm, w, gm.weights_, gm.means_, cov)
    stats = gm.statistics(Xm, sample_weight=w)
    np.testing.assert_allclose(stats.N, N, rtol=1e-10)
    np.testing.assert_allclose(stats.S1, S1, rtol=1e-9, atol=1e-9)
    want_S2 = S2 if covariance_type == "full" else np.diagonal(S2, axis1=1, axis2=2)
    np.testing.assert_allclose(stats.S2, want_S2, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(stats.objective, total, rtol=1e-10)


def test_both_backends_agree():
    if "numba" not in BACKENDS:
        pytest.skip("numba not available")
    _, Xm = _data(n=3000, frac=0.2, seed=2)
    fits = [GaussianMixture(3, missing="em", random_state=0, tol=1e-8, backend=b).fit(Xm)
            for b in ("python", "numba")]
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(fits[0], name), getattr(fits[1], name),
                                   rtol=1e-7, atol=1e-9)
    assert fits[0].n_iter_ == fits[1].n_iter_


def test_float32_data(backend):
    _, Xm = _data(n=2000, frac=0.2, seed=4)
    a = GaussianMixture(3, missing="em", random_state=0, backend=backend).fit(Xm)
    b = GaussianMixture(3, missing="em", random_state=0, backend=backend).fit(
        Xm.astype(np.float32))
    np.testing.assert_allclose(a.means_, b.means_, rtol=1e-4, atol=1e-4)


def _mvn_loglik_observed(X, mean, cov):
    total = 0.0
    for x in X:
        O = ~np.isnan(x)
        if O.any():
            total += multivariate_normal(mean[O], cov[np.ix_(O, O)]).logpdf(x[O])
    return total


def test_one_component_is_the_maximum_likelihood_estimate():
    # the MLE of a multivariate normal with values missing at random, found by a
    # direct numerical maximisation of the observed-data likelihood
    rng = np.random.default_rng(11)
    d = 3
    cov_true = np.array([[2.0, 0.8, -0.5], [0.8, 1.0, 0.3], [-0.5, 0.3, 1.5]])
    X = rng.multivariate_normal([1.0, -2.0, 0.5], cov_true, size=80)
    X[rng.random(X.shape) < 0.25] = np.nan
    X[np.isnan(X).all(axis=1), 0] = 0.0
    tril = np.tril_indices(d)

    def unpack(theta):
        L = np.zeros((d, d))
        L[tril] = theta[d:]
        L[np.diag_indices(d)] = np.exp(L[np.diag_indices(d)])
        return theta[:d], L @ L.T

    def nll(theta):
        mean, cov = unpack(theta)
        return -_mvn_loglik_observed(X, mean, cov)

    L0 = np.linalg.cholesky(np.diag(np.nanvar(X, axis=0)))
    L0[np.diag_indices(d)] = np.log(np.diag(L0))
    res = minimize(nll, np.concatenate([np.nanmean(X, axis=0), L0[tril]]), method="BFGS",
                   options={"gtol": 1e-9, "maxiter": 5000})
    mean_opt, cov_opt = unpack(res.x)
    for backend in BACKENDS:
        gm = GaussianMixture(1, missing="em", tol=1e-13, max_iter=5000, reg_covar=0.0,
                             backend=backend).fit(X)
        np.testing.assert_allclose(gm.means_[0], mean_opt, atol=2e-5)
        np.testing.assert_allclose(gm.covariances_[0], cov_opt, atol=2e-5)
        assert -gm.score(X) * X.shape[0] <= res.fun + 1e-8


def _param_error(mean, cov, mean_true, cov_true):
    return float(np.sum((mean - mean_true) ** 2) + np.sum((cov - cov_true) ** 2))


def test_em_beats_complete_cases_and_mean_imputation_under_mcar():
    # 40 random data sets, one correlated Gaussian, 25% of entries missing completely
    # at random: EM's error in the mean and covariance is smaller on average than
    # complete-case analysis (fewer rows) and mean imputation (shrunk covariances)
    d, n = 4, 150
    errors = {"em": [], "complete cases": [], "mean imputation": []}
    for seed in range(40):
        rng = np.random.default_rng(seed)
        A = rng.normal(size=(d, d))
        cov_true = A @ A.T + 0.5 * np.eye(d)
        mean_true = rng.normal(size=d)
        X = rng.multivariate_normal(mean_true, cov_true, size=n)
        X[rng.random(X.shape) < 0.25] = np.nan
        em = GaussianMixture(1, missing="em", tol=1e-8, max_iter=1000).fit(X)
        complete = X[~np.isnan(X).any(axis=1)]
        cc = GaussianMixture(1).fit(complete)
        filled = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
        mi = GaussianMixture(1).fit(filled)
        for name, gm in (("em", em), ("complete cases", cc), ("mean imputation", mi)):
            errors[name].append(_param_error(gm.means_[0], gm.covariances_[0], mean_true,
                                             cov_true))
    em = np.array(errors["em"])
    for other in ("complete cases", "mean imputation"):
        theirs = np.array(errors[other])
        assert em.mean() < 0.8 * theirs.mean(), (other, em.mean(), theirs.mean())
        assert np.mean(em < theirs) >= 0.7, (other, np.mean(em < theirs))


def test_mixture_under_mcar_beats_complete_cases():
    # two components: EM on all rows estimates the means better than the fit of the
    # complete rows, over 20 data sets (components matched by their first mean)
    wins = []
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        means_true = np.array([[0.0, 0.0, 0.0], [3.0, 3.0, -2.0]])
        labels = rng.integers(0, 2, 400)
        X = means_true[labels] + rng.normal(size=(400, 3))
        X[rng.random(X.shape) < 0.3] = np.nan
        em = GaussianMixture(2, missing="em", random_state=0).fit(X)
        cc = GaussianMixture(2, random_state=0).fit(X[~np.isnan(X).any(axis=1)])
        err = [float(np.sum((np.sort(g.means_, axis=0) - np.sort(means_true, axis=0)) ** 2))
               for g in (em, cc)]
        wins.append(err[0] < err[1])
    assert np.mean(wins) >= 0.7


def test_rows_with_nothing_observed_carry_nothing(backend):
    _, Xm = _data(n=500, frac=0.2, seed=6)
    Xe = np.vstack([Xm, np.full((7, Xm.shape[1]), np.nan)])
    a = GaussianMixture(3, missing="em", random_state=0, backend=backend).fit(Xm)
    b = GaussianMixture(3, missing="em", random_state=0, backend=backend,
                        weights_init=a.weights_, means_init=a.means_,
                        precisions_init=a.precisions_).fit(Xe)
    c = GaussianMixture(3, missing="em", random_state=0, backend=backend,
                        weights_init=a.weights_, means_init=a.means_,
                        precisions_init=a.precisions_).fit(Xm)
    np.testing.assert_allclose(b.means_, c.means_, rtol=1e-12)
    np.testing.assert_allclose(b.lower_bound_, c.lower_bound_, rtol=1e-12)
    # prediction: density 1, the weights as responsibilities, the mixture's mean
    empty = np.full((2, Xm.shape[1]), np.nan)
    np.testing.assert_array_equal(a.score_samples(empty), 0.0)
    np.testing.assert_allclose(a.predict_proba(empty), np.tile(a.weights_, (2, 1)))
    np.testing.assert_allclose(a.impute(empty), np.tile(a.weights_ @ a.means_, (2, 1)))


def test_one_feature_nan_rows_are_dropped(backend):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-2, 1, 300), rng.normal(3, 0.5, 200)])
    xm = x.copy()
    xm[rng.random(x.size) < 0.2] = np.nan
    a = GaussianMixture(2, missing="em", random_state=0, backend=backend).fit(xm)
    b = GaussianMixture(2, random_state=0, backend=backend).fit(xm[~np.isnan(xm)])
    np.testing.assert_allclose(a.means_, b.means_, rtol=1e-10)
    np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-10)
    assert np.isclose(a.lower_bound_, b.lower_bound_, rtol=1e-12)


def test_integer_weights_equal_repeated_rows(backend):
    _, Xm = _data(n=200, frac=0.25, seed=8)
    reps = np.random.default_rng(1).integers(0, 4, Xm.shape[0])
    start = GaussianMixture(3, missing="em", random_state=0, max_iter=2)
    with quiet():
        start.fit(Xm)
    kw = dict(weights_init=start.weights_, means_init=start.means_,
              precisions_init=start.precisions_, missing="em", tol=1e-10, backend=backend)
    a = GaussianMixture(3, **kw).fit(Xm, sample_weight=reps)
    b = GaussianMixture(3, **kw).fit(np.repeat(Xm, reps, axis=0))
    np.testing.assert_allclose(a.means_, b.means_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_every_initialisation_works_with_holes(backend, init_params):
    X, Xm = _data(n=800, frac=0.3, seed=9)
    gm = GaussianMixture(3, missing="em", init_params=init_params, n_init=2,
                         random_state=0, backend=backend, max_iter=300).fit(Xm)
    assert gm.converged_ and np.isfinite(gm.covariances_).all()
    # the blobs are well apart: the fit recovers the complete-data clustering
    truth = GaussianMixture(3, random_state=0, backend=backend).fit(X).predict(X)
    got = gm.predict(Xm)
    agree = max(np.mean(got == np.array(p)[truth]) for p in __import__(
        "itertools").permutations(range(3)))
    assert agree > 0.9


def test_initialisation_is_not_shrunk_by_the_holes():
    # the initial variances come from the observed entries: with many holes they stay
    # those of the complete data, where mean imputation would shrink them by ~40%
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 3)) * np.array([1.0, 2.0, 3.0])
    Xm = X.copy()
    Xm[rng.random(X.shape) < 0.4] = np.nan
    gm = GaussianMixture(1, covariance_type="diag", missing="em", backend="python")
    gm.initialize(Xm)
    np.testing.assert_allclose(gm.covariances_[0], [1.0, 4.0, 9.0], rtol=0.06)
    np.testing.assert_allclose(gm.covariances_[0], np.nanvar(Xm, axis=0), rtol=1e-6)


def test_warm_start_and_history(backend):
    _, Xm = _data(n=500, frac=0.2, seed=10)
    gm = GaussianMixture(3, missing="em", random_state=0, max_iter=3, warm_start=True,
                         record_history=True, backend=backend)
    with quiet():
        gm.fit(Xm)
    first = gm.history_["objective"]
    with quiet():
        gm.fit(Xm)
    assert gm.history_["objective"][0] >= first[-1] - 1e-12
    assert gm.history_["means"].shape == (gm.n_iter_ + 1, 3, 4)


def test_prediction_reads_the_observed_coordinates(backend):
    _, Xm = _data(n=400, frac=0.3, seed=12)
    gm = GaussianMixture(3, missing="em", random_state=0, backend=backend).fit(Xm)
    cov = np.broadcast_to(full_covariances(gm.covariances_, "full", 3, 4), (3, 4, 4))
    lpn, resp, *_, imputed = naive.gmm_missing_step(Xm, np.ones(len(Xm)), gm.weights_,
                                                    gm.means_, cov)
    np.testing.assert_allclose(gm.score_samples(Xm), lpn, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(gm.predict_proba(Xm), resp, rtol=1e-8, atol=1e-12)
    np.testing.assert_array_equal(gm.predict(Xm), resp.argmax(axis=1))
    np.testing.assert_allclose(gm.impute(Xm), imputed, rtol=1e-10)
    # score, bic and aic leave out the rows with nothing observed, as the fit does
    live = ~np.isnan(Xm).all(axis=1)
    assert 0 < np.count_nonzero(~live) < 10
    assert np.isclose(gm.score(Xm), lpn[live].mean(), rtol=1e-12)
    n_par = 3 * 4 * 5 / 2 + 3 * 4 + 2
    assert np.isclose(gm.bic(Xm), -2 * lpn.sum() + n_par * np.log(live.sum()), rtol=1e-12)
    assert np.isclose(gm.aic(Xm), -2 * lpn.sum() + 2 * n_par, rtol=1e-12)
    # observed entries are kept as they are
    obs = ~np.isnan(Xm)
    np.testing.assert_array_equal(gm.impute(Xm)[obs], Xm[obs])


def test_impute_works_for_a_model_fitted_on_complete_data(backend):
    X, Xm = _data(n=400, frac=0.3, seed=13)
    gm = GaussianMixture(3, random_state=0, backend=backend).fit(X)
    imputed = gm.impute(Xm)
    assert not np.isnan(imputed).any()
    # closer to the truth than the column means
    miss = np.isnan(Xm)
    col = np.where(miss, np.nanmean(Xm, axis=0), Xm)
    assert np.abs(imputed - X)[miss].mean() < 0.7 * np.abs(col - X)[miss].mean()
    with pytest.raises(ValueError, match="missing='em'"):
        gm.predict(Xm)


def test_statistics_of_chunks_add_up_and_partial_fit(backend):
    _, Xm = _data(n=900, frac=0.2, seed=14)
    gm = GaussianMixture(3, missing="em", random_state=0, backend=backend).fit(Xm)
    whole = gm.statistics(Xm)
    parts = sum(gm.statistics(Xm[i:i + 300]) for i in range(0, 900, 300))
    for name in ("N", "S1", "S2"):
        np.testing.assert_allclose(getattr(parts, name), getattr(whole, name), rtol=1e-9,
                                   atol=1e-9)
    # one M-step from the summed statistics is the fit's next iteration
    nxt = GaussianMixture(3, missing="em", max_iter=1, tol=0, weights_init=gm.weights_,
                          means_init=gm.means_, precisions_init=gm.precisions_,
                          backend=backend)
    with quiet():
        nxt.fit(Xm)
    gm.m_step(parts)
    np.testing.assert_allclose(gm.means_, nxt.means_, rtol=1e-9)
    online = GaussianMixture(3, missing="em", random_state=0, backend=backend)
    for i in range(0, 900, 100):
        online.partial_fit(Xm[i:i + 100])
    assert np.isfinite(online.means_).all()
    assert np.abs(np.sort(online.means_[:, 0]) - np.sort(gm.means_[:, 0])).max() < 0.5


def test_bad_input():
    _, Xm = _data(n=100)
    with pytest.raises(ValueError, match="missing='em'"):
        GaussianMixture(2).fit(Xm)
    with pytest.raises(ValueError, match="missing must be one of"):
        GaussianMixture(2, missing="drop").fit(Xm)
    with pytest.raises(ValueError, match="every entry is NaN"):
        GaussianMixture(1, missing="em").fit(np.full((5, 2), np.nan))
    bad = Xm.copy()
    bad[:, 2] = np.nan
    with pytest.raises(ValueError, match="feature 2 of X has no observed value"):
        GaussianMixture(2, missing="em").fit(bad)
    inf = Xm.copy()
    inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        GaussianMixture(2, missing="em").fit(inf)


# ---------------------------------------------------------- binomial mixtures

def _counts(n=600, d=4, frac=0.25, seed=0, trials=12):
    rng = np.random.default_rng(seed)
    P = rng.uniform(0.1, 0.9, size=(2, d))
    z = rng.integers(0, 2, n)
    nt = rng.integers(1, trials + 1, size=(n, d)).astype(float)
    X = rng.binomial(nt.astype(int), P[z]).astype(float)
    X[rng.random(X.shape) < frac] = np.nan
    return X, nt


def test_binomial_missing_counts_against_the_naive_step(backend):
    from fastem import BinomialMixture

    X, nt = _counts()
    w = np.random.default_rng(3).uniform(0.5, 1.5, X.shape[0])
    bm = BinomialMixture(2, missing="em", random_state=0, backend=backend, tol=1e-12,
                         max_iter=500).fit(X, n_trials=nt, sample_weight=w)
    lpn, resp, N, SX, SN, total = naive.binomial_step(X, nt, w, bm.weights_, bm.probs_)
    live = ~np.isnan(X).all(axis=1)
    np.testing.assert_allclose(bm.score_samples(X, n_trials=nt), lpn, rtol=1e-10)
    np.testing.assert_allclose(bm.predict_proba(X, n_trials=nt), resp, rtol=1e-8,
                               atol=1e-12)
    # converged: the fit is EM's fixed point over the observed counts
    np.testing.assert_allclose(bm.probs_, SX / SN, rtol=1e-7)
    np.testing.assert_allclose(bm.weights_, N / N.sum(), rtol=1e-7)
    assert np.isclose(bm.score(X, n_trials=nt, sample_weight=w),
                      (w[live] @ lpn[live]) / w[live].sum(), rtol=1e-12)
    expected = nt * (resp @ bm.probs_)
    np.testing.assert_allclose(bm.impute(X, n_trials=nt), np.where(np.isnan(X), expected, X),
                               rtol=1e-8)


def test_binomial_without_nan_and_nan_rows(backend):
    from fastem import BinomialMixture

    X, _ = _counts(frac=0.0, seed=1)
    a = BinomialMixture(2, n_trials=12, random_state=0, backend=backend).fit(
        np.minimum(X, 12))
    b = BinomialMixture(2, n_trials=12, random_state=0, backend=backend,
                        missing="em").fit(np.minimum(X, 12))
    np.testing.assert_array_equal(a.probs_, b.probs_)
    # 1-D counts: NaN rows carry nothing
    rng = np.random.default_rng(0)
    x = rng.binomial(10, np.where(rng.random(500) < 0.5, 0.2, 0.8)).astype(float)
    xm = x.copy()
    xm[rng.random(500) < 0.1] = np.nan
    for init in ("random", "kmeans"):
        a = BinomialMixture(2, n_trials=10, missing="em", random_state=0, init_params=init,
                            backend=backend).fit(xm)
        b = BinomialMixture(2, n_trials=10, random_state=0, init_params=init,
                            backend=backend).fit(xm[~np.isnan(xm)])
        np.testing.assert_allclose(a.probs_, b.probs_, rtol=1e-10)
        assert np.isclose(a.lower_bound_, b.lower_bound_, rtol=1e-12)
    with pytest.raises(ValueError, match="missing='em'"):
        BinomialMixture(2, n_trials=10).fit(xm)
    with pytest.raises(ValueError, match="every entry is NaN"):
        BinomialMixture(2, n_trials=10, missing="em").fit(np.full(5, np.nan))


def test_binomial_kmeans_init_and_log_likelihood_never_decreases(backend):
    from fastem import BinomialMixture

    X, nt = _counts(frac=0.4, seed=4)
    bm = BinomialMixture(2, missing="em", init_params="kmeans", random_state=0,
                         backend=backend, tol=0, max_iter=40)
    with quiet():
        bm.fit(X, n_trials=nt)
    assert np.all(np.diff(bm.history_["objective"]) >= -1e-12)


# ------------------------------------------------- the rest of fastem

def test_model_selection_passes_missing_through():
    from fastem import ModelSelection

    _, Xm = _data(n=600, frac=0.2, seed=15)
    sel = ModelSelection(GaussianMixture(missing="em", random_state=0),
                         {"n_components": [1, 2, 3, 4], "covariance_type": ["full", "diag"]})
    with quiet():
        sel.fit(Xm)
    assert sel.best_params_["n_components"] == 3
    best = sel.best_estimator_
    assert best.missing == "em"
    live = ~np.isnan(Xm).all(axis=1)
    i = sel.best_index_
    assert np.isclose(sel.results_["bic"][i], best.bic(Xm), rtol=1e-10)
    assert np.isclose(best.bic(Xm), -2 * best.score_samples(Xm).sum()
                      + best._n_parameters() * np.log(live.sum()), rtol=1e-12)


def test_cli_reads_empty_cells_and_na_as_missing(tmp_path):
    import subprocess
    import sys

    _, Xm = _data(n=300, frac=0.15, seed=16)
    lines = ["a,b,c,d"] + [",".join("NA" if np.isnan(v) and j % 2 else
                                    ("" if np.isnan(v) else repr(float(v)))
                                    for j, v in enumerate(row)) for row in Xm]
    path = tmp_path / "holes.csv"
    path.write_text("\n".join(lines) + "\n")
    run = [sys.executable, "-m", "fastem", "fit", str(path), "--model", "gmm", "-k", "3",
           "--json"]
    refused = subprocess.run(run, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 1 and "--missing em" in refused.stderr
    res = subprocess.run(run + ["--missing", "em"], capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr
    import json

    report = json.loads(res.stdout)
    lib = GaussianMixture(3, missing="em", random_state=0).fit(Xm)
    np.testing.assert_allclose(np.sort(np.array(report["means"])[:, 0]),
                               np.sort(lib.means_[:, 0]), rtol=1e-9)


# ------------------------------------------------------- review fixes

def test_prior_reads_the_observed_entries(backend):
    _, Xm = _data(n=500, frac=0.2, seed=20)
    for ct in ("full", "diag"):
        gm = GaussianMixture(3, covariance_type=ct, missing="em", prior="default",
                             random_state=0, backend=backend).fit(Xm)
        assert np.isfinite(gm.means_).all()
        live = ~np.isnan(Xm).all(axis=1)
        np.testing.assert_allclose(gm.prior_params_["mean"], np.nanmean(Xm[live], axis=0),
                                   rtol=1e-12)
        var = np.nanvar(Xm[live], axis=0, ddof=1)
        fac = (1.0 / 3) ** (2.0 / 4)
        want = fac * (np.diag(var) if ct == "full" else var.mean())
        np.testing.assert_allclose(gm.prior_params_["scale"], want, rtol=1e-12)


def test_a_batch_with_nothing_observed_changes_nothing(backend):
    _, Xm = _data(n=600, frac=0.2, seed=21)
    gm = GaussianMixture(3, missing="em", random_state=0, backend=backend).fit(Xm)
    empty = np.full((10, 4), np.nan)
    stats = gm.statistics(empty)
    assert stats.weight == 0 and np.all(stats.N == 0) and np.all(stats.S2 == 0)
    whole = gm.statistics(Xm)
    both = gm.statistics(Xm[:300]) + stats + gm.statistics(Xm[300:])
    np.testing.assert_allclose(both.N, whole.N, rtol=1e-12)
    means = gm.means_.copy()
    gm.partial_fit(empty)
    np.testing.assert_array_equal(gm.means_, means)


def test_icl_leaves_out_rows_with_nothing_observed_as_model_selection():
    from fastem import ModelSelection

    _, Xm = _data(n=600, frac=0.3, seed=22)
    assert np.isnan(Xm).all(axis=1).any()
    sel = ModelSelection(GaussianMixture(missing="em", random_state=0),
                         {"n_components": [2, 3, 4]})
    with quiet():
        sel.fit(Xm)
    best = sel.best_estimator_
    assert np.isclose(sel.results_["icl"][sel.best_index_], best.icl(Xm), rtol=1e-10)
    live = ~np.isnan(Xm).all(axis=1)
    doubt = best.uncertainty(Xm)
    assert np.isclose(best.icl(Xm), best.bic(Xm) - 2 * np.log(1 - doubt[live]).sum(),
                      rtol=1e-12)


def test_impute_keeps_the_shape_of_one_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    x[:5] = np.nan
    gm = GaussianMixture(2, missing="em", random_state=0).fit(x)
    out = gm.impute(x)
    assert out.shape == (200,) and np.allclose(out[:5], gm.weights_ @ gm.means_[:, 0])


@requires_numba
def test_numba_kernel_equals_reference_for_a_shared_covariance():
    from fastem._kernels import gaussian_mixture as nb_kernels

    rng = np.random.default_rng(3)
    X = rng.normal(size=(700, 6))
    X[rng.random(X.shape) < 0.3] = np.nan
    w = rng.uniform(0.0, 2.0, 700)
    weights, means, cov = _params(3, 6, 3)
    tied = cov[:1]  # one matrix for every component
    got = _run(nb_kernels, X, w, weights, means, tied, 64, True)
    want = _run(ref_kernels, X, w, weights, means, tied, 64)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("model", ["gmm", "binomial"])
def test_model_selection_counts_a_labelled_row_with_nothing_observed(model):
    # a labelled row with nothing observed counts in its component's weight in the fit;
    # ModelSelection's criteria count it too: its log-likelihood is the fit's own
    # mean objective times the weight the fit counted
    from fastem import BinomialMixture, ModelSelection

    rng = np.random.default_rng(5)
    if model == "gmm":
        X = np.r_[rng.normal(0, 1, (40, 2)), rng.normal(4, 1, (40, 2))]
        est, extra = GaussianMixture(missing="em", random_state=0), {}
    else:
        X = np.r_[rng.binomial(10, 0.2, (40, 2)), rng.binomial(10, 0.7, (40, 2))].astype(float)
        est, extra = BinomialMixture(missing="em", random_state=0), {"n_trials": 10}
    X[[3, 7]] = np.nan  # row 3 labelled, row 7 not
    y = np.full(80, -1)
    y[[0, 3]], y[50] = 0, 1
    w = rng.integers(1, 4, 80).astype(float)
    sel = ModelSelection(est, {"n_components": [2]}).fit(X, labels=y, sample_weight=w, **extra)
    best = sel.best_estimator_
    counted = w.sum() - w[7]  # every row but the unlabelled one with nothing observed
    total = best.history_["objective"][-1] * counted
    np.testing.assert_allclose(sel.results_["log_likelihood"][0], total, rtol=1e-12)
    np.testing.assert_allclose(sel.results_["bic"][0], -2 * total + best._n_parameters()
                               * np.log(counted), rtol=1e-12)


def test_scoring_rows_with_nothing_observed_names_x_not_the_weights():
    _, Xm = _data(n=300, frac=0.2, seed=23)
    gm = GaussianMixture(2, missing="em", random_state=0).fit(Xm)
    empty = np.full((3, 4), np.nan)
    for method in (gm.score, gm.bic, gm.aic, gm.icl):
        with pytest.raises(ValueError, match="X has no observed value: every row is all "
                                             "NaN") as info:
            method(empty)
        assert "sample_weight" not in str(info.value)
    rows = np.r_[empty, Xm[:2]]
    with pytest.raises(ValueError, match="sample_weight is zero on every row of X that "
                                         "has an observed value"):
        gm.score(rows, sample_weight=[1.0, 1.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("dtype", ["Float64", "Int64"])
def test_pandas_na_in_nullable_columns_is_missing(backend, dtype):
    # pd.NA in a nullable column is a missing value, as NaN is (scikit-learn reads it so)
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(31)
    X = np.round(np.r_[rng.normal(0, 1, (60, 3)), rng.normal(5, 1, (60, 3))] * 3)
    holes = rng.random(X.shape) < 0.1
    Xm = np.where(holes, np.nan, X)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).astype(dtype)
    frame = frame.mask(holes)  # pd.NA where the holes are
    assert frame.isna().to_numpy().sum() == holes.sum() and frame.dtypes.iloc[0] == dtype
    got = GaussianMixture(2, missing="em", random_state=0, backend=backend).fit(frame)
    ref = GaussianMixture(2, missing="em", random_state=0, backend=backend).fit(Xm)
    np.testing.assert_allclose(got.means_, ref.means_, rtol=1e-12)
    np.testing.assert_allclose(got.score_samples(frame), ref.score_samples(Xm), rtol=1e-12)
    np.testing.assert_allclose(got.impute(frame), ref.impute(Xm), rtol=1e-12)
    with pytest.raises(ValueError, match="X contains NaN.*missing='em'"):
        GaussianMixture(2, backend=backend).fit(frame)
    counts = pd.DataFrame({"a": pd.array([3, 4, None, 8, 9, 1], dtype="Int64"),
                           "b": pd.array([2, None, 5, 7, 8, 2], dtype="Int64")})
    from fastem import BinomialMixture

    bm = BinomialMixture(2, missing="em", random_state=0, backend=backend).fit(
        counts, n_trials=10)
    ref_bm = BinomialMixture(2, missing="em", random_state=0, backend=backend).fit(
        counts.to_numpy(dtype=float, na_value=np.nan), n_trials=10)
    np.testing.assert_allclose(bm.probs_, ref_bm.probs_, rtol=1e-12)
