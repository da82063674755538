"""KMeans against scikit-learn, the naive oracle and EM's own guarantees."""

import warnings
import io
import contextlib
import pickle

import numpy as np
import pytest
from sklearn.cluster import KMeans as SKKMeans
from sklearn.datasets import make_blobs

import fastem
from fastem import ConvergenceWarning, KMeans, NotFittedError
from conftest import rtol_for
from naive import kmeans_lloyd

# (n_samples, n_features, n_clusters, cluster_std, seed): different shapes
DATASETS = [(300, 2, 3, 1.0, 0), (1000, 5, 8, 2.0, 1), (777, 1, 4, 1.5, 2),
            (2500, 16, 6, 4.0, 3), (600, 3, 12, 3.0, 4)]


def _blobs(n, d, k, std, seed, dtype=np.float64):
    X, _ = make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=std,
                      random_state=seed)
    return X.astype(dtype)


def _init(X, k, seed):
    rng = np.random.default_rng(seed)
    return X[rng.choice(X.shape[0], k, replace=False)].copy()


@pytest.mark.parametrize("n,d,k,std,seed", DATASETS)
def test_same_as_sklearn_from_same_init(backend, n, d, k, std, seed):
    X = _blobs(n, d, k, std, seed)
    C0 = _init(X, k, seed)
    ours = KMeans(k, init=C0, n_init=1, tol=1e-12, backend=backend).fit(X)
    theirs = SKKMeans(k, init=C0, n_init=1, algorithm="lloyd", tol=1e-12).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_,
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-7)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.backend_ == backend


@pytest.mark.parametrize("tol", [1e-4, 1e-2])
def test_tolerance_convergence_same_as_sklearn(backend, tol):
    # a loose tol stops on the centre shift before the labels settle
    X = _blobs(3000, 2, 5, 3.0, 7)
    C0 = _init(X, 5, 7)
    ours = KMeans(5, init=C0, tol=tol, backend=backend).fit(X)
    theirs = SKKMeans(5, init=C0, n_init=1, algorithm="lloyd", tol=tol).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-7)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-7)


def test_empty_cluster_relocated_as_sklearn(backend):
    # two centres start far from every point: their clusters are empty after the
    # first E-step and must move to the points farthest from their centres
    X = _blobs(400, 2, 3, 1.0, 5)
    C0 = np.vstack([X[:3], [[1e3, 1e3], [-1e3, 1e3]]])
    ours = KMeans(5, init=C0, tol=1e-12, backend=backend).fit(X)
    theirs = SKKMeans(5, init=C0, n_init=1, algorithm="lloyd", tol=1e-12).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-7)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-7)
    assert np.unique(ours.labels_).size == 5


def test_weighted_same_as_sklearn(backend):
    X = _blobs(500, 3, 4, 2.0, 8)
    w = np.random.default_rng(8).uniform(0.1, 3.0, size=500)
    C0 = _init(X, 4, 8)
    ours = KMeans(4, init=C0, tol=1e-12, backend=backend).fit(X, sample_weight=w)
    theirs = SKKMeans(4, init=C0, n_init=1, algorithm="lloyd", tol=1e-12).fit(
        X, sample_weight=w)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-7)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-7)


def test_same_as_naive_lloyd(backend):
    X = _blobs(300, 3, 4, 1.5, 9)
    w = np.random.default_rng(9).uniform(0.5, 2.0, size=300)
    C0 = _init(X, 4, 9)
    centers, labels, inertia, _ = kmeans_lloyd(X, w, C0)
    ours = KMeans(4, init=C0, tol=0, backend=backend).fit(X, sample_weight=w)
    np.testing.assert_allclose(ours.cluster_centers_, centers, rtol=1e-10)
    np.testing.assert_array_equal(ours.labels_, labels)
    assert ours.inertia_ == pytest.approx(inertia, rel=1e-10)


def test_float32_stays_float32(backend):
    X64 = _blobs(800, 4, 5, 1.0, 10)
    X32 = X64.astype(np.float32)
    C0 = _init(X64, 5, 10)
    km32 = KMeans(5, init=C0, tol=1e-12, backend=backend).fit(X32)
    km64 = KMeans(5, init=C0, tol=1e-12, backend=backend).fit(X64)
    assert km32.cluster_centers_.dtype == np.float32
    assert km32.transform(X32).dtype == np.float32
    assert km64.cluster_centers_.dtype == np.float64
    np.testing.assert_allclose(km32.cluster_centers_, km64.cluster_centers_,
                               rtol=rtol_for(np.float32), atol=1e-4)
    np.testing.assert_array_equal(km32.labels_, km64.labels_)
    assert km32.inertia_ == pytest.approx(km64.inertia_, rel=1e-4)


