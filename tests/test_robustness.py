"""Valid but untidy data: far from the origin, at the edges of float32 and float64,
constant, under any scale of sample weights. Each test names the case it guards; the
oracles are scikit-learn from the same start, the float64 fit of the same numbers,
the unshifted fit, and the fit with unit weights."""

import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans as SKKMeans

import fastem
from fastem.gaussian_mixture import COVARIANCE_TYPES as ALL_TYPES
from conftest import BACKENDS
from naive import kmeans_step


def _blobs(n_per, d, k, seed=0, scale=4.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=scale, size=(k, d))
    X = np.vstack([c + rng.normal(size=(n_per, d)) for c in centres])
    return X, X[rng.choice(len(X), k, replace=False)].copy()


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastem.ConvergenceWarning)
        return est.fit(*args, **kwargs)


# ------------------------------------------------- K-Means far from the origin

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("d", [2, 5, 8, 33, 40, 64])
@pytest.mark.parametrize("shift", [0.0, 1e6, 1e8, -1e9])
def test_kmeans_far_from_the_origin_equals_scikit_learn(backend, d, shift):
    # the matrix-product search (d >= 32) ran on uncentred data: at 1e8 it ended with
    # another partition after 300 iterations where scikit-learn converges in 4
    X, init = _blobs(150, d, 4, seed=d)
    ours = _fit(fastem.KMeans(4, init=init + shift, backend=backend), X + shift)
    sk = SKKMeans(4, init=init + shift, n_init=1, algorithm="lloyd").fit(X + shift)
    np.testing.assert_array_equal(ours.labels_, sk.labels_)
    assert ours.n_iter_ == sk.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_ - shift, sk.cluster_centers_ - shift,
                               atol=1e-6 + 4 * np.spacing(abs(shift)))
    assert ours.inertia_ == pytest.approx(sk.inertia_, rel=1e-6)
    # and the fit does not depend on where the data sit
    near = _fit(fastem.KMeans(4, init=init, backend=backend), X)
    np.testing.assert_array_equal(ours.labels_, near.labels_)
    assert ours.inertia_ == pytest.approx(near.inertia_, rel=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("d", [3, 8, 40])
def test_kmeans_float32_away_from_the_origin_keeps_the_float64_labels(backend, d):
    # float32 data around 1000 changed labels in the matrix-product search
    X, init = _blobs(200, d, 5, seed=1, scale=3.0)
    X32, init32 = (X + 1000.0).astype(np.float32), (init + 1000.0).astype(np.float32)
    ours = _fit(fastem.KMeans(5, init=init32, backend=backend), X32)
    ref = _fit(fastem.KMeans(5, init=init32.astype(np.float64), backend=backend),
               X32.astype(np.float64))
    assert ours.cluster_centers_.dtype == np.float32
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-6)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=2e-3)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("d", [2, 40])
def test_kmeans_predict_and_transform_far_from_the_origin(backend, d):
    X, init = _blobs(100, d, 3, seed=4)
    near = _fit(fastem.KMeans(3, init=init, backend=backend), X)
    far = _fit(fastem.KMeans(3, init=init + 1e8, backend=backend), X + 1e8)
    np.testing.assert_array_equal(far.predict(X + 1e8), near.predict(X))
    np.testing.assert_allclose(far.transform(X + 1e8), near.transform(X), rtol=1e-5,
                               atol=1e-5)
    assert far.score(X + 1e8) == pytest.approx(near.score(X), rel=1e-5)
    # fit_predict and predict agree exactly (the same frame for both)
    np.testing.assert_array_equal(far.labels_, far.predict(X + 1e8))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shift", [1e6, 1e9, -1e9])
