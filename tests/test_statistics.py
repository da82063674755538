"""Mergeable sufficient statistics and streaming (partial_fit), against independent
oracles: naive loops (tests/naive.py), NumPy moments, scikit-learn's MiniBatchKMeans,
and the in-memory fit from the same initial parameters."""

import pickle

import numpy as np
import pytest

from fastem import BinomialMixture, GaussianMixture, KMeans, SufficientStatistics
from fastem.exceptions import NotFittedError
from fastem.gaussian_mixture import COVARIANCE_TYPES as ALL_TYPES

from conftest import quiet
from naive import binomial_step, gmm_step, kmeans_step


def _blobs(n=6000, d=3, k=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 5.0, size=(k, d))
    labels = rng.integers(0, k, n)
    scales = rng.uniform(0.5, 1.5, size=(k, d))
    return centers[labels] + rng.normal(size=(n, d)) * scales[labels], centers


def _gmm_start(X, k, covariance_type, seed=0):
    """Initial parameters from a short fit on a few rows: an explicit, shared start."""
    with quiet():
        g = GaussianMixture(k, covariance_type=covariance_type, random_state=seed,
                            max_iter=3).fit(X[:400])
    return dict(weights_init=g.weights_, means_init=g.means_,
                precisions_init=g.precisions_, covariance_type=covariance_type)