def test_backends_agree_on_random_inits(dtype):
    X = _blobs(1500, 3, 6, 2.0, 11, dtype)
    fits = [KMeans(6, n_init=3, random_state=5, backend=b).fit(X)
            for b in ("python", "numba")
            if b == "python" or fastem._backend.numba_available()]
    for other in fits[1:]:
        np.testing.assert_allclose(other.cluster_centers_, fits[0].cluster_centers_,
                                   rtol=rtol_for(dtype))
        np.testing.assert_array_equal(other.labels_, fits[0].labels_)


def test_parallel_and_serial_fits_agree(dtype):
    if not fastem._backend.numba_available():
        pytest.skip("numba not available")
    X = _blobs(20_000, 3, 6, 2.0, 12, dtype)
    C0 = _init(X, 6, 12)
    fits = []
    for mode in ("serial", "parallel"):
        for threads in (1, 2):
            with fastem.config_context(parallel=mode, n_threads=threads):
                fits.append(KMeans(6, init=C0, tol=0, backend="numba").fit(X))
    for other in fits[1:]:
        np.testing.assert_allclose(other.cluster_centers_, fits[0].cluster_centers_,
                                   rtol=rtol_for(dtype))
        np.testing.assert_array_equal(other.labels_, fits[0].labels_)
        assert other.inertia_ == pytest.approx(fits[0].inertia_, rel=rtol_for(dtype))


def test_integer_weights_equal_repeated_rows(backend):
    X = _blobs(200, 2, 3, 1.5, 13)
    reps = np.random.default_rng(13).integers(0, 4, size=200)
    C0 = X[reps > 0][:3].copy()
    weighted = KMeans(3, init=C0, tol=0, backend=backend).fit(X, sample_weight=reps)
    repeated = KMeans(3, init=C0, tol=0, backend=backend).fit(np.repeat(X, reps, axis=0))
    np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_,
                               rtol=1e-10)
    assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-10)
    np.testing.assert_array_equal(weighted.labels_[reps > 0].repeat(reps[reps > 0]),
                                  repeated.labels_)



@pytest.mark.parametrize("seed", [39, 116, 134])
def test_integer_weights_equal_repeated_rows_when_lloyd_stops_on_tol(backend, seed):
    # tol is relative to the weighted variance of X, so a weighted table and its
    # repeated rows stop at the same iteration (these tables stopped apart when tol
    # was taken from the distinct rows' unweighted variance)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 2)) + rng.integers(0, 3, 60)[:, None] * 2
    w = rng.integers(1, 5, 60)
    C0 = X[:3].copy()
    weighted = KMeans(3, init=C0, tol=1e-2, backend=backend).fit(X, sample_weight=w)
    repeated = KMeans(3, init=C0, tol=1e-2, backend=backend).fit(np.repeat(X, w, axis=0))
    assert weighted.n_iter_ == repeated.n_iter_
    np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_,
                               rtol=1e-10)
    assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-10)
    # the tolerance itself: tol times the mean per-feature variance of the repeated rows
    from fastem.kmeans import _mean_variance
    np.testing.assert_allclose(_mean_variance(X, w.astype(float)),
                               np.var(np.repeat(X, w, axis=0), axis=0).mean(), rtol=1e-12)

def test_objective_history_never_increases(backend):
    for seed in range(10):
        X = _blobs(400, 3, 5, 3.0, 100 + seed)
        km = KMeans(5, init="random", random_state=seed, tol=0, backend=backend).fit(X)
        obj = km.history_["objective"]
        assert obj.shape == (km.n_iter_ + 1,)
        assert np.all(np.diff(obj) <= 1e-9 * obj[0])
        assert obj[-1] == pytest.approx(km.inertia_, rel=1e-12)


def test_history_records_every_iteration_from_the_initial_guess(backend):
    X = _blobs(300, 2, 3, 2.0, 14)
    C0 = _init(X, 3, 14)
    km = KMeans(3, init=C0, tol=0, record_history=True, backend=backend).fit(X)
    centers = km.history_["cluster_centers"]
    assert centers.shape == (km.n_iter_ + 1, 3, 2)
    np.testing.assert_array_equal(centers[0], C0)
    np.testing.assert_array_equal(centers[-1], km.cluster_centers_)
    # entry t is the inertia of the centres of entry t (replayed with score)
    for t in range(centers.shape[0]):
        ref = KMeans(3, init=centers[t], backend=backend)
        ref.cluster_centers_, ref.n_features_in_, ref.n_iter_ = centers[t], 2, 0
        assert km.history_["objective"][t] == pytest.approx(-ref.score(X), rel=1e-10)
    plain = KMeans(3, init=C0, tol=0, backend=backend).fit(X)
    assert set(plain.history_) == {"objective"}