def test_kmeans_plusplus_does_not_depend_on_where_the_data_sit(seed, shift):
    # the same data shifted by 1e9 seeded a partition 3.5x worse with the same seed
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 3)) * rng.uniform(0.2, 5.0, size=3)
    X[:150] += 6.0
    w = rng.uniform(0.5, 2.0, size=400)
    _, rows = fastem.kmeans_plusplus(X, 7, sample_weight=w, random_state=seed)
    _, rows_far = fastem.kmeans_plusplus(X + shift, 7, sample_weight=w, random_state=seed)
    np.testing.assert_array_equal(rows_far, rows)
    near = _fit(fastem.KMeans(4, random_state=seed), X)
    far = _fit(fastem.KMeans(4, random_state=seed), X + shift)
    np.testing.assert_array_equal(far.labels_, near.labels_)
    assert far.inertia_ == pytest.approx(near.inertia_, rel=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("d,far", [(3, 1e13), (40, 1e10)])
def test_kmeans_with_an_initial_centre_far_from_the_data(backend, d, far):
    # the frame's origin comes from the data, not from the centres: one centre far
    # out (an init array, a warm start) must not round the data's own digits away
    rng = np.random.default_rng(7)
    X = np.vstack([c + rng.normal(size=(500, d)) * 0.01
                   for c in rng.normal(scale=0.05, size=(3, d))])
    init = np.vstack([X[[0, 500, 1000]], np.full((1, d), far)])
    ours = _fit(fastem.KMeans(4, init=init, backend=backend), X)
    sk = SKKMeans(4, init=init, n_init=1, algorithm="lloyd").fit(X)
    np.testing.assert_array_equal(ours.labels_, sk.labels_)
    assert ours.n_iter_ == sk.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_[:3], sk.cluster_centers_[:3],
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_float32_with_an_initial_centre_far_from_the_data(backend):
    rng = np.random.default_rng(8)
    X = (rng.normal(size=(1500, 3)) * 0.01).astype(np.float32)
    init = np.vstack([X[:3], np.full((1, 3), 1e5, dtype=np.float32)])
    ours = fastem.KMeans(4, init=init, max_iter=1, tol=0, backend=backend).fit(X)
    ref = fastem.KMeans(4, init=init.astype(np.float64), max_iter=1, tol=0,
                        backend=backend).fit(X.astype(np.float64))
    np.testing.assert_allclose(ours.cluster_centers_[:3], ref.cluster_centers_[:3],
                               atol=1e-7)


# --------------------------------------- K-Means at the edges of float32 / float64

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("d", [2, 8, 40])
def test_kmeans_float32_whose_squares_overflow_float32(backend, d):
    # values near 1e19: squared distances beyond float32's range gave inertia inf and
    # labels unlike the NumPy twin's; the fit must equal the float64 fit of the numbers
    X, init = _blobs(80, d, 3, seed=2)
    X32 = (X * 1e19).astype(np.float32)
    ours = _fit(fastem.KMeans(3, random_state=0, backend=backend), X32)
    ref = _fit(fastem.KMeans(3, random_state=0, backend=backend), X32.astype(np.float64))
    assert np.isfinite(ours.inertia_)
    assert ours.cluster_centers_.dtype == np.float32
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-6)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    np.testing.assert_array_equal(ours.predict(X32), ref.predict(X32.astype(np.float64)))
    np.testing.assert_allclose(ours.transform(X32), ref.transform(X32.astype(np.float64)),
                               rtol=1e-6)
    assert ours.score(X32) == pytest.approx(ref.score(X32.astype(np.float64)), rel=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_streams_of_float32_whose_squares_overflow_float32(backend):
    # statistics, partial_fit and by-hand EM check their batches too
    X, _ = _blobs(100, 2, 3, seed=12)
    X32 = (X * 1e19).astype(np.float32)
    X64 = X32.astype(np.float64)
    km = fastem.KMeans(3, random_state=0, backend=backend).fit(X32)
    ref = fastem.KMeans(3, random_state=0, backend=backend).fit(X64)
    a, b = km.statistics(X32), ref.statistics(X64)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert np.isfinite(a.objective) and a.objective == pytest.approx(b.objective, rel=1e-6)
    s32 = fastem.KMeans(3, random_state=0, backend=backend)
    s64 = fastem.KMeans(3, random_state=0, backend=backend)
    for part in np.array_split(np.arange(len(X)), 2):
        s32.partial_fit(X32[part])
        s64.partial_fit(X64[part])
    np.testing.assert_allclose(s32.cluster_centers_, s64.cluster_centers_, rtol=1e-6)
    assert np.isfinite(s32.inertia_)


def test_kmeans_dask_float32_whose_squares_overflow_float32():
    da = pytest.importorskip("dask.array")
    X, init = _blobs(100, 2, 3, seed=13)
    X32, init32 = (X * 1e19).astype(np.float32), (init * 1e19).astype(np.float32)
    for backend in BACKENDS:
        mem = fastem.KMeans(3, init=init32, backend=backend).fit(X32)
        dsk = fastem.KMeans(3, init=init32, backend=backend).fit(da.from_array(X32, chunks=70))
        np.testing.assert_allclose(dsk.cluster_centers_, mem.cluster_centers_, rtol=1e-6)
        assert dsk.inertia_ == pytest.approx(mem.inertia_, rel=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tied_mixture_on_float32_whose_squares_overflow_float32(backend):
    # its k-means initialisation ran on inf distances: it never converged, while the
    # float64 copy of the same numbers converged in 13 iterations
    X, _ = _blobs(150, 3, 3, seed=3)
    X32 = (X * 1e19).astype(np.float32)
    ours = fastem.GaussianMixture(3, covariance_type="tied", random_state=0,
                                  backend=backend).fit(X32)
    ref = fastem.GaussianMixture(3, covariance_type="tied", random_state=0,
                                 backend=backend).fit(X32.astype(np.float64))
    assert ours.converged_ and ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-5)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("d", [1, 2, 8, 40])
@pytest.mark.parametrize("value", [0.4, -7.1, 1e8 + 0.3])
def test_kmeans_on_constant_data_stops_after_one_iteration(backend, d, value):
    # the centre drifted by rounding, so it ran to max_iter; scikit-learn stops after 1
    X = np.full((200, d), value)
    w = np.random.default_rng(0).uniform(0.3, 3.0, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's "distinct clusters"
        sk = SKKMeans(3, n_init=1, random_state=0).fit(X, sample_weight=w)
    with pytest.warns(fastem.ConvergenceWarning, match="distinct clusters"):
        ours = fastem.KMeans(3, random_state=0, backend=backend).fit(X, sample_weight=w)
    assert ours.n_iter_ == sk.n_iter_ == 1
    assert ours.converged_
    np.testing.assert_array_equal(ours.cluster_centers_, value)
    assert ours.inertia_ == 0.0
    np.testing.assert_array_equal(ours.labels_, sk.labels_)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_with_one_constant_feature_matches_the_backends(backend):
    X, init = _blobs(100, 40, 3, seed=6)
    X[:, 5] = 0.4
    init[:, 5] = 0.4
    ours = _fit(fastem.KMeans(3, init=init, backend=backend), X)
    sk = SKKMeans(3, init=init, n_init=1, algorithm="lloyd").fit(X)
    np.testing.assert_array_equal(ours.labels_, sk.labels_)
    assert ours.n_iter_ == sk.n_iter_
    np.testing.assert_array_equal(ours.cluster_centers_[:, 5], 0.4)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("scale", [1e154, 1e200, 1e300])
def test_kmeans_refuses_squared_distances_that_overflow_float64(backend, scale):
    # inertia inf and a 199/1 split, with only NumPy's overflow warning
    X = np.random.default_rng(0).normal(size=(200, 2)) * scale
    for init in ("k-means++", "random"):
        with pytest.raises(ValueError, match="overflow float64. Scale X"):
            fastem.KMeans(2, init=init, random_state=0, backend=backend).fit(X)
    # initial centres that far out, around tidy data, likewise
    with pytest.raises(ValueError, match="overflow float64. Scale X"):
        fastem.KMeans(2, init=np.array([[0.0, 0.0], [scale, scale]]),
                      backend=backend).fit(X / scale)
    # and so does predicting such rows with a tidy model
    km = _fit(fastem.KMeans(2, random_state=0, backend=backend), X / scale)
    for method in (km.predict, km.transform, km.score):
        with pytest.raises(ValueError, match="overflow float64. Scale X"):
            method(X)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_weights_times_values_that_overflow(backend):
    X, init = _blobs(50, 2, 2, seed=7)
    X, init = X * 0.01 + 100.0, init * 0.01 + 100.0
    # sum(w * x) would overflow (100 rows x 1e306 x 100), the inertia does not; only
    # the ratios of the weights matter
    km = fastem.KMeans(2, init=init, backend=backend).fit(X, sample_weight=np.full(100, 1e306))
    ref = fastem.KMeans(2, init=init, backend=backend).fit(X)
    np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=1e-14)
    assert km.inertia_ == pytest.approx(ref.inertia_ * 1e306, rel=1e-12)
    # the inertia itself cannot be represented: refused, never NaN or inf centres
    with pytest.raises(ValueError, match="inertia overflows float64"):
        fastem.KMeans(2, init=init * 1e5, backend=backend).fit(
            X * 1e5, sample_weight=np.full(100, 1e300))


# -------------------------------------------------------- K-Means weight scale

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("factor", [1e-300, 1e-100, 1e-20, 3.7, 1e20, 1e300])
def test_kmeans_weight_scale_scales_only_the_inertia(backend, factor):
    X, init = _blobs(120, 3, 4, seed=8)
    w = np.random.default_rng(8).uniform(0.5, 2.0, len(X))
    ref = fastem.KMeans(4, init=init, backend=backend).fit(X, sample_weight=w)
    ours = fastem.KMeans(4, init=init, backend=backend).fit(X, sample_weight=w * factor)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-12)
    assert ours.inertia_ == pytest.approx(ref.inertia_ * factor, rel=1e-12)
    np.testing.assert_allclose(ours.history_["objective"], ref.history_["objective"] * factor,
                               rtol=1e-12)