def _coins(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.random(n) < 0.4
    trials = rng.integers(5, 25, size=(n, 1)).astype(float)
    return rng.binomial(trials.astype(int), np.where(z, 0.8, 0.3)[:, None] * [1, 0.9]), \
        trials


# ------------------------------------------------------------- the statistics

def test_kmeans_statistics_equal_the_naive_loop_and_add_over_chunks(backend):
    X, centers = _blobs()
    w = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0])
    km = KMeans(4, init=centers, backend=backend).initialize(X)
    stats = km.statistics(X, sample_weight=w)
    _, sums, wsums, inertia, _ = kmeans_step(X, w, centers)
    # the sums are about the centres they were computed under
    np.testing.assert_array_equal(stats.center, centers)
    sums = sums - wsums[:, None] * centers
    np.testing.assert_allclose(stats.sums, sums, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(stats.counts, wsums, rtol=1e-12)
    assert stats.objective == pytest.approx(inertia, rel=1e-12)
    assert stats.weight == pytest.approx(w.sum()) and stats.n_samples == X.shape[0]
    parts = [km.statistics(X[s], sample_weight=w[s])
             for s in np.array_split(np.arange(X.shape[0]), 7)]
    total = sum(parts)
    np.testing.assert_allclose(total.sums, sums, rtol=1e-10, atol=1e-9)
    assert total.objective == pytest.approx(inertia, rel=1e-12)
    assert total.n_samples == X.shape[0]


@pytest.mark.parametrize("covariance_type", ALL_TYPES)
def test_gmm_statistics_equal_the_scipy_loop(backend, covariance_type):
    X, _ = _blobs(n=1500)
    start = _gmm_start(X, 3, covariance_type)
    gm = GaussianMixture(3, backend=backend, **start).initialize(X)
    w = np.random.default_rng(2).uniform(0.0, 2.0, X.shape[0])
    stats = sum(gm.statistics(X[s], sample_weight=w[s])
                for s in np.array_split(np.arange(X.shape[0]), 5))
    full_cov = np.stack([_full(gm, j) for j in range(3)])
    _, _, N, S1, S2, total = gmm_step(X, w, gm.weights_, gm.means_, full_cov)
    np.testing.assert_allclose(stats.N, N, rtol=1e-9)
    np.testing.assert_allclose(stats.S1, S1, rtol=1e-8, atol=1e-9 * N.max())
    S2_expected = S2 if stats.S2.ndim == 3 else np.einsum("kdd->kd", S2)
    np.testing.assert_allclose(stats.S2, S2_expected, rtol=1e-9)
    assert stats.objective == pytest.approx(total, rel=1e-10)
    np.testing.assert_array_equal(stats.center, gm.means_)


def _full(gm, j):
    from fastem.gaussian_mixture import component_covariance

    return component_covariance(gm.covariances_, gm.covariance_type, j, gm.means_.shape[1])


def test_binomial_statistics_equal_the_scipy_loop(backend):
    X, trials = _coins(n=800)
    bm = BinomialMixture(2, n_trials=trials, probs_init=[[0.7, 0.6], [0.2, 0.25]],
                         weights_init=[0.3, 0.7], backend=backend).initialize(X)
    stats = sum(bm.statistics(X[s], n_trials=trials[s])
                for s in np.array_split(np.arange(X.shape[0]), 3))
    _, _, N, SX, SN, total = binomial_step(X, trials, np.ones(X.shape[0]), bm.weights_,
                                           bm.probs_)
    np.testing.assert_allclose(stats.N, N, rtol=1e-10)
    np.testing.assert_allclose(stats.SX, SX, rtol=1e-10)
    np.testing.assert_allclose(stats.SN, SN, rtol=1e-10)
    assert stats.objective == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("diag", [False, True])
def test_recentred_moments_equal_numpy_moments_about_the_new_centre(diag):
    # one component: responsibilities are 1, so the moments are plain NumPy sums
    X, _ = _blobs(n=500, k=1)
    ct = "diag" if diag else "full"
    gm = GaussianMixture(1, covariance_type=ct, means_init=[[1.0, -2.0, 0.5]]).initialize(X)
    stats = gm.statistics(X)
    new = np.array([[3.0, 1.0, -1.0]])
    moved = stats.recentered(new)
    diff = X - new
    np.testing.assert_allclose(moved.S1, diff.sum(axis=0)[None], rtol=1e-10)
    S2 = (diff * diff).sum(axis=0)[None] if diag else (diff.T @ diff)[None]
    np.testing.assert_allclose(moved.S2, S2, rtol=1e-10)
    # adding statistics about different centres re-centres the second one
    both = stats + GaussianMixture(1, covariance_type=ct, means_init=new).initialize(
        X).statistics(X)
    np.testing.assert_allclose(both.S2, 2 * stats.S2, rtol=1e-10)


def test_kmeans_statistics_about_other_centres_are_recentred():
    X, centers = _blobs(n=300)
    stats = KMeans(4, init=centers).initialize(X).statistics(X)
    new = centers + np.array([1.0, -2.0, 0.5])
    moved = stats.recentered(new)
    # sum w (x - new) = sum w (x - old) + counts (old - new)
    np.testing.assert_allclose(moved.sums, stats.sums + stats.counts[:, None] * (centers - new),
                               rtol=1e-12)
    np.testing.assert_array_equal(moved.center, new)
    # the rows' means do not move
    np.testing.assert_allclose(new + moved.sums / moved.counts[:, None],
                               centers + stats.sums / stats.counts[:, None], rtol=1e-12)
    both = stats + KMeans(4, init=new).initialize(X).statistics(X)
    assert np.array_equal(both.center, stats.center)
    other = KMeans(4, init=new).initialize(X).statistics(X)
    expected = stats.sums + other.recentered(centers).sums
    np.testing.assert_allclose(both.sums, expected, rtol=1e-12, atol=1e-12)


def test_statistics_pickle_scale_and_reject_mismatches():
    X, centers = _blobs(n=300)
    km = KMeans(4, init=centers).initialize(X)
    stats = km.statistics(X)
    back = pickle.loads(pickle.dumps(stats))
    np.testing.assert_array_equal(back.sums, stats.sums)
    assert back.objective == stats.objective and "kmeans" in repr(back)
    half = stats * 0.5
    np.testing.assert_allclose(half.sums, stats.sums / 2)
    assert half.weight == stats.weight / 2
    other = KMeans(3, init=centers[:3]).initialize(X).statistics(X)
    with pytest.raises(ValueError, match="different shapes"):
        stats + other
    gm_stats = GaussianMixture(2).initialize(X).statistics(X)
    with pytest.raises(ValueError, match="gaussian_mixture"):
        stats + gm_stats
    with pytest.raises(TypeError):
        stats + 1.5
    with pytest.raises(ValueError, match="factor"):
        stats * -1.0
    with pytest.raises(ValueError, match="computed by a gaussian_mixture"):
        km.m_step(gm_stats)
    with pytest.raises(ValueError, match=r"stats.sums has shape \(3, 3\)"):
        km.m_step(other)
    with pytest.raises(TypeError, match="SufficientStatistics"):
        km.m_step({"sums": 1})
    with pytest.raises(NotFittedError):
        KMeans(2).statistics(X)
    with pytest.raises(ValueError, match="features"):
        km.statistics(X[:, :2])
    with pytest.raises(ValueError, match="no weight"):
        km.m_step(stats * 0.0)
    with pytest.raises(ValueError, match="model must be"):
        SufficientStatistics("other", {}, 0.0, 1.0, 1)


# ---------------------------------------------- exact EM by hand over chunks

def test_kmeans_by_hand_equals_fit():
    X, _ = _blobs(n=5000, k=4, seed=3)
    init = X[:4].copy()
    km = KMeans(4, init=init).initialize(X[:100])
    chunks = np.array_split(X, 9)
    for _ in range(15):
        km.m_step(sum(km.statistics(c) for c in chunks))
    ref = KMeans(4, init=init, max_iter=15, tol=0).fit(X)
    np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=1e-7)
    assert km.n_iter_ == 15


