"""GaussianMixture against scikit-learn, textbook examples and EM's guarantees."""

import warnings
import pickle

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.mixture import GaussianMixture as SKGM

import fastem
from fastem import ConvergenceWarning, GaussianMixture, NotFittedError
from conftest import quiet as _quiet, rtol_for

TYPES = ["full", "tied", "diag", "spherical"]


def _inits(X, k, cov_type, seed):
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    weights = rng.dirichlet(np.ones(k) * 5)
    means = X[rng.choice(len(X), k, replace=False)]
    var = X.var(axis=0).mean()
    if cov_type == "full":
        prec = np.repeat(np.eye(d)[None] / var, k, axis=0)
    elif cov_type == "tied":
        prec = np.eye(d) / var
    elif cov_type == "diag":
        prec = np.full((k, d), 1.0 / var)
    else:
        prec = np.full(k, 1.0 / var)
    return dict(weights_init=weights, means_init=means, precisions_init=prec)


def _data(n, d, k, seed):
    X, _ = make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=1.5,
                      random_state=seed)
    rng = np.random.default_rng(seed)
    return X @ (np.eye(d) + 0.3 * rng.normal(size=(d, d)))  # correlated features


SHAPES = [(400, 1, 3, 0), (500, 2, 3, 1), (600, 5, 4, 2)]


@pytest.mark.parametrize("cov_type", TYPES)
@pytest.mark.parametrize("n,d,k,seed", SHAPES)
def test_same_as_sklearn_from_same_init(backend, cov_type, n, d, k, seed):
    X = _data(n, d, k, seed)
    kw = dict(covariance_type=cov_type, tol=1e-10, max_iter=60,
              **_inits(X, k, cov_type, seed))
    with _quiet():
        ours = GaussianMixture(k, backend=backend, **kw).fit(X)
        theirs = SKGM(k, **kw).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.converged_ == theirs.converged_
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-7)
    np.testing.assert_allclose(ours.lower_bounds_, theirs.lower_bounds_, rtol=1e-7)
    for attr in ("weights_", "means_", "covariances_", "precisions_",
                 "precisions_cholesky_"):
        np.testing.assert_allclose(getattr(ours, attr), getattr(theirs, attr), rtol=1e-6,
                                   atol=1e-9, err_msg=attr)
    Xt = X[::3] + 0.1
    np.testing.assert_allclose(ours.score_samples(Xt), theirs.score_samples(Xt), rtol=1e-7)
    np.testing.assert_allclose(ours.predict_proba(Xt), theirs.predict_proba(Xt), rtol=1e-6,
                               atol=1e-9)
    np.testing.assert_array_equal(ours.predict(Xt), theirs.predict(Xt))
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-7)
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-7)
    assert ours.score(Xt) == pytest.approx(theirs.score(Xt), rel=1e-7)
    if d == 1:  # 1-D input is one feature, everywhere
        flat = X[:, 0]
        with _quiet():
            again = GaussianMixture(k, backend=backend, **kw).fit(flat)
        np.testing.assert_allclose(again.means_, ours.means_, rtol=1e-12)
        np.testing.assert_allclose(again.score_samples(flat), ours.score_samples(X),
                                   rtol=1e-12)


@pytest.mark.parametrize("cov_type", TYPES)
def test_default_kmeans_init_close_to_sklearn(backend, cov_type):
    # different random streams, same well-separated answer
    X, _ = make_blobs(900, n_features=2, centers=[[0, 0], [8, 8], [-8, 8]], random_state=0)
    ours = GaussianMixture(3, covariance_type=cov_type, random_state=0, backend=backend).fit(X)
    theirs = SKGM(3, covariance_type=cov_type, random_state=0).fit(X)
    order_o, order_t = np.argsort(ours.means_[:, 0]), np.argsort(theirs.means_[:, 0])
    np.testing.assert_allclose(ours.means_[order_o], theirs.means_[order_t], rtol=1e-5,
                               atol=1e-5)
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-6)