def test_kmeans_kernels_take_the_naive_distances_in_the_frame():
    # the frame only moves the origin: the NumPy twin equals the naive loop there
    from fastem._reference import kmeans as ref

    X, init = _blobs(60, 3, 3, seed=9)
    offset = np.array([1e3, -2e3, 5.0])
    labels = np.full(len(X), -1, dtype=np.int32)
    sums, wsums = np.empty((3, 3)), np.empty(3)
    w = np.ones(len(X))
    inertia, _ = ref.lloyd_iter(X, w, init, offset, labels, sums, wsums, 16)
    e_labels, e_sums, e_w, e_inertia, _ = kmeans_step(X, w, init)
    np.testing.assert_array_equal(labels, e_labels)
    np.testing.assert_allclose(sums + wsums[:, None] * init, e_sums, rtol=1e-9)
    assert inertia == pytest.approx(e_inertia, rel=1e-9)


# ------------------------------------------------------ mixtures and weight scale

def _gmm_data(seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(size=(150, 2)) * s + c
                   for c, s in (([0, 0], 1.0), ([5, 5], 0.7), ([0, 6], 1.3))])
    return X, rng.uniform(0.5, 2.0, len(X))


FACTORS = [1e-300, 1e-100, 1e-20, 0.37, 1e20, 1e300]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ct", ALL_TYPES)
@pytest.mark.parametrize("factor", FACTORS)
def test_gaussian_mixture_depends_on_weights_through_their_ratios(backend, ct, factor):
    # 1e-20 on every weight turned lower_bound_ -3.5 into -2212 and moved the means:
    # the absolute 10 * eps guard in the M-step swamped the responsibilities
    X, w = _gmm_data()
    kw = dict(covariance_type=ct, random_state=0, backend=backend)
    ref = fastem.GaussianMixture(3, **kw).fit(X, sample_weight=w)
    ours = fastem.GaussianMixture(3, **kw).fit(X, sample_weight=w * factor)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, rtol=1e-9)
    np.testing.assert_allclose(ours.weights_, ref.weights_, rtol=1e-10)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-12)
    # the statistics API (not rescaled) too: one M-step from the same start
    a = fastem.GaussianMixture(3, means_init=ref.means_, **kw).initialize(X)
    b = fastem.GaussianMixture(3, means_init=ref.means_, **kw).initialize(X)
    a.m_step(a.statistics(X, sample_weight=w))
    b.m_step(b.statistics(X, sample_weight=w * factor))
    np.testing.assert_allclose(b.means_, a.means_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.weights_, a.weights_, rtol=1e-10)
    assert b.lower_bound_ == pytest.approx(a.lower_bound_, rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("init", ["kmeans", "k-means++", "random", "random_from_data"])
def test_gaussian_mixture_initialisations_do_not_see_the_weight_scale(backend, init):
    X, w = _gmm_data(1)
    kw = dict(init_params=init, random_state=3, backend=backend, max_iter=5, tol=0)
    ref = fastem.GaussianMixture(3, **kw).fit(X, sample_weight=w)
    for factor in (1e-250, 1e250):
        ours = fastem.GaussianMixture(3, **kw).fit(X, sample_weight=w * factor)
        np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-9, atol=1e-10)
        # initialize() alone, without the fit's rescaling
        a = fastem.GaussianMixture(3, **kw).initialize(X, sample_weight=w)
        b = fastem.GaussianMixture(3, **kw).initialize(X, sample_weight=w * factor)
        np.testing.assert_allclose(b.means_, a.means_, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(b.weights_, a.weights_, rtol=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("factor", FACTORS)
def test_binomial_mixture_depends_on_weights_through_their_ratios(backend, factor):
    # the probabilities moved by 1e-3 under 1e-20 on every weight
    rng = np.random.default_rng(2)
    heads = rng.binomial(10, np.where(rng.uniform(size=400) < 0.4, 0.7, 0.25))
    w = rng.uniform(0.5, 2.0, 400)
    kw = dict(n_trials=10, random_state=0, backend=backend)
    ref = fastem.BinomialMixture(2, **kw).fit(heads, sample_weight=w)
    ours = fastem.BinomialMixture(2, **kw).fit(heads, sample_weight=w * factor)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.probs_, ref.probs_, rtol=1e-11)
    np.testing.assert_allclose(ours.weights_, ref.weights_, rtol=1e-11)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-12)
    a = fastem.BinomialMixture(2, probs_init=ref.probs_, **kw).initialize(heads)
    b = fastem.BinomialMixture(2, probs_init=ref.probs_, **kw).initialize(heads)
    a.m_step(a.statistics(heads, sample_weight=w))
    b.m_step(b.statistics(heads, sample_weight=w * factor))
    np.testing.assert_allclose(b.probs_, a.probs_, rtol=1e-12)
    np.testing.assert_allclose(b.weights_, a.weights_, rtol=1e-12)