def test_same_random_state_same_result(backend):
    X = _blobs(500, 3, 5, 2.0, 15)
    for init in ("k-means++", "random"):
        a = KMeans(5, init=init, n_init=3, random_state=42, backend=backend).fit(X)
        b = KMeans(5, init=init, n_init=3, random_state=42, backend=backend).fit(X)
        np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
        np.testing.assert_array_equal(a.labels_, b.labels_)
    c = KMeans(5, init="random", random_state=np.random.default_rng(3), backend=backend)
    d = KMeans(5, init="random", random_state=np.random.default_rng(3), backend=backend)
    np.testing.assert_array_equal(c.fit(X).cluster_centers_, d.fit(X).cluster_centers_)


def test_each_restart_can_be_replayed_alone(backend):
    X = _blobs(600, 2, 6, 3.0, 16)
    n_init = 5
    best = KMeans(6, init="random", n_init=n_init, random_state=7, backend=backend).fit(X)
    children = np.random.SeedSequence(7).spawn(n_init)
    singles = [KMeans(6, init="random", n_init=1, random_state=s, backend=backend).fit(X)
               for s in children]
    inertias = [s.inertia_ for s in singles]
    winner = singles[int(np.argmin(inertias))]
    assert best.inertia_ == min(inertias)
    np.testing.assert_array_equal(best.cluster_centers_, winner.cluster_centers_)
    # the restarts differ, so the choice of the best one mattered
    assert len(set(np.round(inertias, 6))) > 1


def test_more_restarts_never_worse(backend):
    X = _blobs(800, 2, 8, 2.5, 17)
    one = KMeans(8, init="random", n_init=1, random_state=np.random.SeedSequence(3).spawn(6)[0],
                 backend=backend).fit(X)
    six = KMeans(8, init="random", n_init=6, random_state=3, backend=backend).fit(X)
    assert six.inertia_ <= one.inertia_


def test_kmeans_plusplus_is_weighted_and_distinct():
    X = _blobs(1000, 2, 5, 0.5, 18)
    centers, idx = fastem.kmeans_plusplus(X, 5, random_state=0)
    np.testing.assert_array_equal(centers, X[idx])
    assert len(set(idx)) == 5
    # rows with zero weight are never chosen
    w = np.zeros(1000)
    w[::7] = 1.0
    for seed in range(5):
        _, idx = fastem.kmeans_plusplus(X, 5, sample_weight=w, random_state=seed)
        assert np.all(idx % 7 == 0)
    # one centre per well separated blob, as k-means++ nearly always finds
    Xs, ys = make_blobs(500, centers=[[0, 0], [100, 0], [0, 100], [100, 100]],
                        cluster_std=1.0, random_state=1)
    _, idx = fastem.kmeans_plusplus(Xs, 4, random_state=2)
    assert len(set(ys[idx])) == 4


def test_warm_start_continues_from_fitted_centres(backend):
    X = _blobs(500, 2, 4, 2.0, 19)
    C0 = _init(X, 4, 19)
    full = KMeans(4, init=C0, tol=0, backend=backend).fit(X)
    part = KMeans(4, init=C0, max_iter=2, tol=0, warm_start=True, backend=backend)
    part.fit(X)
    assert part.n_iter_ == 2 and not part.converged_
    part.set_params(max_iter=300)
    part.fit(X)
    np.testing.assert_allclose(part.cluster_centers_, full.cluster_centers_, rtol=1e-12)
    assert part.n_iter_ + 2 >= full.n_iter_ - 1


def test_verbose_prints_one_line_per_iteration(backend):
    X = _blobs(300, 2, 3, 2.0, 20)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        km = KMeans(3, init=_init(X, 3, 20), tol=0, verbose=2, verbose_interval=1,
                    backend=backend).fit(X)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.startswith("Iteration")]
    assert len(lines) == km.n_iter_
    first, last = lines[0], lines[-1]
    assert "inertia" in first and "centre shift" in first and "labels changed" in first
    assert float(first.split("inertia ")[1].split(",")[0]) == pytest.approx(
        km.history_["objective"][0], rel=1e-9)
    # the last step changed no label and moved no centre beyond rounding
    assert "centre shift 0 (to rounding)" in last and ", 0 labels changed" in last