@pytest.mark.parametrize("cov_type", TYPES)
def test_log_likelihood_never_decreases(backend, cov_type):
    # EM's guarantee; reg_covar is tiny so that the regularised M-step is the
    # maximum-likelihood one up to 1e-10
    for seed in range(12):
        rng = np.random.default_rng(seed)
        d = int(rng.integers(1, 4))
        k = int(rng.integers(1, 5))
        X = rng.standard_t(df=5, size=(int(rng.integers(60, 300)), d)) * rng.uniform(0.1, 10)
        gm = GaussianMixture(k, covariance_type=cov_type, init_params="random", tol=0,
                             max_iter=40, reg_covar=1e-10, random_state=seed,
                             backend=backend)
        with _quiet(), warnings.catch_warnings():
            # heavy tails and up to 4 components on 60 rows: a component may collapse
            warnings.simplefilter("ignore", fastem.DegenerateComponentWarning)
            gm.fit(X, sample_weight=rng.uniform(0.1, 2.0, size=len(X)))
        obj = gm.history_["objective"]
        assert obj.shape == (gm.n_iter_ + 1,)
        assert np.all(np.diff(obj) >= -1e-9 * abs(obj[-1])), (seed, np.diff(obj).min())
        np.testing.assert_array_equal(obj[:-1], gm.lower_bounds_)


def test_three_component_article_example(backend):
    # [mu, sigma] = [-10, 3], [30, 7], [3, 5], 1000 points each, recovered from random
    # starts (means drawn from the data) with restarts
    rng = np.random.default_rng(2026)
    truth = np.array([[-10.0, 3.0], [30.0, 7.0], [3.0, 5.0]])
    x = np.concatenate([rng.normal(m, s, 1000) for m, s in truth])
    gm = GaussianMixture(3, init_params="random_from_data", n_init=10, max_iter=500,
                         tol=1e-8, random_state=0, backend=backend).fit(x)
    order = np.argsort(gm.means_[:, 0])
    fitted = np.column_stack([gm.means_[order, 0], np.sqrt(gm.covariances_[order, 0, 0])])
    expected = truth[np.argsort(truth[:, 0])]
    np.testing.assert_allclose(fitted, expected, atol=0.6)
    np.testing.assert_allclose(gm.weights_, 1 / 3, atol=0.03)
    assert gm.converged_


def test_two_component_article_example_history(backend):
    # mu 2 and -1, sigma 1 and 0.8, 200 and 600 points; 20 iterations of history from
    # the default (k-means) start reach the maximum-likelihood fit that scikit-learn
    # finds when run to convergence
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(2.0, 1.0, 200), rng.normal(-1.0, 0.8, 600)])
    gm = GaussianMixture(2, max_iter=20, tol=0, random_state=0, record_history=True,
                         backend=backend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tol=0 asks for 20 iterations: no warning
        gm.fit(x)
    assert gm.n_iter_ == 20 and not gm.converged_
    h = gm.history_
    assert gm.n_iter_ == 20
    assert h["objective"].shape == (21,)
    assert h["weights"].shape == (21, 2)
    assert h["means"].shape == (21, 2, 1)
    assert h["covariances"].shape == (21, 2, 1, 1)
    assert np.all(np.diff(h["objective"]) > -1e-12)
    np.testing.assert_array_equal(h["means"][-1], gm.means_)
    mle = SKGM(2, tol=1e-10, max_iter=1000, n_init=5, random_state=0).fit(x[:, None])
    o, m = np.argsort(gm.means_[:, 0]), np.argsort(mle.means_[:, 0])
    # EM creeps along a flat ridge here: 20 iterations are within 0.01 of the optimum
    np.testing.assert_allclose(gm.means_[o], mle.means_[m], atol=0.01)
    np.testing.assert_allclose(gm.covariances_[o], mle.covariances_[m], atol=0.01)
    np.testing.assert_allclose(gm.weights_[o], mle.weights_[m], atol=0.01)
    assert h["objective"][-1] == pytest.approx(mle.score(x[:, None]), rel=1e-6)
    # and that fit is near the truth, within sampling error
    np.testing.assert_allclose(gm.means_[o, 0], [-1.0, 2.0], atol=0.2)
    np.testing.assert_allclose(np.sqrt(gm.covariances_[o, 0, 0]), [0.8, 1.0], atol=0.15)
    np.testing.assert_allclose(gm.weights_[o], [0.75, 0.25], atol=0.02)
    # the objective of entry t is the mean log-likelihood of the parameters of entry t
    probe = GaussianMixture(2, backend=backend)
    for t in (0, 5, 20):
        probe.weights_, probe.means_ = h["weights"][t], h["means"][t]
        probe.covariances_ = h["covariances"][t]
        probe.precisions_cholesky_ = fastem.gaussian_mixture.precision_cholesky(
            h["covariances"][t], "full")
        probe.n_features_in_ = 1
        assert probe.score(x) == pytest.approx(h["objective"][t], rel=1e-10)


def test_heights_one_gaussian_is_the_mle(backend):
    heights = np.random.default_rng(0).normal(170.0, 8.0, size=5000)
    gm = GaussianMixture(1, backend=backend).fit(heights)
    assert gm.means_[0, 0] == pytest.approx(heights.mean(), rel=1e-12)
    assert gm.covariances_[0, 0, 0] == pytest.approx(heights.var() + 1e-6, rel=1e-10)
    assert gm.weights_[0] == pytest.approx(1.0)
    from scipy.stats import norm

    assert gm.score(heights) == pytest.approx(
        norm.logpdf(heights, heights.mean(), np.sqrt(heights.var() + 1e-6)).mean(), rel=1e-10)


@pytest.mark.parametrize("cov_type", TYPES)
def test_integer_weights_equal_repeated_rows(backend, cov_type):
    X = _data(300, 3, 3, 5)
    reps = np.random.default_rng(5).integers(0, 4, size=300)
    kw = dict(covariance_type=cov_type, tol=0, max_iter=30, **_inits(X[reps > 0], 3,
                                                                      cov_type, 5))
    with _quiet():
        weighted = GaussianMixture(3, backend=backend, **kw).fit(X, sample_weight=reps)
        repeated = GaussianMixture(3, backend=backend, **kw).fit(np.repeat(X, reps, axis=0))
    for attr in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(weighted, attr), getattr(repeated, attr),
                                   rtol=1e-9, atol=1e-12, err_msg=attr)
    assert weighted.lower_bound_ == pytest.approx(repeated.lower_bound_, rel=1e-10)