# ------------------------------------------------------------ weighted criteria

BOYS = np.arange(13)
FAMILIES = np.array([3, 24, 104, 286, 670, 1033, 1343, 1112, 829, 478, 181, 45, 7])


@pytest.mark.parametrize("backend", BACKENDS)
def test_binomial_criteria_of_a_frequency_table_equal_the_expanded_rows(backend):
    # after fitting Geissler's table, bic(boys) was 104.2 while the rows give 25012.4
    bm = fastem.BinomialMixture(2, n_trials=12, random_state=0, max_iter=500,
                                backend=backend).fit(BOYS, sample_weight=FAMILIES)
    rows = np.repeat(BOYS, FAMILIES)
    assert bm.bic(BOYS, sample_weight=FAMILIES) == pytest.approx(bm.bic(rows), rel=1e-12)
    assert bm.aic(BOYS, sample_weight=FAMILIES) == pytest.approx(bm.aic(rows), rel=1e-12)
    assert bm.score(BOYS, sample_weight=FAMILIES) == pytest.approx(bm.score(rows),
                                                                   rel=1e-12)
    # the direct formulas, from scipy's binomial pmf
    from scipy.stats import binom

    ll = np.log(sum(w * binom.pmf(rows, 12, p) for w, p in zip(bm.weights_, bm.probs_)))
    n_params = 2 + 1
    assert bm.bic(rows) == pytest.approx(-2 * ll.sum() + n_params * np.log(len(rows)),
                                         rel=1e-10)
    assert bm.aic(rows) == pytest.approx(-2 * ll.sum() + 2 * n_params, rel=1e-10)
    # integer weights, scalar weights, and the same Python type for both criteria
    assert bm.bic(BOYS, sample_weight=2.0) == pytest.approx(bm.bic(np.repeat(BOYS, 2)),
                                                            rel=1e-12)
    assert type(bm.bic(rows)) is type(bm.aic(rows)) is float


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ct", ["full", "diag"])
def test_gaussian_criteria_of_weighted_rows_equal_the_expanded_rows(backend, ct):
    X, _ = _gmm_data(3)
    counts = np.random.default_rng(3).integers(0, 4, len(X))
    gm = fastem.GaussianMixture(3, covariance_type=ct, random_state=0,
                                backend=backend).fit(X, sample_weight=counts)
    rows = np.repeat(X, counts, axis=0)
    for name in ("bic", "aic", "score"):
        assert getattr(gm, name)(X, sample_weight=counts) == pytest.approx(
            getattr(gm, name)(rows), rel=1e-12)
    assert type(gm.bic(X)) is type(gm.aic(X)) is float
    # a row of density 0 and weight 0 counts nothing
    far = np.vstack([X, np.full((1, 2), 1e200)])
    w = np.append(np.ones(len(X)), 0.0)
    assert gm.bic(far, sample_weight=w) == pytest.approx(gm.bic(X), rel=1e-12)