def test_verbose_levels_restarts_and_interval(backend):
    X = _blobs(300, 2, 3, 2.0, 20)

    def lines(**kw):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            km = KMeans(3, init="random", n_init=3, random_state=0, tol=0,
                        backend=backend, **kw).fit(X)
        return km, buf.getvalue().splitlines()

    assert lines()[1] == []
    km, one = lines(verbose=1)  # a line per restart
    assert len(one) == 3 and all(ln.startswith(f"KMeans restart {i + 1}/3: converged after")
                                 for i, ln in enumerate(one))
    assert "(the best so far)" in one[0]
    best = [float(ln.split("inertia ")[1].split()[0]) for ln in one]
    assert min(best) == pytest.approx(km.inertia_, rel=1e-9)
    _, two = lines(verbose=2, verbose_interval=2)  # and every 2nd iteration per restart
    its = [ln for ln in two if "Iteration" in ln]
    assert its and all(ln.startswith("[restart ") for ln in its)
    assert all(int(ln.split("Iteration ")[1].split(":")[0]) % 2 == 0 for ln in its)
    with pytest.raises(ValueError, match="verbose_interval"):
        KMeans(3, verbose_interval=0).fit(X)


def test_convergence_warning_when_max_iter_too_small(backend):
    X = _blobs(1000, 2, 8, 3.0, 21)
    with pytest.warns(ConvergenceWarning, match="did not converge") as record:
        km = KMeans(8, init="random", random_state=0, max_iter=1, tol=1e-12,
                    backend=backend).fit(X)
    assert km.n_iter_ == 1 and not km.converged_
    assert record[0].filename == __file__  # the warning points at the user's line
    # tol=0 asks for max_iter iterations: it says so in converged_, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        km = KMeans(8, init="random", random_state=0, max_iter=1, tol=0,
                    backend=backend).fit(X)
    assert km.n_iter_ == 1 and not km.converged_


def test_predict_transform_score_fit_predict(backend):
    X = _blobs(700, 3, 4, 1.0, 22)
    km = KMeans(4, random_state=0, backend=backend).fit(X)
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    np.testing.assert_array_equal(
        KMeans(4, random_state=0, backend=backend).fit_predict(X), km.labels_)
    D = km.transform(X)
    expected = np.sqrt(((X[:, None, :] - km.cluster_centers_[None]) ** 2).sum(-1))
    np.testing.assert_allclose(D, expected, rtol=1e-10)
    np.testing.assert_array_equal(D.argmin(1), km.labels_)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-10)
    w = np.linspace(0.5, 1.5, 700)
    assert km.score(X, sample_weight=w) == pytest.approx(-(w * D.min(1) ** 2).sum(), rel=1e-9)
    np.testing.assert_allclose(KMeans(4, random_state=0, backend=backend).fit_transform(X), D)
    assert list(km.get_feature_names_out()) == ["kmeans0", "kmeans1", "kmeans2", "kmeans3"]


def test_pickle_roundtrip(backend):
    X = _blobs(300, 2, 3, 1.0, 23)
    km = KMeans(3, random_state=0, backend=backend).fit(X)
    again = pickle.loads(pickle.dumps(km))
    np.testing.assert_array_equal(again.predict(X), km.predict(X))
    assert again.get_params() == km.get_params()


# ------------------------------------------------------------ degenerate data

def test_duplicated_points_fit_with_finite_centres(backend):
    X = np.repeat(np.array([[0.0, 1.0], [5.0, 5.0], [9.0, -1.0]]), 30, axis=0)
    km = KMeans(3, init="random", random_state=0, backend=backend).fit(X)
    assert np.isfinite(km.cluster_centers_).all()
    np.testing.assert_allclose(np.sort(km.cluster_centers_[:, 0]), [0.0, 5.0, 9.0])
    assert km.inertia_ == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_fewer_distinct_points_than_clusters_warns(backend, init):
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 10, axis=0)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        km = KMeans(4, init=init, random_state=0, backend=backend).fit(X)
    assert np.isfinite(km.cluster_centers_).all()
    assert km.inertia_ == pytest.approx(0.0, abs=1e-12)
    assert set(km.labels_) <= set(range(4))