def test_integer_weights_equal_repeated_rows_with_kmeans_init(backend):
    # the whole fit, initialisation included, sees only the weighted rows
    X = _data(200, 2, 3, 6)
    reps = np.random.default_rng(6).integers(1, 3, size=200)
    a = GaussianMixture(3, random_state=0, backend=backend).fit(X, sample_weight=reps)
    b = GaussianMixture(3, random_state=0, backend=backend).fit(np.repeat(X, reps, axis=0))
    order_a, order_b = np.argsort(a.means_[:, 0]), np.argsort(b.means_[:, 0])
    np.testing.assert_allclose(a.means_[order_a], b.means_[order_b], rtol=1e-6)


def test_zero_weights_remove_rows(backend):
    X = _data(300, 2, 3, 8)
    noise = np.random.default_rng(8).uniform(-50, 50, size=(100, 2))
    kw = dict(tol=0, max_iter=25, **_inits(X, 3, "full", 8))
    with _quiet():
        a = GaussianMixture(3, backend=backend, **kw).fit(
            np.vstack([X, noise]), sample_weight=np.r_[np.ones(300), np.zeros(100)])
        b = GaussianMixture(3, backend=backend, **kw).fit(X)
    np.testing.assert_allclose(a.means_, b.means_, rtol=1e-10)
    np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-10)
    assert a.lower_bound_ == pytest.approx(b.lower_bound_, rel=1e-10)


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_every_init_fits_and_is_reproducible(backend, init_params):
    X, _ = make_blobs(500, n_features=2, centers=[[0, 0], [10, 0], [0, 10]], random_state=1)
    # "random" responsibilities start every component near the global mean: the lower
    # bound moves slowly at first, so a loose tol would stop it early
    kw = dict(init_params=init_params, n_init=2, random_state=4, tol=1e-8, max_iter=2000,
              backend=backend)
    a = GaussianMixture(3, **kw).fit(X)
    b = GaussianMixture(3, **kw).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    assert np.sort(a.means_[:, 0]) == pytest.approx([0, 0, 10], abs=0.5)
    assert a.converged_


def test_kmeans_init_uses_fastem_kmeans_labels(backend):
    X = _data(400, 2, 3, 9)
    gm = GaussianMixture(3, max_iter=1, random_state=0, record_history=True, backend=backend)
    with _quiet():
        gm.fit(X)
    rng = np.random.default_rng(np.random.SeedSequence(0))
    labels = fastem.KMeans(3, random_state=rng, backend=backend).fit(X).labels_
    means0 = np.array([X[labels == c].mean(axis=0) for c in range(3)])
    cov0 = np.array([np.cov(X[labels == c].T, bias=True) + 1e-6 * np.eye(2)
                     for c in range(3)])
    np.testing.assert_allclose(gm.history_["means"][0], means0, rtol=1e-10)
    np.testing.assert_allclose(gm.history_["covariances"][0], cov0, rtol=1e-9)
    np.testing.assert_allclose(gm.history_["weights"][0], np.bincount(labels) / 400,
                               rtol=1e-9)