@pytest.mark.parametrize("Model", [fastem.KMeans, fastem.GaussianMixture,
                                   fastem.BinomialMixture])
def test_complex_sample_weight_is_refused(Model):
    X = np.arange(20.0).reshape(10, 2) % 7
    kwargs = {"n_trials": 10} if Model is fastem.BinomialMixture else {}
    w = np.ones(10) + 1j
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not NumPy's casting warning
        warnings.simplefilter("ignore", fastem.DegenerateComponentWarning)  # 10 rows
        with pytest.raises(ValueError, match="Complex data not supported: sample_weight"):
            Model(2, random_state=0, **kwargs).fit(X, sample_weight=w)
        est = Model(2, random_state=0, **kwargs).fit(X)
        with pytest.raises(ValueError, match="Complex data not supported: sample_weight"):
            est.score(X, sample_weight=w)


# ---------------------------------------------------------------- warnings

def _warned_here(fn, category):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fn()
    mine = [r for r in record if issubclass(r.category, category)]
    assert mine, f"no {category.__name__}"
    return [r.filename for r in mine]


def test_every_warning_points_at_the_callers_line():
    X, _ = _gmm_data(4)
    const = np.full((50, 2), 0.4)
    cases = [
        (lambda: fastem.GaussianMixture(3, max_iter=1, tol=1e-12, random_state=0).fit(X),
         fastem.ConvergenceWarning),
        (lambda: fastem.BinomialMixture(2, max_iter=1, tol=1e-12, n_trials=10,
                                        random_state=0).fit([1, 5, 9, 2, 8]),
         fastem.ConvergenceWarning),
        (lambda: fastem.KMeans(3, random_state=0).fit(const), fastem.ConvergenceWarning),
        # a warning from the KMeans that initialises a mixture
        (lambda: fastem.GaussianMixture(3, random_state=0).fit(const),
         fastem.ConvergenceWarning),
        (lambda: fastem.KMeans(2, init=X[:2], n_init=3).fit(X), RuntimeWarning),
        (lambda: fastem.BinomialMixture(3, n_trials=2, random_state=0).fit([0, 1, 2, 1]),
         fastem.IdentifiabilityWarning),
    ]
    for fn, category in cases:
        assert set(_warned_here(fn, category)) == {__file__}
    pd = pytest.importorskip("pandas")
    km = fastem.KMeans(2, random_state=0).fit(pd.DataFrame(X, columns=["a", "b"]))
    assert set(_warned_here(lambda: km.predict(X), UserWarning)) == {__file__}