def test_constant_data_and_single_cluster(backend):
    X = np.full((50, 3), 2.5)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        km = KMeans(2, random_state=0, backend=backend).fit(X)
    np.testing.assert_allclose(km.cluster_centers_, 2.5)
    X1 = _blobs(100, 2, 2, 1.0, 24)
    one = KMeans(1, backend=backend).fit(X1)
    np.testing.assert_allclose(one.cluster_centers_[0], X1.mean(0), rtol=1e-12)
    assert one.inertia_ == pytest.approx(((X1 - X1.mean(0)) ** 2).sum(), rel=1e-12)


def test_zero_weights_remove_rows(backend):
    X = _blobs(300, 2, 3, 1.0, 25)
    extra = X + 50.0
    C0 = _init(X, 3, 25)
    both = np.vstack([X, extra])
    w = np.r_[np.ones(300), np.zeros(300)]
    a = KMeans(3, init=C0, tol=0, backend=backend).fit(both, sample_weight=w)
    b = KMeans(3, init=C0, tol=0, backend=backend).fit(X)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-12)
    assert a.inertia_ == pytest.approx(b.inertia_, rel=1e-12)



@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly", "yinyang"])
def test_zero_weight_rows_are_never_chosen_to_refill_an_empty_cluster(backend, algorithm):
    # a centre starts far from every point, so its cluster empties and moves to the
    # farthest row; a far row of weight 0 is a removed row and must not be that row
    X = _blobs(60, 2, 3, 1.0, 26)
    C0 = np.vstack([X[:2], [[100.0, 100.0]]])
    alone = KMeans(3, init=C0, backend=backend, algorithm=algorithm).fit(X)
    padded = np.vstack([X, [[1e3, 1e3], [-1e3, 5e2]]])
    w = np.r_[np.ones(60), 0.0, 0.0]
    with_far = KMeans(3, init=C0, backend=backend, algorithm=algorithm).fit(
        padded, sample_weight=w)
    np.testing.assert_allclose(with_far.cluster_centers_, alone.cluster_centers_,
                               rtol=1e-12)
    assert with_far.inertia_ == pytest.approx(alone.inertia_, rel=1e-12)
    np.testing.assert_array_equal(with_far.labels_[:60], alone.labels_)
    assert np.unique(alone.labels_).size == 3  # the cluster was refilled, from X


def test_fewer_weighted_rows_than_clusters_refill_nothing_from_zero_weight_rows(backend):
    # two rows of positive weight for three clusters: the rows of weight 0, far out,
    # refill nothing
    X = np.array([[0.0, 0.0], [1.0, 0.0], [50.0, 50.0], [60.0, 60.0]])
    C0 = np.array([[0.0, 0.0], [1.0, 0.0], [200.0, 200.0]])
    with pytest.warns(fastem.ConvergenceWarning, match="distinct clusters \\(2\\)"):
        km = KMeans(3, init=C0, backend=backend).fit(X, sample_weight=[1, 1, 0, 0])
    # every centre sits on one of the two rows (the empty one moved onto a row of
    # positive weight, at distance 0, as scikit-learn moves it), none on a far row
    assert all(any((c == x).all() for x in X[:2]) for c in km.cluster_centers_)
    assert km.inertia_ == 0.0
    np.testing.assert_array_equal(km.predict(X[:2]), km.labels_[:2])


# -------------------------------------------------------------- bad input

GOOD = np.arange(40, dtype=float).reshape(20, 2)


@pytest.mark.parametrize("X,exc,match", [
    (np.array([[1.0, np.nan]] * 10), ValueError, "X contains NaN"),
    (np.array([[1.0, np.inf]] * 10), ValueError, "X contains infinity"),
    (np.empty((0, 2)), ValueError, "0 sample"),
    (np.empty((10, 0)), ValueError, "0 feature"),
    (np.ones((4, 3, 2)), ValueError, "3 dimensions"),
    (np.arange(10.0), ValueError, "Expected 2D array"),
    (np.array(3.0), ValueError, "scalar"),
    (np.ones((10, 2)) * 1j, ValueError, "Complex data not supported"),
    (np.array([["a", "b"]] * 10), TypeError, "numbers"),
    (np.array([[{"a": 1}, 2.0]] * 10, dtype=object), TypeError, "must hold numbers"),
])
def test_bad_X(backend, X, exc, match):
    with pytest.raises(exc, match=match):
        KMeans(2, backend=backend).fit(X)


def test_sparse_X_is_refused_by_name():
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="X is a sparse matrix"):
        KMeans(2).fit(sparse.csr_matrix(GOOD))