@pytest.mark.parametrize("covariance_type", ALL_TYPES)
def test_gmm_by_hand_equals_fit(covariance_type):
    X, _ = _blobs(n=4000)
    start = _gmm_start(X, 4, covariance_type)
    gm = GaussianMixture(4, **start).initialize(X[:100])
    chunks = np.array_split(X, 6)
    bounds = []
    for _ in range(12):
        stats = sum(gm.statistics(c) for c in chunks)
        bounds.append(stats.objective / stats.weight)
        gm.m_step(stats)
    with quiet():
        ref = GaussianMixture(4, max_iter=12, tol=0, **start).fit(X)
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        np.testing.assert_allclose(getattr(gm, name), getattr(ref, name), rtol=1e-7,
                                   err_msg=name)
    np.testing.assert_allclose(bounds, ref.lower_bounds_, rtol=1e-10)
    assert gm.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-10)


def test_binomial_by_hand_equals_fit():
    X, trials = _coins()
    kw = dict(probs_init=[[0.7, 0.6], [0.2, 0.25]], weights_init=[0.5, 0.5])
    bm = BinomialMixture(2, **kw).initialize(X[:50], n_trials=trials[:50])
    idx = np.array_split(np.arange(X.shape[0]), 4)
    for _ in range(10):
        bm.m_step(sum(bm.statistics(X[i], n_trials=trials[i]) for i in idx))
    with quiet():
        ref = BinomialMixture(2, max_iter=10, tol=0, **kw).fit(X, n_trials=trials)
    np.testing.assert_allclose(bm.probs_, ref.probs_, rtol=1e-7)
    np.testing.assert_allclose(bm.weights_, ref.weights_, rtol=1e-7)


def test_initialize_uses_the_estimators_initialisation():
    X, _ = _blobs(n=2000)
    a = GaussianMixture(4, random_state=5, max_iter=1)
    with quiet():
        a.fit(X)
    b = GaussianMixture(4, random_state=5).initialize(X)
    # fit's history starts at the initial parameters: the same as initialize's
    with quiet():
        c = GaussianMixture(4, random_state=5, max_iter=1, record_history=True).fit(X)
    np.testing.assert_allclose(b.means_, c.history_["means"][0], rtol=1e-12)
    assert b.n_iter_ == 0 and a.n_iter_ == 1


# ------------------------------------------------------------------ streaming

def test_partial_fit_kmeans_equals_scikit_learn_minibatch():
    from sklearn.cluster import MiniBatchKMeans

    X, _ = _blobs(n=3000, seed=4)
    init = X[:4].copy()
    # eta = 1 / (t + 1): every centre is the mean of all rows ever assigned to it
    ours = KMeans(4, init=init, learning_offset=1.0, learning_decay=1.0)
    theirs = MiniBatchKMeans(4, init=init, n_init=1, reassignment_ratio=0.0)
    for batch in np.array_split(X, 12):
        ours.partial_fit(batch)
        theirs.partial_fit(batch)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-10)
    assert ours.n_steps_ == 12


@pytest.mark.parametrize("model", ["kmeans", "gmm-full", "gmm-diag", "binomial"])
def test_three_passes_of_partial_fit_come_within_two_percent_of_fit(model):
    rng = np.random.default_rng(7)
    X, _ = _blobs(n=30_000, k=5, seed=7)
    batches = np.array_split(X, 60)
    if model == "kmeans":
        init = X[rng.choice(X.shape[0], 5, replace=False)]
        stream, batch_fit = KMeans(5, init=init), KMeans(5, init=init)
    elif model.startswith("gmm"):
        start = _gmm_start(X, 5, model[4:])
        stream, batch_fit = GaussianMixture(5, **start), GaussianMixture(5, **start)
    else:
        z = rng.random(30_000) < 0.3
        X = rng.binomial(12, np.where(z, 0.7, 0.25)[:, None] * [1.0, 0.8, 0.9],
                         size=(30_000, 3))
        batches = np.array_split(X, 60)
        kw = dict(n_trials=12, probs_init=[[0.5] * 3, [0.4] * 3], weights_init=[0.5, 0.5])
        stream, batch_fit = BinomialMixture(2, **kw), BinomialMixture(2, **kw)
    for _ in range(3):
        for b in batches:
            stream.partial_fit(b)
    with quiet():
        batch_fit.fit(X)
    assert stream.n_steps_ == 180
    ours, best = stream.score(X), batch_fit.score(X)
    assert abs(ours - best) <= 0.02 * abs(best), (ours, best)