def test_dask_fit_warnings_point_at_the_callers_line():
    da = pytest.importorskip("dask.array")
    X, _ = _gmm_data(5)
    Xd = da.from_array(X, chunks=100)
    fn = lambda: fastem.GaussianMixture(3, max_iter=1, tol=1e-12, random_state=0).fit(Xd)  # noqa: E731
    assert set(_warned_here(fn, fastem.ConvergenceWarning)) == {__file__}



@pytest.mark.parametrize("backend", BACKENDS)
def test_a_refused_fit_leaves_the_estimator_unfitted(backend):
    X, init = _blobs(50, 2, 2, seed=14)
    km = fastem.KMeans(2, init=init * 1e5, backend=backend)
    with pytest.raises(ValueError, match="overflows float64"):
        km.fit(X * 1e5, sample_weight=np.full(100, 1e306))
    assert not hasattr(km, "n_iter_") and not hasattr(km, "cluster_centers_")
    km.partial_fit(X)  # starts afresh, as on a new estimator
    assert km.n_steps_ == 1


def test_dask_weights_complex_and_of_any_scale():
    da = pytest.importorskip("dask.array")
    X, init = _blobs(60, 2, 2, seed=15)
    w = np.random.default_rng(15).uniform(0.5, 2.0, len(X))
    Xd = da.from_array(X, chunks=50)
    for weights in (w + 1j, da.from_array(w + 1j, chunks=50)):
        with pytest.raises(ValueError, match="Complex data not supported: sample_weight"):
            fastem.KMeans(2, init=init).fit(Xd, sample_weight=weights)
    ref = fastem.KMeans(2, init=init).fit(Xd, sample_weight=w)
    for factor in (1e-300, 1e300):
        km = fastem.KMeans(2, init=init).fit(Xd, sample_weight=da.from_array(w * factor,
                                                                           chunks=50))
        np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=1e-12)
        assert km.inertia_ == pytest.approx(ref.inertia_ * factor, rel=1e-9)
    gm = fastem.GaussianMixture(2, means_init=init).fit(Xd, sample_weight=w * 1e-300)
    gref = fastem.GaussianMixture(2, means_init=init).fit(Xd, sample_weight=w)
    np.testing.assert_allclose(gm.means_, gref.means_, rtol=1e-10)
    # the rescaled weights differ from w in the last bit (w * 1e-300 is rounded)
    assert gm.lower_bound_ == pytest.approx(gref.lower_bound_, rel=1e-10)


