"""K-Means with bounded searches (``algorithm="hamerly"``, its alias "elkan",
``"yinyang"``, and "auto" from many clusters): Lloyd's iterates, against the naive loop
step by step (and Yinyang's bounds against the true distances) and against
``algorithm="lloyd"`` fit by fit."""

import io
import re
from contextlib import redirect_stdout

import numpy as np
import pytest
from sklearn.datasets import make_blobs

import fastem
from fastem import KMeans
from conftest import requires_numba
from naive import kmeans_step

CHUNK = 16
SIZES = [(1, CHUNK), (CHUNK - 1, CHUNK), (CHUNK + 1, CHUNK), (64 * CHUNK + 1, CHUNK),
         (150 * CHUNK + 7, CHUNK), (3001, 256)]


def _variants():
    from fastem._reference import kmeans as ref

    out = [("reference", ref, False, None)]
    from fastem._backend import numba_available

    if numba_available():
        from fastem._kernels import kmeans as ker

        out += [("numba", ker, False, None), ("numba", ker, True, 1), ("numba", ker, True, 2)]
    return out


def _call(mod, parallel, threads, *args):
    from fastem._parallel import thread_limit

    with thread_limit(threads):
        return mod.hamerly_iter(*args, parallel)


def _problem(n, d, k, dtype, seed, blob_seed):
    """n rows of blobs, weights in [0.2, 2], and k centres drawn from the rows."""
    rng = np.random.default_rng(seed)
    X, _ = make_blobs(n_samples=max(n, 1), n_features=d, centers=k, random_state=blob_seed)
    X = X[:n].astype(dtype)
    w = rng.uniform(0.2, 2.0, size=n)
    centers = X[rng.choice(n, min(k, n), replace=False)].copy() if n >= k else \
        rng.normal(size=(k, d)).astype(dtype)
    return X, w, centers


def _assert_naive_step(X, w, centers, labels, sums, wsums, inertia, dtype):
    """The pass's labels, sums, weights and inertia are the naive loop's; returns the
    naive loop's new centres (float64)."""
    want_labels, want_sums, want_w, want_inertia, _ = kmeans_step(X, w, centers)
    np.testing.assert_array_equal(labels, want_labels)
    np.testing.assert_allclose(wsums, want_w, rtol=1e-12)
    tol = 1e-4 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(sums, want_sums - want_w[:, None] * centers, rtol=tol,
                               atol=tol * (1 + np.abs(want_sums).max()))
    assert inertia == pytest.approx(want_inertia, rel=tol)
    filled = want_w > 0
    new = centers.astype(np.float64)
    new[filled] = want_sums[filled] / want_w[filled, None]
    return new