def test_step_size_and_its_parameters():
    gm = GaussianMixture(2, learning_offset=3.0, learning_decay=0.75)
    assert gm.step_size(0) == 1.0
    assert gm.step_size(5) == pytest.approx((5 + 3.0) ** -0.75)
    X, _ = _blobs(n=200)
    for bad in (0.5, 1.2, -1):
        with pytest.raises(ValueError, match="learning_decay"):
            GaussianMixture(2, learning_decay=bad).partial_fit(X)
    with pytest.raises(ValueError, match="learning_offset"):
        BinomialMixture(2, n_trials=5, learning_offset=-1.0).partial_fit([1, 2, 3])


def test_stepwise_blend_is_the_documented_average():
    # two batches: running statistics are (1 - eta) * first/w1 + eta * second/w2
    X, _ = _blobs(n=1000)
    start = _gmm_start(X, 2, "diag")
    gm = GaussianMixture(2, **start).partial_fit(X[:500])
    params_after_one = gm.means_.copy()
    s1 = GaussianMixture(2, **start).initialize(X).statistics(X[:500])
    oracle = GaussianMixture(2, **start).initialize(X)
    oracle.means_ = params_after_one
    assert gm.n_steps_ == 1
    np.testing.assert_allclose(params_after_one, s1.center + s1.S1 / s1.N[:, None],
                               rtol=1e-10)
    gm2 = GaussianMixture(2, **start).partial_fit(X[:500])
    s2 = gm2.statistics(X[500:])
    gm2.partial_fit(X[500:])
    eta = gm2.step_size(1)
    first = (s1 * (1 / s1.weight)).recentered(s2.center)
    N = (1 - eta) * first.N + eta * s2.N / s2.weight
    S1 = (1 - eta) * first.S1 + eta * s2.S1 / s2.weight
    np.testing.assert_allclose(gm2.means_, s2.center + S1 / (N + 10 * np.finfo(float).eps)[:, None],
                               rtol=1e-10)
    np.testing.assert_allclose(gm2.weights_, N / N.sum(), rtol=1e-10)


def test_partial_fit_checks_its_batches():
    X, _ = _blobs(n=100)
    with pytest.raises(ValueError, match="n_samples=2 should be >= n_clusters=4"):
        KMeans(4).partial_fit(X[:2])
    km = KMeans(4, random_state=0).partial_fit(X)
    with pytest.raises(ValueError, match="features"):
        km.partial_fit(X[:, :2])
    km.partial_fit(X[:1])  # later batches may be small
    assert km.n_steps_ == 2
    with quiet():
        km.fit(X)
    assert km._stream is None  # fit ends the stream
    km.partial_fit(X)
    assert km.n_steps_ == 1


def test_review_fixes_for_the_statistics_api():
    X, centers = _blobs(n=300)
    # a chunk of weight 0 gives empty statistics, which add like any others
    km = KMeans(4, init=centers).initialize(X)
    empty = km.statistics(X[:10], sample_weight=np.zeros(10))
    assert empty.weight == 0 and not empty.counts.any()
    whole = km.statistics(X[10:]) + empty
    np.testing.assert_allclose(whole.sums, km.statistics(X[10:]).sums)
    bm = BinomialMixture(2, n_trials=5, probs_init=[0.2, 0.7]).initialize([1, 2, 3, 4])
    assert bm.statistics([1, 2], sample_weight=[0, 0]).weight == 0
    # partial_fit on a batch of weight 0 changes nothing
    before = km.cluster_centers_.copy()
    km.partial_fit(X[:10])
    moved = km.cluster_centers_.copy()
    km.partial_fit(X[:10], sample_weight=np.zeros(10))
    np.testing.assert_array_equal(km.cluster_centers_, moved)
    assert not np.array_equal(before, moved)
    # m_step checks the hyper-parameters it uses
    gm = GaussianMixture(2, covariance_type="diag").initialize(X)
    stats = gm.statistics(X)
    gm.set_params(covariance_type="bogus")
    with pytest.raises(ValueError, match="covariance_type"):
        gm.m_step(stats)
    gm.set_params(covariance_type="full")
    with pytest.raises(ValueError, match="covariance_type='diag', not 'full'"):
        gm.m_step(stats)
    with pytest.raises(TypeError, match="fit_weights"):
        BinomialMixture(2, n_trials=5, fit_weights="no").initialize([1, 2, 3]).m_step(
            bm.statistics([1, 2]))
    # initialize after a fit forgets what described the fit
    with quiet():
        km2 = KMeans(4, random_state=0).fit(X)
    km2.initialize(X[:50])
    assert not hasattr(km2, "labels_") and not hasattr(km2, "inertia_")
    assert km2.n_iter_ == 0 and km2.n_steps_ == 0