def test_kmeans_statistics_without_a_centre_add_as_plain_sums():
    X, init = _blobs(100, 2, 3, seed=16)
    km = fastem.KMeans(3, init=init).initialize(X)
    new = km.statistics(X)
    plain = fastem.SufficientStatistics(
        "kmeans", {"sums": new.sums + new.counts[:, None] * new.center,
                   "counts": new.counts}, new.objective, new.weight, new.n_samples)
    for total in (plain + new, new + plain):
        np.testing.assert_allclose(total.center + total.sums / total.counts[:, None],
                                   new.center + new.sums / new.counts[:, None], rtol=1e-12)
        assert total.weight == 2 * new.weight


@pytest.mark.parametrize("backend", BACKENDS)
def test_subnormal_weights_fit_as_their_normal_multiples(backend):
    # weights around 1e-320 keep only a few digits of their ratios, but they are
    # valid: the fit is that of the same numbers times a power of two (which the
    # fit applies itself), never a refusal
    X, w = _gmm_data(6)
    sub = w * 1e-320
    normal = np.ldexp(sub, 1070)
    km = fastem.KMeans(3, init=X[[0, 200, 400]], backend=backend).fit(X, sample_weight=sub)
    ref = fastem.KMeans(3, init=X[[0, 200, 400]], backend=backend).fit(X, sample_weight=normal)
    np.testing.assert_array_equal(km.cluster_centers_, ref.cluster_centers_)
    assert km.inertia_ == pytest.approx(np.ldexp(ref.inertia_, -1070), rel=1e-12)
    gm = fastem.GaussianMixture(3, random_state=0, backend=backend).fit(X, sample_weight=sub)
    gref = fastem.GaussianMixture(3, random_state=0, backend=backend).fit(
        X, sample_weight=normal)
    np.testing.assert_allclose(gm.means_, gref.means_, rtol=1e-12)
    assert gm.lower_bound_ == pytest.approx(gref.lower_bound_, rel=1e-12)