@pytest.mark.parametrize("variant", _variants(), ids=lambda v: f"{v[0]}-par{v[2]}-t{v[3]}")
@pytest.mark.parametrize("n,chunk", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d,k", [(2, 40), (5, 9), (16, 33)])
def test_hamerly_iterations_are_the_naive_lloyd_steps(variant, n, chunk, dtype, d, k):
    # eight iterations, the centres moved by the naive loop's means: every step's
    # labels, sums, weights and inertia are the naive loop's
    _, mod, parallel, threads = variant
    X, w, centers = _problem(n, d, k, dtype, n + d * 7 + k, n % 97)
    labels = np.full(n, -1, dtype=np.int32)
    lower, drift = np.zeros(n), np.zeros(k)
    sums, wsums = np.empty((k, d)), np.empty(k)
    searched = []
    for it in range(8):
        inertia, n_changed, n_searched = _call(mod, parallel, threads, X, w, centers, labels,
                                               lower, drift, it == 0, sums, wsums, chunk)
        new = _assert_naive_step(X, w, centers, labels, sums, wsums, inertia, dtype)
        assert 0 <= n_searched <= n
        searched.append(n_searched)
        drift = np.sqrt(((new - centers) ** 2).sum(axis=1))
        centers = new.astype(dtype)
    assert searched[0] == n  # the first pass searches every row


def _yinyang_pass(mod, parallel, threads, state, X, w, centers, labels, sums, wsums,
                  chunk):
    """One pass as the estimator runs it: Lloyd and the first bounds, then Yinyang."""
    from fastem._parallel import thread_limit

    with thread_limit(threads):
        if "cum" not in state:
            inertia, n_changed = mod.lloyd_iter(X, w, centers, centers[0], labels, sums,
                                                wsums, chunk, parallel)
            mod.yinyang_seed(X, centers, labels, state["order"], state["gstart"],
                             state["stored"], state["glob"], parallel)
            state["cum"], state["cmax"] = np.zeros(state["gstart"].size - 1), 0.0
            return inertia, n_changed, X.shape[0] * centers.shape[0]
        return mod.yinyang_iter(X, w, centers, labels, state["order"], state["gstart"],
                                state["stored"], state["glob"], state["cum"],
                                state["cmax"], sums, wsums, chunk, parallel)


def _check_bounds(X, centers, labels, state, dtype):
    # every stored bound, less the drift since, is at most the row's true distance to
    # each centre of the group but its own (and the global one to every other centre)
    order, gstart = state["order"], state["gstart"]
    dist = np.sqrt(((X.astype(np.float64)[:, None, :]
                     - centers.astype(np.float64)[None]) ** 2).sum(axis=2))
    n = X.shape[0]
    dist[np.arange(n), labels] = np.inf
    slack = 1e-4 if dtype == np.float32 else 1e-10
    scale = 1.0 + dist[np.isfinite(dist)].max(initial=0.0)
    for g in range(gstart.size - 1):
        members = order[gstart[g]:gstart[g + 1]]
        members = members[members >= 0]
        true = dist[:, members].min(axis=1)
        bound = state["stored"][:, g] - state["cum"][g]
        assert (bound <= true + slack * scale).all()
    assert (state["glob"] - state["cmax"] <= dist.min(axis=1) + slack * scale).all()


@pytest.mark.parametrize("variant", _variants(), ids=lambda v: f"{v[0]}-par{v[2]}-t{v[3]}")
@pytest.mark.parametrize("n,chunk", SIZES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d,k,n_groups", [(2, 40, 4), (5, 9, 1), (16, 33, 5), (4, 20, 20)])
def test_yinyang_iterations_are_the_naive_lloyd_steps(variant, n, chunk, dtype, d, k,
                                                      n_groups):
    # ten iterations, the centres moved by the naive loop's means: every step's labels,
    # sums, weights and inertia are the naive loop's, and (numba) every bound holds
    from fastem.kmeans import _centre_groups

    _, mod, parallel, threads = variant
    X, w, centers = _problem(n, d, k, dtype, n + d * 11 + k, n % 89)
    k = centers.shape[0]
    order, gstart = _centre_groups(centers.astype(np.float64), n_groups)
    state = {"order": order, "gstart": gstart, "stored": np.zeros((n, gstart.size - 1)),
             "glob": np.zeros(n)}
    labels = np.full(n, -1, dtype=np.int32)
    sums, wsums = np.empty((k, d)), np.empty(k)
    for it in range(10):
        inertia, n_changed, n_computed = _yinyang_pass(mod, parallel, threads, state, X, w,
                                                       centers, labels, sums, wsums, chunk)
        new = _assert_naive_step(X, w, centers, labels, sums, wsums, inertia, dtype)
        assert 0 <= n_computed <= n * k
        if mod.__name__.endswith("_kernels.kmeans"):
            _check_bounds(X, centers, labels, state, dtype)
        drift = np.sqrt(((new - centers) ** 2).sum(axis=1))
        # each group's largest move (its -1 pads read centre 0: never larger)
        state["cum"] += np.maximum.reduceat(drift[np.maximum(order, 0)], gstart[:-1])
        state["cmax"] += float(drift.max())
        centers = new.astype(dtype)


def test_centre_groups_partition_the_centres_in_slabs():
    from fastem._kernels.kmeans import SLAB
    from fastem.kmeans import _centre_groups

    centers = make_blobs(300, n_features=3, centers=12, random_state=10)[0]
    for n_groups in (1, 7, 30, 300, 500):
        order, gstart = _centre_groups(centers, n_groups)
        assert gstart[0] == 0 and gstart[-1] == order.size
        assert (np.diff(gstart) % SLAB == 0).all() and (np.diff(gstart) > 0).all()
        assert 1 <= gstart.size - 1 <= min(n_groups, 300)
        np.testing.assert_array_equal(np.sort(order[order >= 0]), np.arange(300))
        for g in range(gstart.size - 1):
            part = order[gstart[g]:gstart[g + 1]]
            real = part[part >= 0]
            assert real.size and (np.diff(real) > 0).all()  # increasing, then -1 pads
            assert (part[real.size:] == -1).all()
    # nearby centres share a group: two far clumps are never mixed in two groups
    two = np.vstack([np.zeros((20, 2)), np.full((20, 2), 100.0)])
    two += np.random.default_rng(0).normal(scale=0.1, size=two.shape)
    order, gstart = _centre_groups(two, 2)
    groups = [set(order[gstart[g]:gstart[g + 1]]) - {-1} for g in range(2)]
    assert sorted(map(sorted, groups)) == [list(range(20)), list(range(20, 40))]


def _fit_both(X, k, seed=0, algorithm="hamerly", **kw):
    init = X[np.random.default_rng(seed).choice(len(X), k, replace=False)]
    fits = {}
    for a in ("lloyd", algorithm):
        fits[a] = KMeans(k, init=init, algorithm=a, **kw).fit(X)
    return fits["lloyd"], fits[algorithm]


DATASETS = {
    "blobs-d2-k100": lambda: make_blobs(20_000, n_features=2, centers=100, random_state=0)[0],
    "blobs-d8-k40": lambda: make_blobs(8_000, n_features=8, centers=40, random_state=1)[0],
    "uniform-d3-k64": lambda: np.random.default_rng(2).uniform(size=(10_000, 3)),
    "far-d4-k50": lambda: make_blobs(6_000, n_features=4, centers=50,
                                     random_state=3)[0] + 1e6,
}


@requires_numba
@pytest.mark.filterwarnings("ignore::fastem.ConvergenceWarning")
@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("algorithm", ["hamerly", "yinyang"])
def test_bounded_fit_equals_lloyd_fit(name, dtype, algorithm):
    X = DATASETS[name]().astype(dtype)
    k = int(name.rsplit("k", 1)[1])
    lloyd, bounded = _fit_both(X, k, algorithm=algorithm, max_iter=100, tol=1e-6,
                               record_history=True)
    if dtype == np.float32:
        # float32 distances: Lloyd's matrix-product form (d <= 3 with many centres)
        # rounds them otherwise than the bounded search's direct float64 sums, so a
        # near-tie may go either way on the path; the fits end at the same partition
        assert (bounded.labels_ == lloyd.labels_).mean() > 0.999
        assert bounded.inertia_ == pytest.approx(lloyd.inertia_, rel=1e-4)
        return
    np.testing.assert_array_equal(bounded.labels_, lloyd.labels_)
    assert bounded.n_iter_ == lloyd.n_iter_ and bounded.converged_ == lloyd.converged_
    tol, scale = 1e-12, np.abs(X).max()
    np.testing.assert_allclose(bounded.cluster_centers_, lloyd.cluster_centers_, rtol=tol,
                               atol=tol * scale)
    assert bounded.inertia_ == pytest.approx(lloyd.inertia_, rel=tol)
    np.testing.assert_allclose(bounded.history_["objective"], lloyd.history_["objective"],
                               rtol=tol)
    np.testing.assert_allclose(bounded.history_["cluster_centers"],
                               lloyd.history_["cluster_centers"], rtol=tol, atol=tol * scale)


@requires_numba
@pytest.mark.parametrize("algorithm,d", [("hamerly", 3), ("yinyang", 3), ("yinyang", 7)])
def test_bounded_with_weights_and_empty_clusters_equals_lloyd(algorithm, d):
    X, _ = make_blobs(5_000, n_features=d, centers=30, random_state=4)
    w = np.random.default_rng(4).integers(0, 4, size=len(X)).astype(float)
    init = X[:40].copy()
    init[35:] = X.max(axis=0) + 100.0  # far centres: empty at first, then relocated
    fits = [KMeans(40, init=init, algorithm=a, max_iter=60, tol=0).fit(X, sample_weight=w)
            for a in ("lloyd", algorithm)]
    np.testing.assert_array_equal(fits[1].labels_, fits[0].labels_)
    np.testing.assert_allclose(fits[1].cluster_centers_, fits[0].cluster_centers_,
                               rtol=1e-12, atol=1e-9)
    assert fits[1].inertia_ == pytest.approx(fits[0].inertia_, rel=1e-12)
    assert fits[1].n_iter_ == fits[0].n_iter_


@requires_numba
@pytest.mark.filterwarnings("ignore::fastem.ConvergenceWarning")
@pytest.mark.parametrize("d,k_range,quantised", [(2, (8, 40), True), (2, (8, 40), False),
                                                 (40, (3, 30), True), (3, (3, 8), True)])
def test_bounded_searches_break_exact_ties_as_lloyd(d, k_range, quantised):
    # duplicated rows on a grid: init="random" draws copies of one point (coinciding
    # centres) and rows sit at exactly equal distances from two centres. Lloyd gives a
    # tie to the first centre (its matrix-product form, for these shapes, decides near
    # ties by the direct distances); the bounded searches must give the same labels,
    # centres (bit for bit) and iteration count
    for seed in range(24):
        rng = np.random.default_rng(seed)
        base = rng.normal(size=(60, d))
        if quantised:
            base = np.round(base * 4) / 4
        X = np.r_[base, base, base[:20]]
        k = int(rng.integers(*k_range))
        lloyd = KMeans(k, init="random", random_state=seed, algorithm="lloyd").fit(X)
        for algorithm in ("hamerly", "yinyang"):
            km = KMeans(k, init="random", random_state=seed, algorithm=algorithm).fit(X)
            np.testing.assert_array_equal(km.labels_, lloyd.labels_, err_msg=algorithm)
            np.testing.assert_array_equal(km.cluster_centers_, lloyd.cluster_centers_)
            assert km.n_iter_ == lloyd.n_iter_ and km.inertia_ == lloyd.inertia_


@requires_numba
@pytest.mark.filterwarnings("ignore::fastem.ConvergenceWarning")
def test_verbose_reports_the_rows_searched_and_the_bound_skips_most():
    X, _ = make_blobs(20_000, n_features=2, centers=100, cluster_std=0.5, random_state=5)
    out = io.StringIO()
    with redirect_stdout(out):
        KMeans(100, algorithm="hamerly", random_state=0, max_iter=30, verbose=2,
               verbose_interval=1).fit(X)
    shares = [float(v) for v in re.findall(r"full searches ([\d.]+)% of the rows",
                                           out.getvalue())]
    assert shares[0] == 100.0  # the first iteration searches every row
    assert len(shares) >= 5 and min(shares[3:]) < 20.0
    skipped = [float(v) for v in re.findall(r"distances skipped ([\d.]+)%", out.getvalue())]
    assert skipped[0] == 0.0 and len(skipped) == len(shares)
    # (rows kept) / (all distances): 1 - ((n - searched) + searched k) / (n k)
    assert skipped[4] == pytest.approx(100 * (1 - ((1 - shares[4] / 100) * 100
                                                    + shares[4] / 100 * 100 * 100)
                                              / (100 * 100)), abs=0.06)
    X, _ = make_blobs(20_000, n_features=8, centers=100, cluster_std=0.5, random_state=5)
    out = io.StringIO()
    with redirect_stdout(out):
        KMeans(100, algorithm="yinyang", random_state=0, max_iter=30, verbose=2,
               verbose_interval=1).fit(X)
    skipped = [float(v) for v in re.findall(r"distances skipped ([\d.]+)%", out.getvalue())]
    assert skipped[0] == 0.0  # the first iteration is a Lloyd pass
    assert len(skipped) >= 5 and max(skipped[3:]) > 80.0


@pytest.mark.filterwarnings("ignore::fastem.ConvergenceWarning")
def test_algorithm_choices():
    X, _ = make_blobs(2_000, n_features=2, centers=40, random_state=6)
    init = X[:40]
    base = KMeans(40, init=init, algorithm="lloyd", max_iter=20).fit(X)
    for algorithm in ("elkan", "auto", "hamerly", "yinyang"):
        km = KMeans(40, init=init, algorithm=algorithm, max_iter=20).fit(X)
        np.testing.assert_array_equal(km.labels_, base.labels_)
    # the NumPy backend runs Lloyd whatever the algorithm: the same iterates
    for algorithm in ("hamerly", "yinyang"):
        km = KMeans(40, init=init, algorithm=algorithm, max_iter=20, backend="python").fit(X)
        np.testing.assert_array_equal(km.labels_, base.labels_)
    with pytest.raises(ValueError, match="algorithm"):
        KMeans(3, algorithm="fast").fit(X)


@requires_numba
@pytest.mark.filterwarnings("ignore::fastem.ConvergenceWarning")
def test_auto_runs_hamerly_from_the_documented_number_of_clusters():
    from fastem import kmeans as km_module

    k_min, d_max = km_module.AUTO_HAMERLY_MIN_K, km_module.AUTO_HAMERLY_MAX_FEATURES
    for k, d, bounded in ((k_min - 1, 2, False), (k_min, 2, True), (k_min, d_max, True),
                          (k_min, d_max + 1, False)):
        X, _ = make_blobs(3_000, n_features=d, centers=5, random_state=7)
        out = io.StringIO()
        with redirect_stdout(out):
            km = KMeans(k, random_state=0, max_iter=40, tol=0, verbose=2,
                        verbose_interval=1).fit(X)
        lines = [ln for ln in out.getvalue().splitlines() if ln.startswith("Iteration")]
        searched = ["full searches" in ln for ln in lines]
        assert any(searched) == bounded
        if bounded:  # Lloyd first; the bound from the first iteration with few changes
            first = searched.index(True)
            assert first >= 1 and all(searched[first:])
            lloyd = KMeans(k, random_state=0, max_iter=40, tol=0, algorithm="lloyd").fit(X)
            np.testing.assert_array_equal(km.labels_, lloyd.labels_)
            assert km.n_iter_ == lloyd.n_iter_


@requires_numba
@pytest.mark.filterwarnings("ignore::fastem.ConvergenceWarning")
def test_auto_runs_yinyang_from_the_documented_number_of_clusters_and_lloyd_above_3_features():
    from fastem import kmeans as km_module

    k_min, d_max = km_module.AUTO_YINYANG_MIN_K, km_module.AUTO_HAMERLY_MAX_FEATURES
    for k, d, note in ((k_min - 1, 2, "full searches"), (k_min, 2, "distances skipped"),
                       (k_min, d_max, "distances skipped"), (k_min, d_max + 1, None)):
        X, _ = make_blobs(4_000, n_features=d, centers=k // 4, random_state=11)
        out = io.StringIO()
        with redirect_stdout(out):
            km = KMeans(k, random_state=0, max_iter=30, tol=0, verbose=2,
                        verbose_interval=1).fit(X)
        lines = [ln for ln in out.getvalue().splitlines() if ln.startswith("Iteration")]
        if note is None:
            assert not any("skipped" in ln or "searches" in ln for ln in lines)
            continue
        marked = [note in ln and (note == "full searches" or "full searches" not in ln)
                  for ln in lines]
        first = marked.index(True)  # Lloyd first; the bounds once few rows change
        assert first >= 1 and all(marked[first:])
        lloyd = KMeans(k, random_state=0, max_iter=30, tol=0, algorithm="lloyd").fit(X)
        np.testing.assert_array_equal(km.labels_, lloyd.labels_)
        assert km.n_iter_ == lloyd.n_iter_


def test_partial_fit_and_statistics_are_unchanged_by_the_algorithm():
    X, _ = make_blobs(3_000, n_features=2, centers=40, random_state=8)
    init = X[:40]
    a = KMeans(40, init=init, algorithm="hamerly").partial_fit(X)
    b = KMeans(40, init=init, algorithm="lloyd").partial_fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert fastem.KMeans(40, algorithm="hamerly").get_params()["algorithm"] == "hamerly"


@requires_numba
@pytest.mark.filterwarnings("ignore::fastem.ConvergenceWarning")
@pytest.mark.parametrize("algorithm", ["hamerly", "yinyang", "auto"])
def test_bounded_search_on_real_data_equals_lloyd(algorithm):
    # scikit-learn's handwritten digits (1797 x 64, bundled): 40 centres, and the first
    # two principal components (where auto moves to the bound) with 64
    from sklearn.datasets import load_digits

    X = load_digits().data.astype(np.float64)
    Z = (X - X.mean(axis=0)) @ np.linalg.svd(X - X.mean(axis=0), full_matrices=False)[2][:2].T
    for data, k in ((X, 40), (Z, 64)):
        init = data[np.random.default_rng(9).choice(len(data), k, replace=False)]
        lloyd = KMeans(k, init=init, algorithm="lloyd", max_iter=100).fit(data)
        other = KMeans(k, init=init, algorithm=algorithm, max_iter=100).fit(data)
        np.testing.assert_array_equal(other.labels_, lloyd.labels_)
        assert other.n_iter_ == lloyd.n_iter_
        np.testing.assert_allclose(other.cluster_centers_, lloyd.cluster_centers_,
                                   rtol=1e-12, atol=1e-10)
        assert other.inertia_ == pytest.approx(lloyd.inertia_, rel=1e-12)