def test_history_starts_with_given_initial_parameters(backend):
    X = _data(300, 2, 2, 10)
    inits = _inits(X, 2, "diag", 10)
    with _quiet():
        gm = GaussianMixture(2, covariance_type="diag", max_iter=5, record_history=True,
                             backend=backend, **inits).fit(X)
    h = gm.history_
    np.testing.assert_allclose(h["weights"][0], inits["weights_init"])
    np.testing.assert_allclose(h["means"][0], inits["means_init"])
    np.testing.assert_allclose(h["covariances"][0], 1.0 / inits["precisions_init"])
    np.testing.assert_array_equal(h["covariances"][-1], gm.covariances_)
    assert set(h) == {"objective", "weights", "means", "covariances"}


def test_warm_start_continues(backend):
    X = _data(400, 2, 3, 11)
    kw = dict(tol=0, **_inits(X, 3, "full", 11))
    with _quiet():
        full = GaussianMixture(3, max_iter=30, backend=backend, **kw).fit(X)
        part = GaussianMixture(3, max_iter=10, warm_start=True, backend=backend, **kw)
        part.fit(X)
        part.fit(X)
        part.fit(X)
    np.testing.assert_allclose(part.means_, full.means_, rtol=1e-10)
    np.testing.assert_allclose(part.covariances_, full.covariances_, rtol=1e-10)


def test_n_init_keeps_the_best_restart(backend):
    X = np.random.default_rng(12).normal(size=(300, 2))
    X[:100] += 6
    fits = [GaussianMixture(4, init_params="random", max_iter=15, tol=0,
                            random_state=s, backend=backend)
            for s in np.random.SeedSequence(5).spawn(4)]
    with _quiet():
        singles = [f.fit(X).lower_bound_ for f in fits]
        best = GaussianMixture(4, init_params="random", max_iter=15, tol=0, n_init=4,
                               random_state=5, backend=backend).fit(X)
    assert best.lower_bound_ == max(singles)


