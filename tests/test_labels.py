"""Partial labels (``fit(X, labels=...)``, -1 for an unlabelled row) and fixed parameters
(``fit_weights``, ``fit_means``, ``fit_covariances``, ``fit_probs``).

Oracles: the naive per-row steps of tests/naive.py with the labelled rows'
responsibilities fixed, closed-form supervised estimates in NumPy, and the
unsupervised fits.
"""

import warnings

import numpy as np
import pytest

from fastem import BinomialMixture, GaussianMixture, KMeans
from fastem.gaussian_mixture import COVARIANCE_TYPES as ALL_TYPES
from fastem.gaussian_mixture import component_covariance
from conftest import BACKENDS
import naive


def _two_blobs(seed=0, n=300, shift=3.0, d=2):
    rng = np.random.default_rng(seed)
    truth = (rng.uniform(size=n) < 0.4).astype(np.int64)
    X = rng.normal(size=(n, d)) * np.where(truth[:, None] == 0, 1.0, 0.6)
    X[truth == 1, 0] += shift
    return X, truth


def _partial(truth, n_labelled, seed=0):
    rng = np.random.default_rng(seed + 100)
    y = np.full(truth.size, -1)
    rows = rng.choice(truth.size, n_labelled, replace=False)
    y[rows] = truth[rows]
    return y


def _full_covariances(gm):
    k, d = gm.means_.shape
    return np.array([component_covariance(gm.covariances_, gm.covariance_type, c, d)
                     for c in range(k)])