@pytest.mark.parametrize("ct", list(ALL_TYPES) + ["1d"])
def test_gaussian_prediction_refuses_rows_whose_distances_overflow(backend, ct):
    # rows so far out that their squared distances overflow have density 0 under every
    # component: predict_proba / predict / score_samples refuse them naming X, as fit
    # does, instead of a row of zeros, label 0 and -inf; rows merely far get numbers
    rng = np.random.default_rng(0)
    one_d = ct == "1d"
    X = rng.normal(size=200) if one_d else rng.normal(size=(200, 3))
    gm = fastem.GaussianMixture(2, covariance_type="full" if one_d else ct,
                                random_state=0, backend=backend).fit(X)
    far = X[:5] * 1e250
    mixed = np.concatenate([X[:5], far[:1]])
    for method in (gm.predict_proba, gm.predict, gm.score_samples, gm.score, gm.bic):
        for Z, first in ((far, 0), (mixed, 5)):
            with pytest.raises(ValueError, match=f"X has .* row\\(s\\) \\(the first: row "
                                                 f"{first}\\) .* squared distances "
                                                 "overflow float64"):
                method(Z)
    near = X[:5] * 1e100  # squared distances up to about 1e200: finite
    resp = gm.predict_proba(near)
    assert np.isfinite(resp).all() and np.allclose(resp.sum(axis=1), 1.0)
    lpn = gm.score_samples(near)
    assert np.isfinite(lpn).all()
    np.testing.assert_array_equal(gm.predict(near), resp.argmax(axis=1))


def test_gaussian_prediction_with_holes_refuses_rows_whose_distances_overflow(backend):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    X[rng.random(X.shape) < 0.1] = np.nan
    gm = fastem.GaussianMixture(2, missing="em", random_state=0, backend=backend).fit(X)
    far = np.array([[1e250, np.nan, 1.0], [np.nan, np.nan, np.nan]])
    for method in (gm.predict_proba, gm.predict, gm.score_samples, gm.impute):
        with pytest.raises(ValueError, match="row 0\\) so far from every component"):
            method(far)
    np.testing.assert_array_equal(gm.score_samples(far[1:]), [0.0])  # nothing observed


def _fitted_models():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    C = rng.binomial(10, 0.4, (60, 2)).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [fastem.KMeans(2, random_state=0).fit(X),
                fastem.GaussianMixture(2, random_state=0).fit(X),
                fastem.BinomialMixture(2, random_state=0, n_trials=10).fit(C),
                fastem.ModelSelection(fastem.GaussianMixture(random_state=0),
                                      {"n_components": [1, 2]}).fit(X)]


@pytest.mark.parametrize("bad", [None, "abc", 3.0, [[1.0, 2.0], [3.0]]],
                         ids=["None", "string", "scalar", "ragged"])
def test_every_method_that_reads_x_validates_it_first(bad):
    # a ValueError or TypeError that names X, never an IndexError or numpy's own words
    names = ["predict", "predict_proba", "score_samples", "score", "bic", "aic", "icl",
             "uncertainty", "transform", "impute", "statistics", "partial_fit", "fit",
             "fit_predict", "fit_transform", "initialize"]
    for model in _fitted_models():
        for name in names:
            if not hasattr(model, name):
                continue
            with pytest.raises((ValueError, TypeError), match="X") as info:
                getattr(model, name)(bad)
            assert "must" in str(info.value) or "Expected" in str(info.value) or \
                "X " in str(info.value), (type(model).__name__, name, str(info.value))
