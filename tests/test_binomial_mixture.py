"""BinomialMixture against textbook numbers, closed forms, direct optimisation and a
scipy.stats naive loop."""

import pickle
import warnings

import numpy as np
import pytest

from fastem import BinomialMixture, ConvergenceWarning, IdentifiabilityWarning, NotFittedError
from fastem import binomial_mixture as bmod
from conftest import quiet as _quiet
from naive import binomial_step

HEADS = np.array([5, 9, 8, 4, 7])  # Do & Batzoglou's five sets of ten tosses

# Geissler's Saxony data: families of 12 children by number of boys (6115 families)
SAXONY = np.array([3, 24, 104, 286, 670, 1033, 1343, 1112, 829, 478, 181, 45, 7])


@pytest.mark.parametrize("n_iter,expected", [(1, [0.713, 0.581]), (10, [0.797, 0.520])])
def test_textbook_two_coins(backend, n_iter, expected):
    bm = BinomialMixture(2, n_trials=10, fit_weights=False, probs_init=[0.6, 0.5],
                         max_iter=n_iter, tol=0, record_history=True, backend=backend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tol=0 asks for n_iter iterations: no warning
        bm.fit(HEADS)
    assert bm.n_iter_ == n_iter and not bm.converged_
    np.testing.assert_allclose(bm.probs_, expected, atol=5e-4)
    np.testing.assert_array_equal(bm.weights_, [0.5, 0.5])
    assert bm.history_["probs"].shape == (n_iter + 1, 2)
    np.testing.assert_array_equal(bm.history_["probs"][0], [0.6, 0.5])
    np.testing.assert_array_equal(bm.history_["weights"][-1], [0.5, 0.5])


def test_textbook_first_step_by_hand(backend):
    # theta_A = sum_i r_iA x_i / sum_i r_iA n_i with r from Bayes' rule, equal priors
    from scipy.stats import binom

    la, lb = binom.pmf(HEADS, 10, 0.6), binom.pmf(HEADS, 10, 0.5)
    ra = la / (la + lb)
    expected = [ra @ HEADS / (10 * ra.sum()), (1 - ra) @ HEADS / (10 * (1 - ra).sum())]
    bm = BinomialMixture(2, n_trials=10, fit_weights=False, probs_init=[0.6, 0.5],
                         max_iter=1, tol=0, backend=backend)
    with _quiet():
        bm.fit(HEADS)
    np.testing.assert_allclose(bm.probs_, expected, rtol=1e-12)


def test_e_step_weight_of_eight_heads(backend):
    bm = BinomialMixture(2, n_trials=10, fit_weights=False, probs_init=[0.8, 0.7],
                         max_iter=1, backend=backend)
    with _quiet():
        bm.fit(HEADS)
    bm.probs_ = np.array([0.8, 0.7])  # evaluate at the textbook's parameters
    resp = bm.predict_proba([8])
    assert resp[0, 0] == pytest.approx(0.564, abs=5e-4)
    exact = 0.8**8 * 0.2**2 / (0.8**8 * 0.2**2 + 0.7**8 * 0.3**2)
    assert resp[0, 0] == pytest.approx(exact, rel=1e-12)


def test_article_500_trials_recovered_from_random_starts(backend):
    rng = np.random.default_rng(0)
    coin = rng.integers(2, size=500)
    heads = rng.binomial(10, np.where(coin == 0, 0.6, 0.2))
    bm = BinomialMixture(2, n_trials=10, n_init=5, random_state=1, backend=backend).fit(heads)
    order = np.argsort(bm.probs_)
    np.testing.assert_allclose(bm.probs_[order], [0.2, 0.6], atol=0.03)
    np.testing.assert_allclose(bm.weights_[order], [0.5, 0.5], atol=0.06)
    assert bm.converged_ and bm.n_iter_ < 100
    # the fitted answer labels the coins well
    labels = bm.predict(heads)
    agree = np.mean((labels == order[1]) == (coin == 0))
    assert agree > 0.85


def test_one_component_is_the_closed_form(backend):
    rng = np.random.default_rng(1)
    nt = rng.integers(1, 30, size=(400, 1))
    X = rng.binomial(nt, 0.37)
    w = rng.uniform(0.5, 2.0, size=400)
    bm = BinomialMixture(1, backend=backend).fit(X, n_trials=nt, sample_weight=w)
    assert bm.probs_[0, 0] == pytest.approx((w @ X[:, 0]) / (w @ nt[:, 0]), rel=1e-12)
    from scipy.stats import binom

    ll = binom.logpmf(X[:, 0], nt[:, 0], bm.probs_[0, 0])
    assert bm.lower_bound_ == pytest.approx((w @ ll) / w.sum(), rel=1e-10)


def _neg_loglik(theta, X, nt, k):
    from scipy.special import expit, logsumexp, softmax
    from scipy.stats import binom

    p = expit(theta[:k])
    logits = np.r_[theta[k:], 0.0]
    weights = softmax(logits)
    joint = np.column_stack([np.log(weights[c]) + binom.logpmf(X, nt, p[c])
                             for c in range(k)])
    return -logsumexp(joint, axis=1).sum()


@pytest.mark.parametrize("k", [2, 3])
def test_reaches_at_least_the_direct_optimum(backend, k):
    # maximum likelihood: EM is at least as high as a multi-start quasi-Newton search
    from scipy.optimize import minimize

    rng = np.random.default_rng(2)
    nt = rng.integers(8, 20, size=600)
    comp = rng.integers(k, size=600)
    X = rng.binomial(nt, np.array([0.15, 0.5, 0.8])[comp])
    best = np.inf
    for _ in range(8):
        theta0 = np.r_[rng.normal(size=k) * 1.5, rng.normal(size=k - 1) * 0.5]
        res = minimize(_neg_loglik, theta0, args=(X, nt, k), method="BFGS")
        best = min(best, res.fun)
    bm = BinomialMixture(k, n_init=5, tol=1e-10, max_iter=2000, random_state=0,
                         backend=backend).fit(X, n_trials=nt)
    total = bm.score_samples(X, n_trials=nt).sum()
    assert total >= -best - 1e-6


def test_saxony_frequency_table_equals_expanded_data(backend):
    boys = np.arange(13)
    table = BinomialMixture(2, n_trials=12, n_init=3, tol=1e-10, max_iter=5000,
                            random_state=0, backend=backend).fit(boys, sample_weight=SAXONY)
    expanded = np.repeat(boys, SAXONY)
    rows = BinomialMixture(2, n_trials=12, n_init=3, tol=1e-10, max_iter=5000,
                           random_state=0, backend=backend).fit(expanded)
    o1, o2 = np.argsort(table.probs_), np.argsort(rows.probs_)
    np.testing.assert_allclose(table.probs_[o1], rows.probs_[o2], rtol=1e-9)
    np.testing.assert_allclose(table.weights_[o1], rows.weights_[o2], rtol=1e-9)
    assert table.lower_bound_ == pytest.approx(rows.lower_bound_, rel=1e-12)
    # the over-dispersion of this data is captured: two distinct sex ratios near 0.5
    assert 0.4 < table.probs_[o1][0] < 0.52 < table.probs_[o1][1] < 0.62


def test_integer_weights_equal_repeated_rows(backend):
    rng = np.random.default_rng(3)
    nt = rng.integers(1, 6, size=(120, 4))
    X = rng.binomial(nt, rng.uniform(0.1, 0.9, size=(3, 4))[rng.integers(3, size=120)])
    reps = rng.integers(0, 4, size=120)
    p0 = rng.uniform(0.2, 0.8, size=(3, 4))
    kw = dict(probs_init=p0, tol=0, max_iter=30, backend=backend)
    with _quiet():
        a = BinomialMixture(3, **kw).fit(X, n_trials=nt, sample_weight=reps)
        b = BinomialMixture(3, **kw).fit(np.repeat(X, reps, axis=0),
                                         n_trials=np.repeat(nt, reps, axis=0))
    np.testing.assert_allclose(a.probs_, b.probs_, rtol=1e-10)
    np.testing.assert_allclose(a.weights_, b.weights_, rtol=1e-10)
    assert a.lower_bound_ == pytest.approx(b.lower_bound_, rel=1e-10)


def test_distinct_row_compression_changes_nothing(backend, monkeypatch):
    rng = np.random.default_rng(4)
    X = rng.binomial(10, np.where(rng.integers(2, size=5000) == 0, 0.7, 0.3))
    kw = dict(n_trials=10, probs_init=[0.6, 0.5], tol=0, max_iter=40,
              record_history=True, backend=backend)
    with _quiet():
        fast = BinomialMixture(2, **kw).fit(X)
        monkeypatch.setattr(bmod, "_COMPRESS_RATIO", 0.0)  # never compress
        slow = BinomialMixture(2, **kw).fit(X)
    np.testing.assert_allclose(fast.probs_, slow.probs_, rtol=1e-12)
    np.testing.assert_allclose(fast.history_["objective"], slow.history_["objective"],
                               rtol=1e-12)
    monkeypatch.undo()
    packed = bmod.compress_rows(X[:, None].astype(float), np.array([[10.0]]), np.ones(5000))
    assert packed[0].shape[0] <= 11 and packed[2].sum() == 5000


def test_bernoulli_mixture_on_binary_vectors(backend):
    rng = np.random.default_rng(5)
    truth = np.array([[0.9] * 5 + [0.1] * 5, [0.1] * 5 + [0.9] * 5, [0.5, 0.9] * 5])
    z = rng.integers(3, size=1500)
    X = (rng.uniform(size=(1500, 10)) < truth[z]).astype(int)
    bm = BinomialMixture(3, n_trials=1, init_params="kmeans", n_init=3, random_state=0,
                         backend=backend).fit(X)
    assert bm.probs_.shape == (3, 10)
    order = [int(np.argmin(np.abs(bm.probs_ - t).sum(axis=1))) for t in truth]
    assert sorted(order) == [0, 1, 2]
    np.testing.assert_allclose(bm.probs_[order], truth, atol=0.06)
    labels = bm.predict(X)
    assert np.mean(np.array(order)[z] == labels) > 0.95


def test_per_observation_trials(backend):
    rng = np.random.default_rng(6)
    nt = rng.integers(5, 60, size=3000)
    z = rng.integers(2, size=3000)
    X = rng.binomial(nt, np.where(z == 0, 0.25, 0.65))
    bm = BinomialMixture(2, init_params="kmeans", random_state=0, backend=backend).fit(
        X, n_trials=nt)
    np.testing.assert_allclose(np.sort(bm.probs_), [0.25, 0.65], atol=0.01)
    assert bm.n_trials_ is None
    with pytest.raises(ValueError, match="n_trials is required"):
        bm.predict(X)
    assert bm.predict(X, n_trials=nt).shape == (3000,)


def test_predictions_match_naive_loop(backend):
    rng = np.random.default_rng(7)
    nt = rng.integers(2, 9, size=(200, 2))
    X = rng.binomial(nt, 0.4)
    bm = BinomialMixture(3, random_state=0, backend=backend).fit(X, n_trials=nt)
    lpn, resp, *_ = binomial_step(X.astype(float), nt, np.ones(200), bm.weights_, bm.probs_)
    np.testing.assert_allclose(bm.score_samples(X, n_trials=nt), lpn, rtol=1e-10)
    np.testing.assert_allclose(bm.predict_proba(X, n_trials=nt), resp, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(bm.predict(X, n_trials=nt), resp.argmax(axis=1))
    assert bm.score(X, n_trials=nt) == pytest.approx(lpn.mean(), rel=1e-10)
    n_params = 3 * 2 + 2
    assert bm.bic(X, n_trials=nt) == pytest.approx(-2 * lpn.sum() + n_params * np.log(200))
    assert bm.aic(X, n_trials=nt) == pytest.approx(-2 * lpn.sum() + 2 * n_params)


def test_log_likelihood_never_decreases(backend):
    for seed in range(10):
        rng = np.random.default_rng(seed)
        d, k = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        nt = rng.integers(1, 12, size=(150, d))
        X = rng.binomial(nt, rng.uniform(size=(k, d))[rng.integers(k, size=150)])
        bm = BinomialMixture(k, tol=0, max_iter=40, random_state=seed, backend=backend)
        with _quiet():
            warnings.simplefilter("ignore", IdentifiabilityWarning)
            bm.fit(X, n_trials=nt, sample_weight=rng.uniform(0.1, 2, size=150))
        obj = bm.history_["objective"]
        assert np.all(np.diff(obj) >= -1e-12 * abs(obj[-1])), seed


def test_probabilities_of_exactly_zero_and_one(backend):
    X = np.array([0, 0, 0, 10, 10, 10, 5])
    bm = BinomialMixture(3, n_trials=10, probs_init=[0.0, 1.0, 0.5], backend=backend).fit(X)
    assert np.isfinite(bm.probs_).all() and np.isfinite(bm.lower_bound_)
    np.testing.assert_allclose(np.sort(bm.probs_), [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="probability 0 under every component"):
        BinomialMixture(2, n_trials=10, probs_init=[0.0, 1.0], backend=backend).fit(X)


def test_identifiability_warnings():
    with pytest.warns(IdentifiabilityWarning, match="needs n_trials >= 2"):
        BinomialMixture(2, n_trials=2, random_state=0).fit([0, 1, 2, 1])
    with pytest.warns(IdentifiabilityWarning):
        BinomialMixture(2, n_trials=1, random_state=0).fit([0, 1, 1, 0])
    with pytest.warns(IdentifiabilityWarning, match="free parameters"):
        BinomialMixture(3, n_trials=1, random_state=0).fit([[0, 1], [1, 1], [1, 0], [0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        BinomialMixture(2, n_trials=3, random_state=0).fit([0, 1, 3, 2])


def test_warm_start_and_n_init(backend):
    rng = np.random.default_rng(8)
    X = rng.binomial(20, np.where(rng.integers(2, size=400) == 0, 0.3, 0.7))
    kw = dict(n_trials=20, probs_init=[0.4, 0.45], tol=0, backend=backend)
    with _quiet():
        full = BinomialMixture(2, max_iter=30, **kw).fit(X)
        part = BinomialMixture(2, max_iter=10, warm_start=True, **kw)
        for _ in range(3):
            part.fit(X)
    np.testing.assert_allclose(part.probs_, full.probs_, rtol=1e-12)
    children = np.random.SeedSequence(9).spawn(4)
    singles = [BinomialMixture(2, n_trials=20, max_iter=5, tol=0, random_state=s,
                               backend=backend) for s in children]
    with _quiet():
        best = BinomialMixture(2, n_trials=20, max_iter=5, tol=0, n_init=4, random_state=9,
                               backend=backend).fit(X)
        values = [s.fit(X).lower_bound_ for s in singles]
    assert best.lower_bound_ == max(values)


def test_sample_and_pickle():
    bm = BinomialMixture(2, n_trials=10, random_state=0).fit(HEADS.repeat(20))
    S, y = bm.sample(20_000)
    assert S.shape == (20_000,) and S.min() >= 0 and S.max() <= 10
    for c in range(2):
        assert S[y == c].mean() == pytest.approx(10 * bm.probs_[c], abs=0.1)
    again = pickle.loads(pickle.dumps(bm))
    np.testing.assert_array_equal(again.predict(HEADS), bm.predict(HEADS))


def test_sklearn_api_conventions():
    from sklearn.base import clone
    from sklearn.utils import estimator_checks as ec

    est = BinomialMixture(3, n_trials=5, random_state=0)
    for check in (ec.check_no_attributes_set_in_init, ec.check_parameters_default_constructible,
                  ec.check_get_params_invariance, ec.check_set_params,
                  ec.check_do_not_raise_errors_in_init_or_set_params,
                  ec.check_estimator_cloneable):
        check("BinomialMixture", est)
    c = clone(est)
    assert c.get_params() == est.get_params()


# -------------------------------------------------------------- bad input

@pytest.mark.parametrize("X,n_trials,exc,match", [
    ([1, -1, 2], 5, ValueError, "non-negative counts"),
    ([1, 2.5, 2], 5, ValueError, "whole numbers of successes"),
    ([1, 6, 2], 5, ValueError, "more successes than n_trials: row 1 has 6 > 5"),
    ([1, np.nan, 2], 5, ValueError, "X contains NaN"),
    ([1, 2, 2], 0, ValueError, "n_trials must be >= 1"),
    ([1, 2, 2], 2.5, ValueError, "n_trials must hold whole numbers"),
    ([1, 2, 2], [5, 5], ValueError, r"n_trials of shape \(2, 1\) is not broadcastable"),
    ([[1, 2], [2, 1]], [5, 5, 5], ValueError, "not broadcastable"),
    ([1, 2, 2], np.nan, ValueError, "n_trials contains NaN"),
    ([1, 2, 2], None, ValueError, "n_trials is required"),
    ([1, 2, 2], "ten", TypeError, "n_trials must be a number"),
])
def test_bad_counts(X, n_trials, exc, match):
    with pytest.raises(exc, match=match):
        BinomialMixture(1).fit(X, n_trials=n_trials)


@pytest.mark.parametrize("params,exc,match", [
    (dict(probs_init=[0.5, 1.2]), ValueError, r"probs_init must lie in \[0, 1\]"),
    (dict(probs_init=[0.5]), ValueError, "probs_init must have shape"),
    (dict(probs_init=[0.5, np.nan]), ValueError, "probs_init contains NaN"),
    (dict(weights_init=[0.5, 0.6]), ValueError, "weights_init must sum to 1"),
    (dict(weights_init=[1.0]), ValueError, "weights_init must have shape"),
    (dict(n_components=0), ValueError, "n_components must be >= 1"),
    (dict(n_components=9), ValueError, "n_samples >= n_components"),
    (dict(init_params="kmeans++"), ValueError, "init_params must be one of"),
    (dict(fit_weights="no"), TypeError, "fit_weights must be True or False"),
    (dict(tol=-1), ValueError, "tol must be >= 0"),
])
def test_bad_parameters(params, exc, match):
    with pytest.raises(exc, match=match):
        BinomialMixture(**{"n_components": 2, "n_trials": 10, **params}).fit(HEADS)


def test_predict_before_fit_and_wrong_shapes():
    bm = BinomialMixture(2, n_trials=10)
    with pytest.raises(NotFittedError):
        bm.predict(HEADS)
    with pytest.raises(NotFittedError):
        bm.sample()
    bm.fit(HEADS)
    with pytest.raises(ValueError, match="X has 2 features, but BinomialMixture is "
                                         "expecting 1"):
        bm.predict([[1, 2]])
    with pytest.raises(ValueError, match="more successes than n_trials"):
        bm.predict([11])
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        BinomialMixture(2, n_trials=10).fit(HEADS, sample_weight=np.zeros(5))


@pytest.mark.parametrize("trials_shape,max_trials", [((1, 1), 12), ((500, 1), 30),
                                                     ((500, 3), 40), ((500, 3), 10**6)])
def test_compress_rows_matches_np_unique(trials_shape, max_trials):
    # small key spaces go through bincount, large ones (10**6 trials) through np.unique
    rng = np.random.default_rng(10)
    nt = rng.integers(1, 4, size=trials_shape).astype(float)
    if max_trials > 100:
        nt *= max_trials
    X = rng.binomial(np.broadcast_to(nt, (500, 3)).astype(np.int64), 0.3).astype(float)
    X[:, 1:] = np.minimum(X[:, 1:], 1.0)
    w = rng.uniform(0.1, 1.0, size=500)
    packed = bmod.compress_rows(X, nt, w)
    rows = X if nt.shape[0] == 1 else np.hstack([X, np.broadcast_to(nt, X.shape)])
    uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
    if uniq.shape[0] > 0.5 * 500:
        assert packed is None
        return
    got = packed[0] if nt.shape[0] == 1 else np.hstack([packed[0], packed[1]])
    order = np.lexsort(got.T[::-1])
    np.testing.assert_array_equal(got[order], uniq)
    np.testing.assert_allclose(packed[2][order], np.bincount(inverse.ravel(), weights=w),
                               rtol=1e-12)


@pytest.mark.parametrize("trials", ["scalar", "per_row", "per_count"])
def test_log_binomial_coefficients_table_equals_gammaln(trials, monkeypatch):
    from scipy.special import gammaln

    from fastem import binomial_mixture as bm

    rng = np.random.default_rng(7)
    n, d = 5000, 3
    nt = {"scalar": np.array([[12.0]]),
          "per_row": rng.integers(1, 40, size=(n, 1)).astype(float),
          "per_count": rng.integers(1, 40, size=(n, d)).astype(float)}[trials]
    ntb = np.broadcast_to(nt, (n, d))
    X = np.floor(rng.uniform(0.0, 1.0, size=(n, d)) * (ntb + 1.0))
    want = (gammaln(ntb + 1.0) - gammaln(X + 1.0) - gammaln(ntb - X + 1.0)).sum(axis=1)
    np.testing.assert_array_equal(bm.log_binomial_coefficients(X, nt), want)
    monkeypatch.setattr(bm, "_LOG_FACTORIAL_TABLE", 5)  # above the table: gammaln itself
    np.testing.assert_array_equal(bm.log_binomial_coefficients(X, nt), want)