# -------------------------------------------------------------- the E-step

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ct", ALL_TYPES)
def test_gmm_statistics_fix_labelled_responsibilities(ct, backend):
    X, truth = _two_blobs(1, n=120, shift=1.0, d=3)
    y = _partial(truth, 25)
    w = np.random.default_rng(2).uniform(0.5, 2.0, X.shape[0])
    gm = GaussianMixture(2, covariance_type=ct, backend=backend,
                         random_state=0).initialize(X, labels=y, sample_weight=w)
    stats = gm.statistics(X, labels=y, sample_weight=w).recentered(gm.means_)
    _, _, N, S1, S2, total = naive.gmm_step(X, w, gm.weights_, gm.means_,
                                            _full_covariances(gm), labels=y)
    np.testing.assert_allclose(stats.N, N, rtol=1e-10)
    np.testing.assert_allclose(stats.S1, S1, rtol=1e-9, atol=1e-9)
    S2n = S2 if stats.S2.ndim == 3 else np.diagonal(S2, axis1=1, axis2=2)
    np.testing.assert_allclose(stats.S2, S2n, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(stats.objective, total, rtol=1e-10)
    assert stats.weight == pytest.approx(w.sum())
    assert stats.n_samples == X.shape[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_gmm_missing_statistics_fix_labelled_responsibilities(backend):
    rng = np.random.default_rng(3)
    X, truth = _two_blobs(3, n=150, shift=1.5, d=4)
    X[rng.uniform(size=X.shape) < 0.2] = np.nan
    y = _partial(truth, 40)
    gm = GaussianMixture(2, missing="em", backend=backend, random_state=0).initialize(X, labels=y)
    stats = gm.statistics(X, labels=y).recentered(gm.means_)
    _, _, N, S1, S2, total, _ = naive.gmm_missing_step(X, np.ones(X.shape[0]), gm.weights_,
                                                       gm.means_, gm.covariances_, labels=y)
    np.testing.assert_allclose(stats.N, N, rtol=1e-10)
    np.testing.assert_allclose(stats.S1, S1, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(stats.S2, S2, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(stats.objective, total, rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_binomial_statistics_fix_labelled_responsibilities(backend):
    rng = np.random.default_rng(4)
    truth = (rng.uniform(size=200) < 0.5).astype(int)
    C = rng.binomial(10, np.where(truth == 0, 0.35, 0.6)[:, None] * np.ones((1, 3)))
    y = _partial(truth, 30)
    bm = BinomialMixture(2, n_trials=10, backend=backend, random_state=0).initialize(C, labels=y)
    stats = bm.statistics(C, labels=y)
    _, _, N, SX, SN, total = naive.binomial_step(C.astype(float), 10, np.ones(200),
                                                 bm.weights_, bm.probs_, labels=y)
    np.testing.assert_allclose(stats.N, N, rtol=1e-10)
    np.testing.assert_allclose(stats.SX, SX, rtol=1e-10)
    np.testing.assert_allclose(stats.SN, SN, rtol=1e-10)
    np.testing.assert_allclose(stats.objective, total, rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_statistics_fix_labelled_assignments(backend):
    X, truth = _two_blobs(5, n=200, shift=1.0)
    y = _partial(truth, 50)
    w = np.random.default_rng(5).uniform(0.5, 2.0, 200)
    km = KMeans(2, backend=backend, random_state=0).initialize(X, labels=y, sample_weight=w)
    stats = km.statistics(X, labels=y, sample_weight=w)
    labels, sums, wsums, inertia, _ = naive.kmeans_step(X, w, km.cluster_centers_,
                                                        labels_fixed=y)
    assert (labels[y >= 0] == y[y >= 0]).all()
    np.testing.assert_allclose(stats.counts, wsums, rtol=1e-12)
    np.testing.assert_allclose(stats.recentered(np.zeros((2, 2))).sums, sums, rtol=1e-10)
    np.testing.assert_allclose(stats.objective, inertia, rtol=1e-10)


# ------------------------------------------------------------- whole fits

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ct", ALL_TYPES)
def test_gmm_fit_equals_naive_semi_supervised_em(ct, backend):
    # ten iterations of the naive semi-supervised EM from the fit's own start
    X, truth = _two_blobs(6, n=150, shift=1.2)
    y = _partial(truth, 20)
    start = GaussianMixture(2, covariance_type=ct, random_state=1).initialize(X, labels=y)
    gm = GaussianMixture(2, covariance_type=ct, backend=backend, max_iter=10, tol=0,
                         reg_covar=0, weights_init=start.weights_, means_init=start.means_,
                         precisions_init=start.precisions_).fit(X, labels=y)
    weights, means, covs = start.weights_, start.means_, _full_covariances(start)
    ones = np.ones(X.shape[0])
    for _ in range(10):
        _, resp, N, S1, S2, _ = naive.gmm_step(X, ones, weights, means, covs, labels=y)
        weights = N / N.sum()
        delta = S1 / N[:, None]
        scatter = S2 - N[:, None, None] * delta[:, :, None] * delta[:, None, :]
        means = means + delta
        covs = scatter / N[:, None, None]
        if ct == "tied":
            covs = np.repeat(scatter.sum(0)[None] / N.sum(), 2, axis=0)
        elif ct in ("diag", "spherical", "tied_diag", "tied_spherical"):
            var = np.diagonal(scatter, axis1=1, axis2=2)
            if ct == "diag":
                var = var / N[:, None]
            elif ct == "spherical":
                var = np.repeat((var / N[:, None]).mean(1, keepdims=True), 2, axis=1)
            elif ct == "tied_diag":
                var = np.repeat(var.sum(0, keepdims=True) / N.sum(), 2, axis=0)
            else:
                var = np.full((2, 2), var.sum() / N.sum() / 2)
            covs = np.array([np.diag(v) for v in var])
    np.testing.assert_allclose(gm.weights_, weights, rtol=1e-8)
    np.testing.assert_allclose(gm.means_, means, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(_full_covariances(gm), covs, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ct", ALL_TYPES)
@pytest.mark.parametrize("init", ["kmeans", "k-means++", "random", "random_from_data"])
def test_gmm_objective_never_decreases(ct, init, backend):
    X, truth = _two_blobs(7, n=200, shift=1.0)
    y = _partial(truth, 15)
    gm = GaussianMixture(2, covariance_type=ct, init_params=init, backend=backend,
                         tol=1e-8, max_iter=200, random_state=0).fit(X, labels=y)
    assert np.all(np.diff(gm.lower_bounds_) >= -1e-12)
    assert gm.converged_
    # the objective is the labelled rows' complete-data and the others' observed-data
    # log-likelihood, per unit of weight
    stats = gm.statistics(X, labels=y)
    assert gm.lower_bounds_[-1] == pytest.approx(stats.objective / stats.weight, abs=1e-7)


@pytest.mark.parametrize("backend", BACKENDS)
def test_binomial_and_kmeans_objectives_never_worsen(backend):
    rng = np.random.default_rng(8)
    truth = (rng.uniform(size=300) < 0.5).astype(int)
    C = rng.binomial(6, np.where(truth == 0, 0.4, 0.6)[:, None] * np.ones((1, 2)))
    y = _partial(truth, 20)
    for init in ("random", "kmeans"):
        bm = BinomialMixture(2, n_trials=6, init_params=init, tol=1e-10, backend=backend,
                             random_state=0).fit(C, labels=y)
        assert np.all(np.diff(bm.lower_bounds_) >= -1e-12)
    X, truth = _two_blobs(8, n=300, shift=1.0)
    km = KMeans(3, tol=0, backend=backend, random_state=0, record_history=True).fit(
        X, labels=_partial(truth, 30))
    assert np.all(np.diff(km.history_["objective"]) <= 1e-9)


@pytest.mark.parametrize("ct", ALL_TYPES)
def test_gmm_fully_labelled_is_supervised_estimation(ct):
    X, truth = _two_blobs(9, n=250, shift=2.0, d=3)
    w = np.random.default_rng(9).integers(1, 4, X.shape[0]).astype(float)
    gm = GaussianMixture(2, covariance_type=ct, reg_covar=0).fit(X, labels=truth, sample_weight=w)
    assert gm.n_iter_ == 1 and gm.converged_
    W = np.array([w[truth == c].sum() for c in (0, 1)])
    means = np.array([w[truth == c] @ X[truth == c] / W[c] for c in (0, 1)])
    scatter = np.array([(w[truth == c, None] * (X[truth == c] - means[c])).T
                        @ (X[truth == c] - means[c]) for c in (0, 1)])
    np.testing.assert_allclose(gm.weights_, W / W.sum(), rtol=1e-12)
    np.testing.assert_allclose(gm.means_, means, rtol=1e-12, atol=1e-14)
    expected = {
        "full": scatter / W[:, None, None],
        "tied": scatter.sum(0) / W.sum(),
        "diag": np.diagonal(scatter, axis1=1, axis2=2) / W[:, None],
        "spherical": np.diagonal(scatter, axis1=1, axis2=2).mean(1) / W,
        "tied_diag": np.diagonal(scatter, axis1=1, axis2=2).sum(0) / W.sum(),
        "tied_spherical": np.trace(scatter.sum(0)) / W.sum() / 3,
    }[ct]
    np.testing.assert_allclose(gm.covariances_, expected, rtol=1e-10)
    np.testing.assert_array_equal(gm.fit_predict(X, labels=truth, sample_weight=w), truth)


def test_binomial_and_kmeans_fully_labelled():
    rng = np.random.default_rng(10)
    truth = rng.integers(0, 3, 300)
    C = rng.binomial(12, np.array([[0.2, 0.5], [0.5, 0.8], [0.7, 0.3]])[truth])
    bm = BinomialMixture(3, n_trials=12).fit(C, labels=truth)
    assert bm.n_iter_ == 1
    probs = np.array([C[truth == c].mean(0) / 12 for c in range(3)])
    np.testing.assert_allclose(bm.probs_, probs, rtol=1e-12)
    np.testing.assert_allclose(bm.weights_, np.bincount(truth) / 300, rtol=1e-12)
    X = rng.normal(size=(300, 2)) + truth[:, None]
    km = KMeans(3).fit(X, labels=truth)
    means = np.array([X[truth == c].mean(0) for c in range(3)])
    np.testing.assert_allclose(km.cluster_centers_, means, rtol=1e-12)
    np.testing.assert_array_equal(km.labels_, truth)
    naive_inertia = sum(((X[truth == c] - means[c]) ** 2).sum() for c in range(3))
    assert km.inertia_ == pytest.approx(naive_inertia, rel=1e-12)


def test_fully_labelled_needs_every_component():
    X, truth = _two_blobs(11, n=60)
    for est in (GaussianMixture(3), KMeans(3), BinomialMixture(3, n_trials=5)):
        data = np.clip(np.round(X[:, 0] + 2), 0, 5) if isinstance(est, BinomialMixture) else X
        with pytest.raises(ValueError, match="component 2 has no labelled row"):
            est.fit(data, labels=truth)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_labelled_rows_keep_their_label(backend):
    X, truth = _two_blobs(12, n=400, shift=0.8)
    y = _partial(truth, 80)
    km = KMeans(2, backend=backend, random_state=0, tol=0).fit(X, labels=y)
    assert (km.labels_[y >= 0] == y[y >= 0]).all()
    unl = y < 0
    np.testing.assert_array_equal(km.labels_[unl], km.predict(X[unl]))
    # the centres are the means of their rows: a fixed point of constrained K-Means
    for c in range(2):
        np.testing.assert_allclose(km.cluster_centers_[c], X[km.labels_ == c].mean(0),
                                   rtol=1e-10)
    np.testing.assert_array_equal(km.fit_predict(X, labels=y), km.labels_)


@pytest.mark.parametrize("algorithm", ["hamerly", "yinyang"])
def test_kmeans_labels_with_bounded_searches_equal_lloyd(algorithm):
    rng = np.random.default_rng(13)
    X = rng.normal(size=(3000, 2)) + rng.integers(0, 40, (3000, 1)) * 0.7
    y = np.full(3000, -1)
    rows = rng.choice(3000, 300, replace=False)
    y[rows] = rng.integers(0, 40, 300)
    lloyd = KMeans(40, algorithm="lloyd", random_state=0, tol=0).fit(X, labels=y)
    other = KMeans(40, algorithm=algorithm, random_state=0, tol=0).fit(X, labels=y)
    np.testing.assert_array_equal(other.labels_, lloyd.labels_)
    np.testing.assert_allclose(other.cluster_centers_, lloyd.cluster_centers_, rtol=1e-10)
    assert other.inertia_ == pytest.approx(lloyd.inertia_, rel=1e-10)


def test_seeded_kmeans_starts_at_labelled_means():
    X, truth = _two_blobs(14, n=200, shift=4.0)
    y = _partial(truth, 10)
    for init in ("k-means++", "random"):
        km = KMeans(3, init=init, random_state=0).initialize(X, labels=y)
        for c in np.unique(y[y >= 0]):
            np.testing.assert_allclose(km.cluster_centers_[c], X[y == c].mean(0))
        # the third cluster is seeded at an unlabelled row
        free = 2
        assert ((X[y < 0] == km.cluster_centers_[free]).all(axis=1)).any()


@pytest.mark.parametrize("init", ["random", "random_from_data", "k-means++"])
def test_gmm_labelled_component_starts_from_its_rows(init):
    X, truth = _two_blobs(15, n=300, shift=3.0)
    y = np.where(truth == 0, -1, truth)  # only component 1 labelled
    y[np.flatnonzero(truth == 1)[20:]] = -1
    gm = GaussianMixture(2, init_params=init, random_state=0).initialize(X, labels=y)
    # the one class, 1, is component 0 (classes_[0]); component 1 is free
    np.testing.assert_array_equal(gm.classes_, [1])
    rows = X[y == 1]
    np.testing.assert_allclose(gm.means_[0], rows.mean(0), rtol=1e-10)
    np.testing.assert_allclose(gm.covariances_[0], np.cov(rows.T, bias=True)
                               + 1e-6 * np.eye(2), rtol=1e-10)
    # the unlabelled component starts from unlabelled rows only
    assert np.abs(gm.means_[1] - rows.mean(0)).max() > 1.0


# ------------------------------------------------------ what labels are for

def _accuracy(pred, truth):
    a = np.mean(pred == truth)
    return max(a, 1.0 - a)  # the unsupervised fit: its better matching of the two


def test_few_labels_beat_the_unsupervised_fit_on_hard_data():
    # two overlapping, differently correlated Gaussians; 20 of 400 rows labelled
    semi, unsup = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        truth = (rng.uniform(size=400) < 0.5).astype(int)
        X = np.where(truth[:, None] == 0,
                     rng.multivariate_normal([0, 0], [[1, .6], [.6, 1]], 400),
                     rng.multivariate_normal([1.2, 0], [[1, -.6], [-.6, 1]], 400))
        y = _partial(truth, 20, seed)
        unsup.append(_accuracy(GaussianMixture(2, random_state=seed).fit(X).predict(X),
                               truth))
        semi.append(np.mean(GaussianMixture(2, random_state=seed).fit(X, labels=y).predict(X)
                            == truth))
    semi, unsup = np.array(semi), np.array(unsup)
    assert semi.mean() > unsup.mean() + 0.02
    assert np.mean(semi >= unsup) >= 0.6


def test_labels_that_agree_with_the_optimum_leave_it():
    X, _ = _two_blobs(16, n=400, shift=8.0)
    gm = GaussianMixture(2, tol=1e-12, max_iter=500, random_state=0).fit(X)
    labels = gm.predict(X)
    y = np.full(400, -1)
    y[::10] = labels[::10]  # posteriors of these rows are 1 to rounding
    semi = GaussianMixture(2, tol=1e-12, max_iter=500, weights_init=gm.weights_,
                           means_init=gm.means_, precisions_init=gm.precisions_).fit(X, labels=y)
    np.testing.assert_allclose(semi.means_, gm.means_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(semi.covariances_, gm.covariances_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(semi.weights_, gm.weights_, rtol=1e-9)
    km = KMeans(2, random_state=0).fit(X)
    again = KMeans(2, init=km.cluster_centers_).fit(X, labels=np.where(y >= 0, km.labels_, -1))
    np.testing.assert_allclose(again.cluster_centers_, km.cluster_centers_, rtol=1e-12)
    np.testing.assert_array_equal(again.labels_, km.labels_)


# ------------------------------------------- weights, streams, chunks, Dask

@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_weights_equal_repeated_labelled_rows(backend):
    X, truth = _two_blobs(17, n=120, shift=1.5)
    y = _partial(truth, 30)
    w = np.random.default_rng(17).integers(0, 4, 120)
    rep = np.repeat(np.arange(120), w)
    start = GaussianMixture(2, random_state=0).initialize(X, labels=y)
    kw = dict(weights_init=start.weights_, means_init=start.means_,
              precisions_init=start.precisions_, max_iter=20, tol=0, backend=backend)
    a = GaussianMixture(2, **kw).fit(X, labels=y, sample_weight=w.astype(float))
    b = GaussianMixture(2, **kw).fit(X[rep], labels=y[rep])
    np.testing.assert_allclose(a.means_, b.means_, rtol=1e-9)
    np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-9)
    assert a.lower_bound_ == pytest.approx(b.lower_bound_, rel=1e-10)


def test_chunked_statistics_with_labels_add_up():
    X, truth = _two_blobs(18, n=500, shift=1.0)
    y = _partial(truth, 100)
    for est in (GaussianMixture(2, random_state=0), KMeans(2, random_state=0)):
        est.initialize(X, labels=y)
        whole = est.statistics(X, labels=y)
        parts = sum(est.statistics(X[s:s + 97], labels=y[s:s + 97]) for s in range(0, 500, 97))
        for key, value in whole.arrays.items():
            np.testing.assert_allclose(parts.arrays[key], value, rtol=1e-10, atol=1e-10)
        assert parts.objective == pytest.approx(whole.objective, rel=1e-10)
        assert parts.n_samples == whole.n_samples == 500


def test_m_step_equals_the_fits_next_iteration():
    X, truth = _two_blobs(19, n=300, shift=1.0)
    y = _partial(truth, 40)
    gm = GaussianMixture(2, random_state=0).initialize(X, labels=y)
    start = dict(weights_init=gm.weights_, means_init=gm.means_,
                 precisions_init=gm.precisions_)
    gm.m_step(gm.statistics(X, labels=y))
    fit = GaussianMixture(2, max_iter=1, tol=0, **start).fit(X, labels=y)
    np.testing.assert_allclose(gm.means_, fit.means_, rtol=1e-12)
    np.testing.assert_allclose(gm.covariances_, fit.covariances_, rtol=1e-12)


def test_partial_fit_takes_labels_per_batch():
    X, truth = _two_blobs(20, n=2000, shift=2.0)
    y = _partial(truth, 200)
    gm = GaussianMixture(2, random_state=0)
    for s in range(0, 2000, 250):
        gm.partial_fit(X[s:s + 250], labels=y[s:s + 250])
    # the first batch starts each labelled component from its labelled rows, so the
    # components keep the labels' numbering
    np.testing.assert_allclose(gm.means_[1, 0], X[truth == 1, 0].mean(), atol=0.3)
    np.testing.assert_allclose(gm.means_[0, 0], X[truth == 0, 0].mean(), atol=0.3)
    km = KMeans(2, random_state=0)
    for s in range(0, 2000, 250):
        km.partial_fit(X[s:s + 250], labels=y[s:s + 250])
    assert km.cluster_centers_[1, 0] > km.cluster_centers_[0, 0] + 1.0


@pytest.mark.parametrize("Est", ["gmm", "kmeans", "binomial"])
def test_dask_fit_with_labels_equals_in_memory(Est):
    da = pytest.importorskip("dask.array")
    X, truth = _two_blobs(21, n=600, shift=1.5)
    y = _partial(truth, 60)
    kw = {}
    if Est == "binomial":
        X = np.clip(np.round(X + 3), 0, 8)
        make = lambda **k: BinomialMixture(2, n_trials=8, tol=0, max_iter=15, **k)  # noqa
        start = make(random_state=0).initialize(X, labels=y)
        kw = dict(weights_init=start.weights_, probs_init=start.probs_)
    elif Est == "gmm":
        make = lambda **k: GaussianMixture(2, tol=0, max_iter=15, **k)  # noqa
        start = make(random_state=0).initialize(X, labels=y)
        kw = dict(weights_init=start.weights_, means_init=start.means_,
                  precisions_init=start.precisions_)
    else:
        make = lambda **k: KMeans(2, tol=0, max_iter=15, **k)  # noqa
        kw = dict(init=KMeans(2, random_state=0).initialize(X, labels=y).cluster_centers_)
    mem = make(**kw).fit(X, labels=y)
    dsk = make(**kw).fit(da.from_array(X, chunks=(130, -1)), labels=da.from_array(y, chunks=130))
    for name in ("means_", "covariances_", "weights_", "probs_", "cluster_centers_"):
        if hasattr(mem, name):
            np.testing.assert_allclose(getattr(dsk, name), getattr(mem, name), rtol=1e-9)
    if Est == "kmeans":
        np.testing.assert_array_equal(np.asarray(dsk.labels_), mem.labels_)


def test_missing_values_and_labels():
    rng = np.random.default_rng(22)
    X, truth = _two_blobs(22, n=300, shift=2.0, d=3)
    X[rng.uniform(size=X.shape) < 0.15] = np.nan
    y = _partial(truth, 30)
    for ct in ALL_TYPES:
        gm = GaussianMixture(2, covariance_type=ct, missing="em", tol=1e-8,
                             random_state=0).fit(X, labels=y)
        assert np.all(np.diff(gm.lower_bounds_) >= -1e-12)
        assert (gm.fit_predict(X, labels=y)[y >= 0] == y[y >= 0]).all()
    C = rng.binomial(5, 0.5, size=(300, 2)).astype(float)
    C[rng.uniform(size=C.shape) < 0.2] = np.nan
    bm = BinomialMixture(2, n_trials=5, missing="em", random_state=0).fit(C, labels=y)
    assert np.isfinite(bm.probs_).all()


# ----------------------------------------------------------------- errors

@pytest.mark.parametrize("est", [GaussianMixture(2), KMeans(2), BinomialMixture(2, n_trials=9)])
def test_bad_labels_are_refused(est):
    X = np.abs(np.round(_two_blobs(23, n=40)[0] * 2))
    for y, err, match in [
            (np.arange(40) % 3, ValueError, r"labels has 3 classes \(0, 1, 2\) but the model "
                                            "has 2 components"),
            (np.zeros(39, int), ValueError, r"labels.shape == \(39,\), expected \(40,\)"),
            (np.zeros((40, 1), int), ValueError, "one per sample"),
            (np.array(["a", 1] * 20, dtype=object), TypeError, "mixes strings and numbers"),
            (np.full(40, np.inf), ValueError, "infinity"),
            (np.ones(40, dtype=bool), TypeError, "booleans"),
            (np.ones(40) * 1j, TypeError, "numbers or strings")]:
        with pytest.raises(err, match=match):
            est.fit(X, labels=y)
    assert not hasattr(est, "classes_")  # a refused fit sets nothing


def test_labels_take_any_class_values_and_map_them_to_components():
    # R's 1..k codes, strings, fractions: the sorted classes are classes_, class
    # classes_[j] is component j; -1, None and NaN mark an unlabelled row
    X, truth = _two_blobs(24, n=200)
    y = _partial(truth, 30)
    ref = GaussianMixture(2, random_state=0).fit(X, labels=y)
    np.testing.assert_array_equal(ref.classes_, [0, 1])
    names = np.array(["setosa", "virginica"], dtype=object)
    for labels, classes in ((np.where(y >= 0, y + 1, -1), [1, 2]),
                            (np.where(y >= 0, y * 0.5 + 0.25, np.nan), [0.25, 0.75]),
                            (np.where(y >= 0, names[np.maximum(y, 0)], None),
                             ["setosa", "virginica"]),
                            (list(y.astype(float)), [0.0, 1.0])):
        gm = GaussianMixture(2, random_state=0).fit(X, labels=labels)
        np.testing.assert_array_equal(gm.classes_, classes)
        np.testing.assert_array_equal(gm.means_, ref.means_)
        np.testing.assert_array_equal(gm.fit_predict(X, labels=labels), ref.fit_predict(
            X, labels=y))
    # a pandas nullable column: pd.NA is unlabelled, as NaN is
    pd = pytest.importorskip("pandas")
    series = pd.Series(np.where(y >= 0, y + 1, -1)).astype("Int64").mask(y < 0)
    gm = GaussianMixture(2, random_state=0).fit(X, labels=series)
    np.testing.assert_array_equal(gm.classes_, [1, 2])
    np.testing.assert_array_equal(gm.means_, ref.means_)
    # fewer classes than components: the classes take the first components
    only_one = np.where(y == 1, "b", None)
    gm = GaussianMixture(2, random_state=0).fit(X, labels=only_one)
    np.testing.assert_array_equal(gm.classes_, ["b"])
    assert (gm.fit_predict(X, labels=only_one)[y == 1] == 0).all()
    # a fit without labels keeps no classes_ of an earlier one
    assert not hasattr(gm.fit(X), "classes_")


def test_batches_map_labels_by_the_classes_of_the_first():
    X, truth = _two_blobs(25, n=400)
    names = np.array(["a", "b"])
    y = _partial(truth, 60)
    labels = np.where(y >= 0, names[np.maximum(y, 0)], None)
    gm = GaussianMixture(2, random_state=0)
    gm.partial_fit(X[:200], labels=np.where(y[:200] == 1, labels[:200], None))  # "b" only
    np.testing.assert_array_equal(gm.classes_, ["b"])
    gm.partial_fit(X[200:], labels=labels[200:])  # "a" is new: the next component
    np.testing.assert_array_equal(gm.classes_, ["b", "a"])
    stats = gm.statistics(X, labels=labels)
    codes = np.where(labels == "b", 0, np.where(labels == "a", 1, -1))
    np.testing.assert_allclose(stats.N, gm.statistics(X, labels=np.where(
        codes >= 0, np.array(["b", "a"])[np.maximum(codes, 0)], None)).N, rtol=1e-12)
    with pytest.raises(ValueError, match="3 classes"):
        gm.statistics(X, labels=np.where(y >= 0, "c", labels))
    assert list(gm.classes_) == ["b", "a"]  # a refused batch adds no class


def test_labels_as_whole_floats_and_lists():
    X, truth = _two_blobs(24, n=100)
    y = _partial(truth, 10)
    a = GaussianMixture(2, random_state=0).fit(X, labels=y)
    b = GaussianMixture(2, random_state=0).fit(X, labels=list(y.astype(float)))
    np.testing.assert_array_equal(a.means_, b.means_)
    c = GaussianMixture(2, random_state=0).fit(X, labels=np.full(100, -1))
    d = GaussianMixture(2, random_state=0).fit(X)
    np.testing.assert_array_equal(c.means_, d.means_)


# --------------------------------------------------------- fixed parameters

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ct", ALL_TYPES)
def test_fixed_parameters_stay_bitwise(ct, backend):
    X, _ = _two_blobs(25, n=300, shift=2.0, d=3)
    start = GaussianMixture(2, covariance_type=ct, random_state=0).fit(X)
    init = dict(weights_init=np.array([0.25, 0.75]), means_init=start.means_ + 0.1,
                precisions_init=start.precisions_)
    free = GaussianMixture(2, covariance_type=ct, backend=backend, **init).fit(X)
    for flags in ({"fit_weights": False}, {"fit_means": False},
                  {"fit_covariances": False},
                  {"fit_weights": False, "fit_means": False, "fit_covariances": False}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gm = GaussianMixture(2, covariance_type=ct, backend=backend, **init,
                                 **flags).fit(X)
        first = GaussianMixture(2, covariance_type=ct, backend=backend, max_iter=1,
                                **init, **flags).initialize(X)
        if not flags.get("fit_weights", True):
            np.testing.assert_array_equal(gm.weights_, init["weights_init"])
        else:
            assert not np.array_equal(gm.weights_, init["weights_init"])
        if not flags.get("fit_means", True):
            np.testing.assert_array_equal(gm.means_, init["means_init"])
        else:
            assert not np.array_equal(gm.means_, init["means_init"])
        if not flags.get("fit_covariances", True):
            np.testing.assert_array_equal(gm.precisions_cholesky_,
                                          first.precisions_cholesky_)
            np.testing.assert_array_equal(gm.covariances_, first.covariances_)
        else:
            assert not np.array_equal(gm.covariances_, free.covariances_) or \
                flags.get("fit_means", True) and flags.get("fit_weights", True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fixed_means_covariances_are_the_scatter_about_them(backend):
    # one M-step with the means fixed: weighted scatter about the fixed means
    X, _ = _two_blobs(26, n=200, shift=1.5, d=2)
    means = np.array([[0.0, 0.0], [1.5, 0.0]])
    start = GaussianMixture(2, random_state=0).fit(X)
    gm = GaussianMixture(2, fit_means=False, means_init=means, weights_init=start.weights_,
                         precisions_init=start.precisions_, max_iter=1, tol=0,
                         reg_covar=0, backend=backend).fit(X)
    _, resp, N, _, _, _ = naive.gmm_step(X, np.ones(200), start.weights_, means,
                                         start.covariances_)
    covs = np.array([(resp[:, c, None] * (X - means[c])).T @ (X - means[c]) / N[c]
                     for c in range(2)])
    np.testing.assert_allclose(gm.covariances_, covs, rtol=1e-10)
    np.testing.assert_allclose(gm.weights_, N / N.sum(), rtol=1e-10)


def test_fixed_flags_need_their_initial_values():
    X, _ = _two_blobs(27, n=50)
    for flag, init in (("fit_weights", "weights_init"), ("fit_means", "means_init"),
                       ("fit_covariances", "precisions_init")):
        with pytest.raises(ValueError, match=f"{flag}=False keeps the .* at {init}: give"):
            GaussianMixture(2, **{flag: False}).fit(X)
    with pytest.raises(ValueError, match="fit_probs=False keeps the probs at probs_init"):
        BinomialMixture(2, n_trials=3, fit_probs=False).fit([0, 1, 2, 3])
    with pytest.raises(TypeError, match="fit_means"):
        GaussianMixture(2, fit_means="no").fit(X)


@pytest.mark.parametrize("ct", ALL_TYPES)
def test_bic_counts_fitted_parameters_only(ct):
    X, _ = _two_blobs(28, n=200, shift=2.0, d=3)
    start = GaussianMixture(2, covariance_type=ct, random_state=0).fit(X)
    k, d = 2, 3
    n_cov = {"full": k * d * (d + 1) // 2, "tied": d * (d + 1) // 2, "diag": k * d,
             "spherical": k, "tied_diag": d, "tied_spherical": 1}[ct]
    for flags, count in (({}, n_cov + k * d + k - 1),
                         ({"fit_weights": False}, n_cov + k * d),
                         ({"fit_means": False}, n_cov + k - 1),
                         ({"fit_covariances": False}, k * d + k - 1)):
        gm = GaussianMixture(2, covariance_type=ct, weights_init=start.weights_,
                             means_init=start.means_, precisions_init=start.precisions_,
                             **flags).fit(X)
        ll = gm.score(X) * 200
        assert gm.bic(X) == pytest.approx(-2 * ll + count * np.log(200), rel=1e-12)
        assert gm.aic(X) == pytest.approx(-2 * ll + 2 * count, rel=1e-12)
    bm = BinomialMixture(2, n_trials=4, fit_probs=False, probs_init=[0.2, 0.7]).fit(
        np.array([0, 1, 1, 2, 3, 4, 4, 3]))
    assert bm._n_parameters() == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_binomial_fixed_probs_estimates_the_weights(backend):
    rng = np.random.default_rng(29)
    C = np.where(rng.uniform(size=500) < 0.3, rng.binomial(10, 0.2, 500),
                 rng.binomial(10, 0.7, 500))
    bm = BinomialMixture(2, n_trials=10, fit_probs=False, probs_init=[0.2, 0.7],
                         weights_init=[0.5, 0.5], tol=0, max_iter=30,
                         backend=backend).fit(C)
    np.testing.assert_array_equal(bm.probs_, [0.2, 0.7])
    weights = np.array([0.5, 0.5])
    for _ in range(30):
        _, _, N, _, _, _ = naive.binomial_step(C[:, None].astype(float), 10, np.ones(500),
                                               weights, np.array([[0.2], [0.7]]))
        weights = N / N.sum()
    np.testing.assert_allclose(bm.weights_, weights, rtol=1e-9)


def test_partial_fit_and_m_step_respect_fixed_parameters():
    X, _ = _two_blobs(30, n=1000, shift=2.0)
    means = np.array([[0.0, 0.0], [3.0, 0.0]])
    gm = GaussianMixture(2, fit_means=False, means_init=means)
    for s in range(0, 1000, 200):
        gm.partial_fit(X[s:s + 200])
    np.testing.assert_array_equal(gm.means_, means)
    gm.m_step(gm.statistics(X))
    np.testing.assert_array_equal(gm.means_, means)
    bm = BinomialMixture(2, n_trials=5, fit_probs=False, probs_init=[0.3, 0.6])
    bm.partial_fit([0, 1, 5, 4, 3])
    bm.m_step(bm.statistics([1, 2, 3]))
    np.testing.assert_array_equal(bm.probs_, [0.3, 0.6])


# ------------------------------------------------------- R's mclust (MclustSSC)

# mclust 6.0.0: MclustSSC(iris[, 1:4], class, G = 3, modelNames = ...) with rows 1-5,
# 51-55 and 101-105 labelled by their species and the others NA; printed with
# sprintf("%.15g") (loglik: "%.12g"). Means: t(mean) by column; sigma: aperm(c(3, 1, 2)).
MCLUST_SSC = {
    "full": {  # "VVV"
        "loglik": -188.482684755,
        "pro": [0.33330328046171, 0.412359620333178, 0.254337099205112],
        "mean": [5.00604548346187, 6.19287624593891, 6.37386310953356, 3.42810135654444,
                 2.80784296907414, 2.97595139334679, 1.46201451395106, 4.62785687670319,
                 5.35653062821628, 0.245995066827282, 1.43549521077466, 2.06577063322389],
        "sigma": [
            0.121751954297332, 0.531231199436435, 0.258918704051285, 0.0971894752894951,
            0.138273905377923, 0.0741114735885063, 0.0160220741853769, 0.582203382427615,
            0.151712332612302, 0.0101273635150043, 0.180121292690868, 0.0714748568499622,
            0.0971894752894951, 0.138273905377923, 0.0741114735885063, 0.140714374332605,
            0.121318766357469, 0.0731884380621991, 0.0114486149874028, 0.145784548526204,
            0.0586674997561736, 0.00911829056975627, 0.0579359687597702,
            0.0482979176457677, 0.0160220741853769, 0.582203382427615, 0.151712332612302,
            0.0114486149874028, 0.145784548526204, 0.0586674997561736, 0.0295562969635166,
            0.789688759098417, 0.161482776320116, 0.00594930741978323, 0.248112902499687,
            0.0635091104776305, 0.0101273635150043, 0.180121292690868, 0.0714748568499622,
            0.00911829056975627, 0.0579359687597702, 0.0482979176457677,
            0.00594930741978323, 0.248112902499687, 0.0635091104776305,
            0.0108846910620112, 0.0919338549984919, 0.0736761933143318],
        "bic": -597.433322449,
    },
    "tied": {  # "EEE"
        "loglik": -256.362802024,
        "pro": [0.33333333333392, 0.329695427342982, 0.336971239323098],
        "mean": [5.00600000000055, 5.9424895903824, 6.57461160819412, 3.42799999999846,
                 2.76077816786719, 2.98082035377483, 1.46200000000337, 4.25884524118248,
                 5.53918152966076, 0.2460000000017, 1.31923822921868, 2.02505864581778],
        "sigma": [0.263970224676047, 0.089855176126797, 0.169689273396751,
                  0.0393480860626755, 0.089855176126797, 0.111947200586945,
                  0.0511175934644016, 0.0299740385929705, 0.169689273396751,
                  0.0511175934644016, 0.186517039924164, 0.0419486908357516,
                  0.0393480860626755, 0.0299740385929705, 0.0419486908357516,
                  0.0396901462748427],
        "bic": -632.980851107,
    },
}


@pytest.mark.parametrize("ct", ["full", "tied"])
def test_mclust_ssc_optimum_is_a_fixed_point_with_its_log_likelihood(ct):
    from sklearn.datasets import load_iris

    X, species = load_iris(return_X_y=True)
    y = np.full(150, -1)
    rows = np.r_[0:5, 50:55, 100:105]
    y[rows] = species[rows]
    ref = MCLUST_SSC[ct]
    means = np.array(ref["mean"]).reshape(4, 3).T
    sigma = np.array(ref["sigma"])
    cov = sigma.reshape(4, 4) if ct == "tied" else sigma.reshape(4, 4, 3).transpose(2, 0, 1)
    start = dict(weights_init=np.array(ref["pro"]) / np.sum(ref["pro"]), means_init=means,
                 precisions_init=np.linalg.inv(cov), reg_covar=0)
    gm = GaussianMixture(3, covariance_type=ct, **start).initialize(X, labels=y)
    # the semi-supervised log-likelihood at mclust's parameters is mclust's
    assert gm.statistics(X, labels=y).objective == pytest.approx(ref["loglik"], rel=1e-10)
    # and EM from there stays there (mclust stops at a relative change of 1e-5)
    fit = GaussianMixture(3, covariance_type=ct, tol=1e-9, max_iter=500, **start).fit(X, labels=y)
    np.testing.assert_allclose(fit.means_, means, rtol=2e-4)
    np.testing.assert_allclose(fit.covariances_, cov, rtol=5e-3, atol=2e-5)
    assert fit.lower_bound_ * 150 == pytest.approx(ref["loglik"], abs=1e-3)
    # mclust's BIC is 2 log L - p log n, fastem's (lower is better) its negative
    n_par = 44 if ct == "full" else 10 + 12 + 2
    assert -(2 * ref["loglik"] - n_par * np.log(150)) == pytest.approx(-ref["bic"],
                                                                      rel=1e-10)


def test_model_selection_passes_labels_to_every_fit():
    from fastem import ModelSelection

    X, truth = _two_blobs(31, n=300, shift=3.0)
    y = _partial(truth, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ms = ModelSelection(GaussianMixture(random_state=0),
                            {"n_components": [2, 3], "covariance_type": ["full", "diag"]}
                            ).fit(X, labels=y)
    best = ms.best_estimator_
    direct = GaussianMixture(random_state=0, **ms.best_params_).fit(X, labels=y)
    np.testing.assert_allclose(best.means_, direct.means_, rtol=1e-12)
    row = ms.best_index_
    stats = direct.statistics(X, labels=y)
    assert ms.results_["log_likelihood"][row] == pytest.approx(stats.objective, rel=1e-7)
    # a third class makes the combination with 2 components fail, not the search
    y1 = y.copy()
    y1[0] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ms = ModelSelection(GaussianMixture(random_state=0), {"n_components": [2, 3]}).fit(
            X, labels=y1)
    assert "labels has 3 classes" in ms.results_["error"][0]
    assert ms.best_params_ == {"n_components": 3}


def test_both_backends_agree_and_n_init_keeps_the_best():
    X, truth = _two_blobs(32, n=400, shift=1.0, d=3)
    y = _partial(truth, 40)
    rng = np.random.default_rng(32)
    X[rng.uniform(size=X.shape) < 0.1] = np.nan
    for ct in ALL_TYPES if len(BACKENDS) == 2 else ():
        a, b = (GaussianMixture(2, covariance_type=ct, missing="em", backend=be,
                                random_state=0, tol=1e-8).fit(X, labels=y) for be in BACKENDS)
        np.testing.assert_allclose(a.means_, b.means_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-8, atol=1e-10)
    Xc = np.nan_to_num(X)
    runs = [GaussianMixture(3, init_params="random", random_state=s).fit(Xc, labels=y)
            for s in np.random.SeedSequence(5).spawn(4)]
    best = GaussianMixture(3, init_params="random", n_init=4, random_state=5).fit(Xc, labels=y)
    assert best.lower_bound_ == pytest.approx(max(r.lower_bound_ for r in runs), rel=1e-12)


# ------------------------------------------------------ review: edge cases

def test_fully_labelled_with_holes_runs_em_to_its_end():
    # with holes the expectations move with the parameters: one M-step is not the
    # maximum-likelihood answer, so every row labelled still iterates
    rng = np.random.default_rng(40)
    X = rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], 400)
    truth = (X[:, 0] > 0).astype(int)
    X[rng.uniform(size=400) < 0.4, 1] = np.nan
    gm = GaussianMixture(2, missing="em", tol=1e-12, max_iter=1000).fit(X, labels=truth)
    assert gm.n_iter_ > 1 and gm.converged_
    before = gm.statistics(X, labels=truth).objective
    for _ in range(20):
        gm.m_step(gm.statistics(X, labels=truth))
    assert gm.statistics(X, labels=truth).objective == pytest.approx(before, abs=1e-8)
    # complete rows, every row labelled: one M-step
    assert GaussianMixture(2).fit(np.nan_to_num(X), labels=truth).n_iter_ == 1


def test_labelled_rows_with_nothing_observed_count_in_the_weights():
    # 100 observed rows labelled 0, 20 observed and 100 empty rows labelled 1: the
    # complete-data weights are 100 / 220 and 120 / 220
    rng = np.random.default_rng(41)
    X = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(4, 1, (20, 2)),
                   np.full((100, 2), np.nan)])
    y = np.r_[np.zeros(100, int), np.ones(120, int)]
    gm = GaussianMixture(2, missing="em").fit(X, labels=y)
    np.testing.assert_allclose(gm.weights_, [100 / 220, 120 / 220], rtol=1e-6)
    np.testing.assert_allclose(gm.means_[1], X[100:120].mean(0), rtol=1e-6)
    C = np.vstack([rng.binomial(10, 0.2, (100, 2)), rng.binomial(10, 0.8, (20, 2)),
                   np.zeros((100, 2))]).astype(float)
    C[120:] = np.nan
    bm = BinomialMixture(2, n_trials=10, missing="em").fit(C, labels=y)
    np.testing.assert_allclose(bm.weights_, [100 / 220, 120 / 220], rtol=1e-9)
    np.testing.assert_allclose(bm.probs_[1], C[100:120].mean(0) / 10, rtol=1e-9)
    # a component whose labelled rows have nothing observed has nothing to estimate
    with pytest.raises(ValueError, match="component 1 has no labelled row with an observed"):
        GaussianMixture(2, missing="em").fit(np.vstack([X[:100], X[120:]]),
                                              labels=np.r_[np.zeros(100, int), np.ones(100, int)])


def test_seeds_are_never_rows_with_nothing_observed():
    rng = np.random.default_rng(42)
    X = np.vstack([rng.normal(0, 1, (200, 2)), np.full((400, 2), np.nan)])
    y = np.full(600, -1)
    y[:10] = 0
    for seed in range(10):
        gm = GaussianMixture(2, missing="em", init_params="random_from_data",
                             random_state=seed).initialize(X, labels=y)
        assert np.isfinite(gm.means_).all()
        # the free component starts at an observed row, not at the column means
        assert (np.abs(X[:200] - gm.means_[1]).sum(axis=1) < 1e-12).any()


def test_a_labelled_component_of_weight_zero_is_named():
    X, truth = _two_blobs(43, n=100)
    y = _partial(truth, 10)
    for est in (GaussianMixture(2, weights_init=[1.0, 0.0]),
                GaussianMixture(2, weights_init=[1.0, 0.0], fit_weights=False),
                BinomialMixture(2, n_trials=9, fit_weights=False, weights_init=[1.0, 0.0])):
        data = np.clip(np.round(X[:, 0] + 3), 0, 9) if isinstance(est, BinomialMixture) else X
        with pytest.raises(ValueError, match="labels puts rows in component 1, whose weight "
                                             "is 0"):
            est.fit(data, labels=y)


def test_fixed_means_with_a_prior_take_the_mode_given_the_means():
    # Normal-inverse-Wishart prior, means held: the covariance's mode given them is
    # (scale + S + kappa (mu - mu0)(mu - mu0)^T) / (dof + n + d + 2)
    rng = np.random.default_rng(44)
    X = rng.normal(size=(300, 2)) * [1.0, 2.0] + [1.0, -1.0]
    mu = np.array([[0.5, 0.0]])
    gm = GaussianMixture(1, prior="default", fit_means=False, means_init=mu, max_iter=1,
                         tol=0, reg_covar=0).fit(X)
    prior = gm.prior_params_
    S = (X - mu).T @ (X - mu)
    dm = (mu - prior["mean"])[0]
    expected = (prior["scale"] + S + prior["shrinkage"] * np.outer(dm, dm)) / (
        prior["dof"] + 300 + 2 + 2)
    np.testing.assert_allclose(gm.covariances_[0], expected, rtol=1e-10)
    np.testing.assert_array_equal(gm.means_, mu)


def test_dask_labels_fully_labelled_and_checked_before_they_are_cast():
    da = pytest.importorskip("dask.array")
    X, truth = _two_blobs(45, n=200, shift=2.0)
    Xd = da.from_array(X, chunks=50)
    for est in (KMeans(2), GaussianMixture(2)):
        mem = type(est)(2).fit(X, labels=truth)
        dsk = type(est)(2).fit(Xd, labels=da.from_array(truth, chunks=50))
        for name in ("means_", "cluster_centers_"):
            if hasattr(mem, name):
                np.testing.assert_allclose(getattr(dsk, name), getattr(mem, name), rtol=1e-9)
        assert dsk.n_iter_ == 1
    C = np.clip(np.round(X[:, 0] + 3), 0, 9)
    bm = BinomialMixture(2, n_trials=9).fit(da.from_array(C, chunks=50),
                                            labels=da.from_array(truth, chunks=50))
    np.testing.assert_allclose(bm.probs_, BinomialMixture(2, n_trials=9).fit(C, labels=truth).probs_,
                               rtol=1e-9)
    for y, err, match in ((da.from_array(truth.astype(bool), chunks=50), TypeError,
                           "must hold numbers"),
                          (0, ValueError, "one per sample"),
                          (da.from_array(np.arange(200) % 3, chunks=50), ValueError,
                           "3 classes")):
        with pytest.raises(err, match=match):
            GaussianMixture(2).fit(Xd, labels=y)
    # Dask labels map to components as in memory (R's 1..k here)
    dsk = GaussianMixture(2).fit(Xd, labels=da.from_array(truth + 1, chunks=50))
    np.testing.assert_array_equal(dsk.classes_, [1, 2])
    np.testing.assert_allclose(dsk.means_, GaussianMixture(2).fit(X, labels=truth).means_,
                               rtol=1e-9)


def test_ragged_labels_are_refused_by_name():
    X, _ = _two_blobs(46, n=2)
    with pytest.raises(ValueError, match="labels must be a 1-D array"):
        GaussianMixture(1).fit(X, labels=[[1], [2, 3]])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [31, 32, 33, 255, 256, 257, 1000])
def test_labelled_statistics_in_float32_and_at_chunk_boundaries(n, backend):
    # the unlabelled rows go through the kernels at weight 0 for the labelled ones:
    # chunk edges and float32 data change nothing in what the labels add
    X, truth = _two_blobs(47, n=n, shift=1.0, d=3)
    y = _partial(truth, n // 3)
    for dtype, rtol in ((np.float64, 1e-9), (np.float32, 2e-4)):
        Xd = X.astype(dtype)
        gm = GaussianMixture(2, backend=backend, random_state=0).initialize(Xd, labels=y)
        stats = gm.statistics(Xd, labels=y).recentered(gm.means_)
        _, _, N, S1, S2, total = naive.gmm_step(Xd.astype(np.float64), np.ones(n), gm.weights_,
                                                gm.means_, gm.covariances_, labels=y)
        np.testing.assert_allclose(stats.N, N, rtol=rtol)
        np.testing.assert_allclose(stats.S2, S2, rtol=rtol, atol=rtol * n)
        np.testing.assert_allclose(stats.objective, total, rtol=rtol)
        km = KMeans(2, backend=backend, random_state=0).initialize(Xd, labels=y)
        labels, _, wsums, inertia, _ = naive.kmeans_step(Xd.astype(np.float64), np.ones(n),
                                                         km.cluster_centers_.astype(np.float64),
                                                         labels_fixed=y)
        kstats = km.statistics(Xd, labels=y)
        np.testing.assert_allclose(kstats.counts, wsums)
        np.testing.assert_allclose(kstats.objective, inertia, rtol=rtol)
