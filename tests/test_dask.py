"""Dask arrays: exact EM over chunks on a distributed LocalCluster with worker
processes equals the in-memory fit from the same initial parameters (rtol 1e-7)."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from conftest import quiet  # noqa: E402

from fastem import BinomialMixture, GaussianMixture, KMeans  # noqa: E402
from fastem.gaussian_mixture import COVARIANCE_TYPES as ALL_TYPES


@pytest.fixture(scope="module")
def client():
    # worker processes (spawned, as Dask does): the kernels load from numba's disk
    # cache there; the tasks carry only data, parameters and function names
    # on loopback, any free dashboard port: runs side by side do not collide on 8787
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                  silence_logs=40) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def _blobs(n=12_000, d=3, k=4, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 6.0, size=(k, d))
    labels = rng.integers(0, k, n)
    return centers[labels] + rng.normal(size=(n, d)) * rng.uniform(0.5, 1.5, (k, d))[labels]


def _close(a, b, names):
    for name in names:
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-7,
                                   atol=1e-12, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kmeans_on_dask_equals_numpy(client, dtype):
    X = _blobs().astype(dtype)
    w = np.random.default_rng(1).uniform(0.5, 2.0, X.shape[0])
    init = X[[0, 1, 2, 3]].copy()
    ref = KMeans(4, init=init).fit(X, sample_weight=w)
    got = KMeans(4, init=init).fit(da.from_array(X, chunks=2500), sample_weight=w)
    _close(got, ref, ["cluster_centers_", "inertia_"])
    assert got.n_iter_ == ref.n_iter_ and got.cluster_centers_.dtype == dtype
    np.testing.assert_array_equal(got.labels_.compute(), ref.labels_)
    np.testing.assert_array_equal(got.predict(da.from_array(X, chunks=3000)).compute(),
                                  ref.predict(X))
    np.testing.assert_allclose(got.transform(da.from_array(X[:100], chunks=30)).compute(),
                               ref.transform(X[:100]), rtol=1e-6)



def test_kmeans_on_dask_scales_tol_by_the_weighted_variance(client):
    # the chunks' weighted moments merge to the in-memory tolerance: the same stop
    rng = np.random.default_rng(134)
    X = rng.normal(size=(60, 2)) + rng.integers(0, 3, 60)[:, None] * 2
    w = rng.integers(1, 5, 60).astype(float)
    w[:20] = 0.0  # a chunk of weight 0 counts nothing
    init = X[[20, 21, 22]].copy()
    ref = KMeans(3, init=init, tol=1e-2).fit(X, sample_weight=w)
    got = KMeans(3, init=init, tol=1e-2).fit(da.from_array(X, chunks=20), sample_weight=w)
    repeated = KMeans(3, init=init, tol=1e-2).fit(np.repeat(X, w.astype(int), axis=0))
    assert got.n_iter_ == ref.n_iter_ == repeated.n_iter_
    _close(got, ref, ["cluster_centers_", "inertia_"])

@pytest.mark.parametrize("covariance_type", ALL_TYPES)
def test_gmm_on_dask_equals_numpy(client, covariance_type):
    X = _blobs()
    with quiet():
        start = GaussianMixture(4, covariance_type=covariance_type, random_state=0,
                                max_iter=2).fit(X[:300])
    kw = dict(covariance_type=covariance_type, weights_init=start.weights_,
              means_init=start.means_, precisions_init=start.precisions_, tol=1e-8,
              max_iter=40)
    w = da.from_array(np.random.default_rng(2).uniform(0.0, 1.0, X.shape[0]), chunks=4000)
    with quiet():
        ref = GaussianMixture(4, **kw).fit(X, sample_weight=w.compute())
        got = GaussianMixture(4, **kw).fit(da.from_array(X, chunks=3000), sample_weight=w)
    _close(got, ref, ["weights_", "means_", "covariances_", "precisions_cholesky_",
                      "lower_bound_", "lower_bounds_"])
    assert got.n_iter_ == ref.n_iter_
    Xd = da.from_array(X[:500], chunks=200)
    np.testing.assert_allclose(got.score_samples(Xd).compute(), ref.score_samples(X[:500]),
                               rtol=1e-7)
    np.testing.assert_allclose(got.predict_proba(Xd).compute(), ref.predict_proba(X[:500]),
                               rtol=1e-6, atol=1e-12)


def test_gmm_one_feature_on_dask(client):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(-10, 3, 3000), rng.normal(30, 7, 3000),
                        rng.normal(3, 5, 3000)])
    kw = dict(means_init=[[-5.0], [20.0], [0.0]], weights_init=[1 / 3] * 3,
              precisions_init=[[[0.05]]] * 3, tol=0, max_iter=25)
    with quiet():
        ref = GaussianMixture(3, **kw).fit(x)
        got = GaussianMixture(3, **kw).fit(da.from_array(x, chunks=1000))
    _close(got, ref, ["weights_", "means_", "covariances_", "lower_bound_"])


def test_binomial_on_dask_equals_numpy(client):
    rng = np.random.default_rng(4)
    n = 20_000
    z = rng.random(n) < 0.35
    trials = rng.integers(5, 30, size=n)
    heads = rng.binomial(trials, np.where(z, 0.75, 0.3))
    kw = dict(probs_init=[0.6, 0.4], weights_init=[0.5, 0.5], tol=0, max_iter=30)
    with quiet():
        ref = BinomialMixture(2, **kw).fit(heads, n_trials=trials)
        got = BinomialMixture(2, **kw).fit(da.from_array(heads, chunks=6000),
                                           n_trials=da.from_array(trials, chunks=5000))
    _close(got, ref, ["weights_", "probs_", "lower_bound_"])
    assert got.probs_.shape == (2,)
    # the classic coins: a scalar number of trials, several counts per row
    X = rng.binomial(10, np.where(z, 0.8, 0.5)[:, None] * [1.0, 0.9], size=(n, 2))
    kw = dict(n_trials=10, probs_init=[[0.6, 0.6], [0.4, 0.4]], tol=0, max_iter=20)
    with quiet():
        ref = BinomialMixture(2, **kw).fit(X)
        got = BinomialMixture(2, **kw).fit(da.from_array(X, chunks=7000))
    _close(got, ref, ["weights_", "probs_", "lower_bound_"])
    np.testing.assert_array_equal(got.predict(da.from_array(X, chunks=7000)).compute(),
                                  ref.predict(X))


def test_initialisation_from_a_sample_of_rows(client):
    X = _blobs(n=30_000, k=3, seed=5)
    Xd = da.from_array(X, chunks=10_000)
    km = KMeans(3, random_state=0, n_init=3).fit(Xd)
    ref = KMeans(3, random_state=0, n_init=3).fit(X)
    # different starting rows, the same clustering
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    with quiet():
        gm = GaussianMixture(3, random_state=0).fit(Xd)
        gref = GaussianMixture(3, random_state=0).fit(X)
    assert gm.lower_bound_ == pytest.approx(gref.lower_bound_, rel=1e-4)
    # the same random_state draws the same sample: reproducible
    again = KMeans(3, random_state=0, n_init=3).fit(Xd)
    np.testing.assert_array_equal(again.cluster_centers_, km.cluster_centers_)


def test_bad_dask_input_is_reported_on_the_client(client):
    X = _blobs(n=4000)
    X[3500, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KMeans(3).fit(da.from_array(X, chunks=1000))
    with pytest.raises(ValueError, match="non-negative"):
        GaussianMixture(2).fit(da.from_array(_blobs(n=400), chunks=100),
                               sample_weight=-np.ones(400))
    with pytest.raises(ValueError, match="more successes than n_trials"):
        BinomialMixture(2, n_trials=3).fit(da.from_array(np.arange(10.0), chunks=4))
    unknown = da.from_array(_blobs(n=400), chunks=100)
    unknown = unknown[unknown[:, 0] > -1e9]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        KMeans(2).fit(unknown)
    with pytest.raises(ValueError, match="2-D"):
        KMeans(2).fit(da.ones((4, 4, 4), chunks=2))


def test_dask_without_a_cluster_uses_the_local_scheduler():
    X = _blobs(n=3000)
    init = X[:4].copy()
    ref = KMeans(4, init=init).fit(X)
    import dask

    with dask.config.set(scheduler="threads"):
        got = KMeans(4, init=init).fit(da.from_array(X, chunks=700))
    _close(got, ref, ["cluster_centers_", "inertia_"])


def test_review_fixes_for_dask_input(client):
    X = _blobs(n=300)
    init = X[:2].copy()
    ref = KMeans(2, init=init).fit(X, sample_weight=np.full(300, 2.0))
    # chunks of no rows, and a scalar weight
    Xd = da.from_array(X, chunks=((100, 0, 200), (3,)))
    got = KMeans(2, init=init).fit(Xd, sample_weight=2.0)
    _close(got, ref, ["cluster_centers_", "inertia_"])
    with pytest.raises(ValueError, match="one value per row"):
        KMeans(2).fit(Xd, sample_weight=np.ones(5))
    # a binomial model of per-row trials predicts Dask rows with their trials
    rng = np.random.default_rng(0)
    trials = rng.integers(5, 20, 300)
    heads = rng.binomial(trials, 0.4)
    with quiet():
        bm = BinomialMixture(2, random_state=0).fit(heads, n_trials=trials)
    expected = bm.predict_proba(heads, n_trials=trials)
    for nt in (trials, da.from_array(trials, chunks=70)):
        got = bm.predict_proba(da.from_array(heads, chunks=100), n_trials=nt).compute()
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_gmm_with_missing_values_on_dask_equals_numpy(client, covariance_type):
    X = _blobs()
    rng = np.random.default_rng(5)
    X[rng.random(X.shape) < 0.2] = np.nan
    X[:3] = np.nan  # rows with nothing observed carry nothing, in memory and on Dask
    with quiet():
        start = GaussianMixture(4, covariance_type=covariance_type, random_state=0,
                                max_iter=2, missing="em").fit(X[:600])
    kw = dict(covariance_type=covariance_type, weights_init=start.weights_,
              means_init=start.means_, precisions_init=start.precisions_, tol=1e-8,
              max_iter=40, missing="em")
    w = rng.uniform(0.0, 1.0, X.shape[0])
    with quiet():
        ref = GaussianMixture(4, **kw).fit(X, sample_weight=w)
        got = GaussianMixture(4, **kw).fit(da.from_array(X, chunks=3000),
                                           sample_weight=da.from_array(w, chunks=3000))
    _close(got, ref, ["weights_", "means_", "covariances_", "lower_bound_", "lower_bounds_"])
    assert got.n_iter_ == ref.n_iter_
    Xd = da.from_array(X[:500], chunks=200)
    np.testing.assert_allclose(got.score_samples(Xd).compute(), ref.score_samples(X[:500]),
                               rtol=1e-7, atol=1e-12)  # (log of the weights' sum: 0)
    np.testing.assert_allclose(got.impute(Xd).compute(), ref.impute(X[:500]), rtol=1e-7)


def test_binomial_with_missing_counts_on_dask_equals_numpy(client):
    rng = np.random.default_rng(6)
    z = rng.integers(0, 2, 8000)
    X = rng.binomial(10, np.array([[0.2, 0.7, 0.4], [0.8, 0.3, 0.5]])[z]).astype(float)
    X[rng.random(X.shape) < 0.3] = np.nan
    kw = dict(n_trials=10, probs_init=[[0.3, 0.6, 0.4], [0.6, 0.4, 0.5]], tol=1e-10,
              missing="em")
    ref = BinomialMixture(2, **kw).fit(X)
    got = BinomialMixture(2, **kw).fit(da.from_array(X, chunks=2000))
    _close(got, ref, ["weights_", "probs_", "lower_bound_"])
    np.testing.assert_allclose(got.impute(da.from_array(X[:300], chunks=100)).compute(),
                               ref.impute(X[:300]), rtol=1e-7)


def test_dask_missing_chunk_with_nothing_observed_and_scores(client):
    X = _blobs(n=6000)
    rng = np.random.default_rng(8)
    X[rng.random(X.shape) < 0.3] = np.nan
    X[:1000] = np.nan  # the first chunk has nothing observed
    kw = dict(random_state=0, missing="em", tol=1e-8)
    with quiet():
        start = GaussianMixture(4, max_iter=2, **kw).fit(X)
        init = dict(weights_init=start.weights_, means_init=start.means_,
                    precisions_init=start.precisions_)
        ref = GaussianMixture(4, **kw, **init).fit(X)
        got = GaussianMixture(4, **kw, **init).fit(da.from_array(X, chunks=1000))
    _close(got, ref, ["weights_", "means_", "covariances_", "lower_bound_"])
    Xd = da.from_array(X, chunks=1000)
    assert np.isclose(got.score(Xd), ref.score(X), rtol=1e-9)
    assert np.isclose(got.bic(Xd), ref.bic(X), rtol=1e-9)