def test_predict_proba_and_fit_predict(backend):
    X = _data(500, 3, 3, 13)
    gm = GaussianMixture(3, random_state=0, backend=backend).fit(X)
    P = gm.predict_proba(X)
    assert P.shape == (500, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(P.argmax(axis=1), gm.predict(X))
    np.testing.assert_array_equal(
        GaussianMixture(3, random_state=0, backend=backend).fit_predict(X), gm.predict(X))
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal

    joint = np.column_stack([np.log(gm.weights_[c]) + multivariate_normal(
        gm.means_[c], gm.covariances_[c]).logpdf(X) for c in range(3)])
    np.testing.assert_allclose(gm.score_samples(X), logsumexp(joint, axis=1), rtol=1e-10)


def test_float32_data(backend):
    X = _data(600, 3, 3, 14)
    kw = dict(tol=1e-8, max_iter=30, **_inits(X, 3, "full", 14))
    with _quiet():
        a = GaussianMixture(3, backend=backend, **kw).fit(X.astype(np.float32))
        b = GaussianMixture(3, backend=backend, **kw).fit(X)
    assert a.means_.dtype == np.float64
    np.testing.assert_allclose(a.means_, b.means_, rtol=rtol_for(np.float32), atol=1e-4)
    assert a.predict_proba(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("cov_type", TYPES)
def test_float32_e_step_against_the_float64_fit(backend, cov_type):
    # float32 tiles and exps (numba), float64 statistics: the accuracy the README states,
    # with data of scale 10 around 100 and 20 iterations from one explicit start
    X = _data(20_000, 4, 5, 16) * 10.0 + 100.0
    kw = dict(covariance_type=cov_type, tol=0, max_iter=20, **_inits(X, 5, cov_type, 16))
    with _quiet():
        a = GaussianMixture(5, backend=backend, **kw).fit(X.astype(np.float32))
        b = GaussianMixture(5, backend=backend, **kw).fit(X.astype(np.float32).astype(float))
    np.testing.assert_allclose(a.means_, b.means_, rtol=0, atol=1e-4)
    np.testing.assert_allclose(a.weights_, b.weights_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-5, atol=1e-5)
    assert a.lower_bound_ == pytest.approx(b.lower_bound_, rel=1e-7)
    assert np.all(np.isfinite(a.covariances_))
    X32 = X[:3000].astype(np.float32)
    np.testing.assert_allclose(a.score_samples(X32), b.score_samples(X32.astype(float)),
                               rtol=1e-6, atol=1e-6)
    assert (a.predict(X32) == b.predict(X32.astype(float))).mean() > 0.999


@pytest.mark.parametrize("cov_type", TYPES)
def test_sample_matches_the_mixture(cov_type):
    X = _data(2000, 2, 3, 15)
    gm = GaussianMixture(3, covariance_type=cov_type, random_state=0).fit(X)
    S, y = gm.sample(60_000)
    assert S.shape == (60_000, 2) and y.shape == (60_000,)
    np.testing.assert_allclose(np.bincount(y, minlength=3) / 60_000, gm.weights_, atol=0.01)
    for c in range(3):
        np.testing.assert_allclose(S[y == c].mean(axis=0), gm.means_[c], atol=0.1)
    S2, _ = gm.sample(10)
    np.testing.assert_array_equal(S2, gm.sample(10)[0])  # seeded by random_state


def test_pickle(backend):
    X = _data(200, 2, 2, 16)
    gm = GaussianMixture(2, random_state=0, backend=backend).fit(X)
    again = pickle.loads(pickle.dumps(gm))
    np.testing.assert_array_equal(again.score_samples(X), gm.score_samples(X))


# ------------------------------------------------------------ degenerate data

def test_duplicates_and_constant_column_fit_finite(backend):
    X = np.repeat(np.array([[0.0, 1.0], [5.0, 1.0], [9.0, 1.0]]), 20, axis=0)
    for ct in TYPES:
        # every component sits on 20 copies of one row: its variances are the floor
        with _quiet(), pytest.warns(fastem.DegenerateComponentWarning, match="reg_covar floor"):
            gm = GaussianMixture(3, covariance_type=ct, random_state=0, backend=backend).fit(X)
        for attr in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
            assert np.isfinite(getattr(gm, attr)).all(), (ct, attr)
        assert np.isfinite(gm.score_samples(X)).all()


def test_component_collapsing_on_one_point_stays_finite(backend):
    rng = np.random.default_rng(17)
    X = np.vstack([rng.normal(size=(100, 2)), [[50.0, 50.0]]])
    means = np.array([[0.0, 0.0], [50.0, 50.0]])
    with _quiet(), pytest.warns(fastem.DegenerateComponentWarning,
                                match=r"component 1 rests on 1\.000 effective points.*"
                                      r"component 1 has a variance of 1e-06"):
        gm = GaussianMixture(2, means_init=means, random_state=0, backend=backend).fit(X)
    assert np.isfinite(gm.covariances_).all()
    np.testing.assert_allclose(gm.covariances_[1], 1e-6 * np.eye(2), rtol=1e-6)


def test_singular_covariance_error_names_component_and_reg_covar(backend):
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), 10, axis=0)
    with pytest.raises(ValueError, match=r"component \d+ .*Increase reg_covar \(now 0\)"):
        GaussianMixture(2, reg_covar=0.0, random_state=0, backend=backend).fit(X)
    with pytest.raises(ValueError, match="the tied covariance"):
        GaussianMixture(2, covariance_type="tied", reg_covar=0.0, random_state=0,
                        backend=backend).fit(np.c_[X[:, 0], X[:, 0]])


# -------------------------------------------------------------- bad input

GOOD = np.random.default_rng(0).normal(size=(30, 2))


@pytest.mark.parametrize("X,exc,match", [
    (np.array([[1.0, np.nan]] * 10), ValueError, "X contains NaN"),
    (np.array([np.inf] * 10), ValueError, "X contains infinity"),
    (np.empty((0, 2)), ValueError, "0 sample"),
    (np.empty(0), ValueError, "0 sample"),
    (np.ones((4, 3, 2)), ValueError, "1-D or 2-D"),
    (np.array([["a"]] * 10), TypeError, "numbers"),
])
def test_bad_X(X, exc, match):
    with pytest.raises(exc, match=match):
        GaussianMixture(1).fit(X)


K3 = 2