@pytest.mark.parametrize("params,exc,match", [
    (dict(n_clusters=0), ValueError, "n_clusters must be >= 1"),
    (dict(n_clusters=2.5), TypeError, "n_clusters must be an integer"),
    (dict(n_clusters=21), ValueError, "n_samples=20 should be >= n_clusters=21"),
    (dict(n_init=0), ValueError, "n_init must be >= 1"),
    (dict(max_iter=0), ValueError, "max_iter must be >= 1"),
    (dict(max_iter=True), TypeError, "max_iter must be an integer"),
    (dict(tol=-1.0), ValueError, "tol must be >= 0"),
    (dict(tol="x"), TypeError, "tol must be a real number"),
    (dict(tol=float("nan")), ValueError, "tol must be finite"),
    (dict(init="kmeans||"), ValueError, "init must be one of"),
    (dict(init=np.zeros((3, 2))), ValueError, r"init must have shape .* \(2, 2\)"),
    (dict(init=np.zeros((2, 3))), ValueError, r"init must have shape"),
    (dict(init=np.array([[0.0, np.nan], [1.0, 1.0]])), ValueError, "init contains NaN"),
    (dict(init=lambda X, k, rng: np.zeros((k + 1, 2))), ValueError,
     "centres returned by init must have shape"),
    (dict(backend="cuda"), ValueError, "backend must be one of"),
    (dict(random_state=-1), ValueError, "random_state must be a non-negative"),
    (dict(random_state="seed"), TypeError, "random_state must be"),
    (dict(verbose=-1), ValueError, "verbose must be >= 0"),
    (dict(record_history="yes"), TypeError, "record_history must be True or False"),
    (dict(warm_start=1), TypeError, "warm_start must be True or False"),
])
def test_bad_parameters(params, exc, match):
    params = {"n_clusters": 2, **params}
    with pytest.raises(exc, match=match):
        KMeans(**params).fit(GOOD)


@pytest.mark.parametrize("w,exc,match", [
    (np.ones(19), ValueError, r"sample_weight.shape == \(19,\), expected \(20,\)"),
    (np.ones((20, 2)), ValueError, "sample_weight.shape"),
    (-np.ones(20), ValueError, "sample_weight must be non-negative"),
    (np.zeros(20), ValueError, "sample_weight sums to zero"),
    (np.r_[np.nan, np.ones(19)], ValueError, "sample_weight contains NaN"),
    (np.array(["a"] * 20), TypeError, "sample_weight must be an array of numbers"),
])
def test_bad_sample_weight(w, exc, match):
    with pytest.raises(exc, match=match):
        KMeans(2).fit(GOOD, sample_weight=w)


def test_random_init_needs_enough_weighted_rows():
    w = np.r_[1.0, np.zeros(19)]
    with pytest.raises(ValueError, match="positive sample_weight"):
        KMeans(2, init="random").fit(GOOD, sample_weight=w)


def test_predict_before_fit_and_wrong_features():
    km = KMeans(2)
    for method in (km.predict, km.transform, km.score):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            method(GOOD)
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    km.fit(GOOD)
    with pytest.raises(ValueError, match="X has 3 features, but KMeans is expecting 2"):
        km.predict(np.ones((5, 3)))
    with pytest.raises(ValueError, match="Expected 2D array"):
        km.predict(np.ones(2))


def test_explicit_init_with_n_init_warns_and_runs_once():
    with pytest.warns(RuntimeWarning, match="only one init"):
        km = KMeans(2, init=GOOD[:2], n_init=3).fit(GOOD)
    assert km.n_iter_ >= 1


def test_int_and_other_dtypes_become_float64():
    for X in (GOOD.astype(np.int64), GOOD.astype(np.int32), GOOD.astype(np.float16),
              GOOD.astype(bool), GOOD.tolist()):
        km = KMeans(2, random_state=0).fit(X)
        assert km.cluster_centers_.dtype == np.float64


def test_fortran_and_strided_input(backend):
    X = np.asfortranarray(_blobs(200, 3, 3, 1.0, 26))
    C0 = _init(X, 3, 26)
    a = KMeans(3, init=C0, backend=backend).fit(X)
    b = KMeans(3, init=C0, backend=backend).fit(np.ascontiguousarray(X))
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    Xs = np.repeat(X, 2, axis=0)[::2]
    np.testing.assert_array_equal(KMeans(3, init=C0, backend=backend).fit(Xs).labels_,
                                  b.labels_)