@pytest.mark.parametrize("params,exc,match", [
    (dict(n_components=0), ValueError, "n_components must be >= 1"),
    (dict(n_components=31), ValueError, "n_samples >= n_components"),
    (dict(n_components="2"), TypeError, "n_components must be an integer"),
    (dict(covariance_type="full-rank"), ValueError, "covariance_type must be one of"),
    (dict(init_params="kmeans++"), ValueError, "init_params must be one of"),
    (dict(reg_covar=-1e-3), ValueError, "reg_covar must be >= 0"),
    (dict(tol=-1.0), ValueError, "tol must be >= 0"),
    (dict(max_iter=0), ValueError, "max_iter must be >= 1"),
    (dict(n_init=0), ValueError, "n_init must be >= 1"),
    (dict(weights_init=[0.5, 0.4]), ValueError, "weights_init must sum to 1"),
    (dict(weights_init=[1.5, -0.5]), ValueError, r"weights_init must lie in \[0, 1\]"),
    (dict(weights_init=[1.0]), ValueError, r"weights_init must have shape"),
    (dict(weights_init=[np.nan, 1.0]), ValueError, "weights_init contains NaN"),
    (dict(means_init=np.zeros((2, 3))), ValueError, r"means_init must have shape .* \(2, 2\)"),
    (dict(means_init=[["a", "b"], ["c", "d"]]), TypeError, "means_init must be an array"),
    (dict(precisions_init=np.ones((2, 2, 2))), ValueError, r"precisions_init\[0\] must be "
                                                           "positive definite"),
    (dict(precisions_init=np.array([np.eye(2), [[1.0, 0.5], [0.0, 1.0]]])), ValueError,
     r"precisions_init\[1\] must be symmetric"),
    (dict(precisions_init=np.eye(2)), ValueError, r"must have shape \(2, 2, 2\)"),
    (dict(covariance_type="tied", precisions_init=-np.eye(2)), ValueError,
     "precisions_init must be positive definite"),
    (dict(covariance_type="diag", precisions_init=np.array([[1.0, 0.0], [1.0, 1.0]])),
     ValueError, "must be positive"),
    (dict(covariance_type="spherical", precisions_init=np.ones((2, 2))), ValueError,
     r"must have shape \(2,\)"),
])
def test_bad_parameters(params, exc, match):
    params = {"n_components": K3, **params}
    with pytest.raises(exc, match=match):
        GaussianMixture(**params).fit(GOOD)


@pytest.mark.parametrize("w,match", [
    (np.ones(29), r"sample_weight.shape == \(29,\)"),
    (-np.ones(30), "non-negative"),
    (np.zeros(30), "sums to zero"),
])
def test_bad_sample_weight(w, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(2).fit(GOOD, sample_weight=w)


def test_predict_before_fit_and_wrong_features():
    gm = GaussianMixture(2)
    for method in (gm.predict, gm.predict_proba, gm.score_samples, gm.score):
        with pytest.raises(NotFittedError):
            method(GOOD)
    with pytest.raises(NotFittedError):
        gm.sample(3)
    gm.fit(GOOD)
    with pytest.raises(ValueError, match="X has 3 features, but GaussianMixture is "
                                         "expecting 2 features"):
        gm.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match="1-D X is read as one feature. Reshape"):
        gm.score_samples(np.ones(2))
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        gm.sample(0)


def test_degenerate_warning_on_digits_names_the_constant_features_and_the_remedy():
    # scikit-learn's digits: pixels that are constant (0) within a cluster pin their
    # variance at reg_covar. The warning says so in at most three lines, naming the
    # features, not once per component
    from sklearn.datasets import load_digits

    X = load_digits().data
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        gm = GaussianMixture(10, covariance_type="diag", random_state=0).fit(X)
    (w,) = [w for w in record if issubclass(w.category, fastem.DegenerateComponentWarning)]
    text = str(w.message)
    assert w.category.__name__ == "DegenerateComponentWarning"
    assert text.count("\n") <= 2 and len(text) < 400, text
    floor = np.flatnonzero((gm.covariances_ <= 2e-6).any(axis=0))
    assert floor.size and f"in features {floor[0]}, {floor[1]}" in text
    n_flat = int((gm.covariances_ <= 2e-6).any(axis=1).sum())
    assert f"{n_flat} of 10 components have variances of 1e-06, at the reg_covar floor" \
        in text
    assert "drop features constant within a component, raise reg_covar" in text
    assert "prior='default'" in text
