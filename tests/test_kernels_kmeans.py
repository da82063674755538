"""K-Means kernels: numba = NumPy reference = naive loop, at chunk boundaries,
both dtypes, serial and parallel, 1 and 2 threads."""

import numpy as np
import pytest

from fastem._reference import kmeans as ref
from conftest import requires_numba, rtol_for
from naive import kmeans_step

CHUNK = 16
# below, at and above one chunk; several chunks; more chunks than MAX_BLOCKS (64),
# so that blocks hold several chunks; the default chunk size's boundary.
SIZES = [(1, CHUNK), (CHUNK - 1, CHUNK), (CHUNK, CHUNK), (CHUNK + 1, CHUNK),
         (5 * CHUNK + 3, CHUNK), (64 * CHUNK + 1, CHUNK), (150 * CHUNK + 7, CHUNK),
         (255, 256), (256, 256), (257, 256)]


def _modules():
    mods = [("reference", False, None)]
    try:
        from fastem._backend import numba_available

        if numba_available():
            mods += [("numba", False, None), ("numba", True, 1), ("numba", True, 2)]
    except ImportError:  # pragma: no cover
        pass
    return mods


def _kernels(name):
    if name == "reference":
        return ref
    from fastem._kernels import kmeans

    return kmeans


def _call(name, parallel, threads, fn, *args):
    mod = _kernels(name)
    if name == "numba":
        from fastem._parallel import thread_limit

        with thread_limit(threads):
            return getattr(mod, fn)(*args, parallel)
    return getattr(mod, fn)(*args, parallel)


def _data(n, d, k, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    centers = rng.normal(size=(k, d)).astype(dtype)
    w = rng.uniform(0.1, 2.0, size=n)
    return X, w, centers


def _offset(centers):
    # any point serves as the frame's origin; the estimators take the centres' mid-range
    return np.ascontiguousarray(centers.min(axis=0) * 0.5 + centers.max(axis=0) * 0.5)


# one per nearest-centre method of the numba kernel: rows (d <= 3), feature-major
# chunks (4 <= d < 32), a BLAS product per chunk (d >= 32)
DIMS = [3, 8, 40]


@pytest.mark.parametrize("kernel", _modules(), ids=lambda m: f"{m[0]}-par{m[1]}-t{m[2]}")
@pytest.mark.parametrize("n,chunk", SIZES)
@pytest.mark.parametrize("d", DIMS)
def test_lloyd_iter_matches_naive(kernel, n, chunk, d, dtype):
    name, parallel, threads = kernel
    X, w, centers = _data(n, d, 5, dtype)
    labels = np.full(n, -1, dtype=np.int32)
    labels[: n // 2] = 0  # half the labels already right or wrong: n_changed counts
    before = labels.copy()
    sums = np.full((5, d), np.nan)
    wsums = np.full(5, np.nan)
    offset = _offset(centers)
    inertia, n_changed = _call(name, parallel, threads, "lloyd_iter", X, w, centers,
                               offset, labels, sums, wsums, chunk)
    exp_labels, exp_sums, exp_w, exp_inertia, _ = kmeans_step(X, w, centers)
    rtol = rtol_for(dtype)
    np.testing.assert_array_equal(labels, exp_labels)
    # the sums are about each row's centre
    np.testing.assert_allclose(sums, exp_sums - exp_w[:, None] * centers, rtol=rtol,
                               atol=rtol * (1 + np.abs(exp_sums).max()))
    np.testing.assert_allclose(wsums, exp_w, rtol=1e-12)
    assert inertia == pytest.approx(exp_inertia, rel=rtol)
    assert n_changed == int(np.count_nonzero(before != exp_labels))
    assert labels.dtype == np.int32


@pytest.mark.parametrize("kernel", _modules(), ids=lambda m: f"{m[0]}-par{m[1]}-t{m[2]}")
@pytest.mark.parametrize("n,chunk", SIZES)
@pytest.mark.parametrize("d", DIMS)
def test_assign_matches_naive(kernel, n, chunk, d, dtype):
    name, parallel, threads = kernel
    X, w, centers = _data(n, d, 3, dtype, seed=1)
    labels = np.empty(n, dtype=np.int32)
    mindist = np.empty(n)
    offset = _offset(centers)
    inertia = _call(name, parallel, threads, "assign", X, w, centers, offset, labels,
                    mindist, chunk)
    exp_labels, _, _, exp_inertia, exp_dist = kmeans_step(X, w, centers)
    rtol = rtol_for(dtype)
    np.testing.assert_array_equal(labels, exp_labels)
    np.testing.assert_allclose(mindist, exp_dist, rtol=rtol, atol=rtol)
    assert inertia == pytest.approx(exp_inertia, rel=rtol)
    # without a distance buffer, nothing is written and the result is the same
    labels2 = np.empty(n, dtype=np.int32)
    inertia2 = _call(name, parallel, threads, "assign", X, w, centers, offset, labels2,
                     np.empty(0), chunk)
    np.testing.assert_array_equal(labels2, labels)
    # fast-math may vectorise the sum differently in the two variants: equal to rounding
    assert inertia2 == pytest.approx(inertia, rel=1e-12)


@pytest.mark.parametrize("kernel", _modules(), ids=lambda m: f"{m[0]}-par{m[1]}-t{m[2]}")
@pytest.mark.parametrize("n,chunk", SIZES[:6])
def test_sq_distances_matches_loop(kernel, n, chunk, dtype):
    name, parallel, threads = kernel
    X, _, centers = _data(n, 2, 4, dtype, seed=2)
    out = np.empty((n, 4), dtype=dtype)
    _call(name, parallel, threads, "sq_distances", X, centers, _offset(centers), out, chunk)
    expected = np.array([[sum((float(a) - float(b)) ** 2 for a, b in zip(x, c))
                          for c in centers] for x in X])
    np.testing.assert_allclose(out, expected, rtol=rtol_for(dtype), atol=rtol_for(dtype))


@requires_numba
@pytest.mark.parametrize("n", [1000, 20_011])
def test_parallel_result_independent_of_thread_count(n, dtype):
    # fixed chunk -> block mapping and a serial reduction: bitwise identical
    from fastem._parallel import max_threads

    X, w, centers = _data(n, 6, 7, dtype, seed=3)
    results = []
    for threads in sorted({1, 2, max_threads()}):
        labels = np.full(n, -1, dtype=np.int32)
        sums, wsums = np.empty((7, 6)), np.empty(7)
        inertia, changed = _call("numba", True, threads, "lloyd_iter", X, w, centers,
                                 _offset(centers), labels, sums, wsums, 64)
        results.append((inertia, changed, sums.copy(), wsums.copy(), labels.copy()))
    for other in results[1:]:
        assert other[0] == results[0][0]
        assert other[1] == results[0][1]
        np.testing.assert_array_equal(other[2], results[0][2])
        np.testing.assert_array_equal(other[3], results[0][3])
        np.testing.assert_array_equal(other[4], results[0][4])


@requires_numba
def test_kernels_accept_readonly_and_ties_go_to_first_centre():
    from fastem._kernels import kmeans

    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    X.setflags(write=False)
    centers = np.array([[1.0, 1.0], [1.0, -1.0], [5.0, 5.0]])  # row 1 is a tie
    centers.setflags(write=False)
    w = np.ones(3)
    for mod in (ref, kmeans):
        labels = np.full(3, -1, dtype=np.int32)
        sums, wsums = np.empty((3, 2)), np.empty(3)
        mod.lloyd_iter(X, w, centers, _offset(centers), labels, sums, wsums, 2, False)
        np.testing.assert_array_equal(labels, [0, 0, 0])
        np.testing.assert_array_equal(wsums, [3.0, 0.0, 0.0])


@pytest.mark.parametrize("kernel", _modules(), ids=lambda m: f"{m[0]}-par{m[1]}-t{m[2]}")
@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("shift", [1e6, 1e8, -3e9])
def test_far_from_the_origin_same_as_near_it(kernel, d, shift, dtype):
    # every search form (the expanded one too) works about the offset: data and
    # centres shifted far from the origin give the labels and distances they give
    # near it, to the rounding of the shifted numbers themselves
    name, parallel, threads = kernel
    if dtype == np.float32:
        shift = shift / 1e5  # about 1e1..1e4: float32 keeps 3 to 6 digits of the spread
    n = 700
    rng = np.random.default_rng(5)
    centers = rng.normal(scale=4.0, size=(6, d))
    X = centers[rng.integers(0, 6, n)] + rng.normal(size=(n, d))
    Xs = (X + shift).astype(dtype)
    Cs = (centers + shift).astype(dtype)
    # the oracle: the naive loop on the same shifted numbers, in float64
    exp_labels, exp_sums, exp_w, exp_inertia, exp_dist = kmeans_step(Xs, np.ones(n), Cs)
    labels = np.full(n, -1, dtype=np.int32)
    sums, wsums = np.empty((6, d)), np.empty(6)
    offset = _offset(Cs)
    inertia, _ = _call(name, parallel, threads, "lloyd_iter", Xs, np.ones(n), Cs, offset,
                       labels, sums, wsums, 64)
    np.testing.assert_array_equal(labels, exp_labels)
    rtol = 1e-3 if dtype == np.float32 else 1e-9
    assert inertia == pytest.approx(exp_inertia, rel=rtol)
    # the new centres, as the estimators form them, against each cluster's mean taken
    # about the shift (exact differences), to the spacing of the shifted numbers
    filled = np.flatnonzero(wsums > 0)
    new = Cs[filled].astype(np.float64) + sums[filled] / wsums[filled, None]
    exact = np.array([(Xs[exp_labels == j].astype(np.float64) - shift).mean(axis=0)
                      for j in filled])
    spacing = np.spacing(np.abs(Xs).max().astype(dtype))
    np.testing.assert_allclose(new - shift, exact, atol=4 * float(spacing) + 1e-12)
    mindist = np.empty(n)
    _call(name, parallel, threads, "assign", Xs, np.ones(n), Cs, offset, labels, mindist, 64)
    np.testing.assert_array_equal(labels, exp_labels)
    np.testing.assert_allclose(mindist, exp_dist, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("kernel", _modules(), ids=lambda m: f"{m[0]}-par{m[1]}-t{m[2]}")
@pytest.mark.parametrize("d", DIMS)
def test_rows_on_their_centre_are_at_distance_zero(kernel, d, dtype):
    # constant data: rows and centres coincide, the offset is that value, and every
    # distance and sum is exactly 0 (so the centre cannot drift by rounding)
    name, parallel, threads = kernel
    X = np.full((300, d), 0.4, dtype=dtype)
    C = np.full((3, d), 0.4, dtype=dtype)
    labels = np.full(300, -1, dtype=np.int32)
    sums, wsums = np.empty((3, d)), np.empty(3)
    inertia, _ = _call(name, parallel, threads, "lloyd_iter", X, np.full(300, 0.3), C,
                       _offset(C), labels, sums, wsums, 64)
    assert inertia == 0.0
    np.testing.assert_array_equal(labels, 0)
    np.testing.assert_array_equal(sums, 0.0)


# (d, k, the form nearest_method picks); the COLUMNS form pads the features to a
# multiple of 4 and the centres to a multiple of 4, with registers up to 20 features
# and one centre per pass from 24; the GEMM form keeps a chunk row-major from
# GEMM_ROW_MAJOR (64) features on
SEARCH_SHAPES = [(2, 3, 0), (2, 12, 2), (3, 256, 2), (4, 7, 1), (5, 20, 1), (8, 9, 1),
                 (11, 4, 1), (16, 130, 2), (13, 40, 1), (16, 21, 1), (17, 5, 1),
                 (20, 6, 1), (23, 3, 1), (31, 10, 1), (40, 4, 2), (64, 3, 2), (70, 9, 2)]


@pytest.mark.parametrize("kernel", _modules(), ids=lambda m: f"{m[0]}-par{m[1]}-t{m[2]}")
@pytest.mark.parametrize("d,k,form", SEARCH_SHAPES)
@pytest.mark.parametrize("n,chunk", [(1, 256), (255, 256), (257, 256), (3001, 256),
                                     (3001, 1000)])
def test_every_search_form_matches_the_naive_loop(kernel, d, k, form, n, chunk, dtype):
    name, parallel, threads = kernel
    if name == "numba":
        from fastem._kernels import kmeans

        assert kmeans.nearest_method(d, k) == form
    X, w, centers = _data(n, d, k, dtype, seed=d * 1000 + k)
    labels = np.full(n, -1, dtype=np.int32)
    sums, wsums = np.empty((k, d)), np.empty(k)
    inertia, n_changed = _call(name, parallel, threads, "lloyd_iter", X, w, centers,
                               _offset(centers), labels, sums, wsums, chunk)
    exp_labels, exp_sums, exp_w, exp_inertia, exp_dist = kmeans_step(X, w, centers)
    rtol = rtol_for(dtype)
    # float32 expansion may flip rows at a near-tie: those must be ties
    same = labels == exp_labels
    chosen = ((X[~same].astype(np.float64) - centers[labels[~same]]) ** 2).sum(axis=1)
    np.testing.assert_allclose(chosen, exp_dist[~same], rtol=1e-5)
    assert same.mean() > (0.999 if dtype == np.float32 else 1 - 1e-12)
    if same.all():
        np.testing.assert_allclose(sums, exp_sums - exp_w[:, None] * centers, rtol=rtol,
                                   atol=rtol * (1 + np.abs(exp_sums).max()))
        np.testing.assert_allclose(wsums, exp_w, rtol=1e-12)
    assert inertia == pytest.approx(exp_inertia, rel=rtol)
    assert n_changed == n
    mindist = np.empty(n)
    _call(name, parallel, threads, "assign", X, w, centers, _offset(centers), labels,
          mindist, chunk)
    np.testing.assert_allclose(mindist[same], exp_dist[same], rtol=rtol, atol=rtol)


def test_search_form_tags_carry_the_form_and_the_width():
    from fastem._kernels import kmeans

    assert kmeans.search_form(2, 3) == ((), ())  # ROWS
    assert kmeans.search_form(5, 20) == ((0,), (0, 0))  # COLUMNS, 8 features wide
    assert kmeans.search_form(13, 40) == ((0,), (0,) * 4)  # 16 wide
    assert kmeans.search_form(40, 4) == ((0, 0), ())  # GEMM


@requires_numba
def test_a_fit_compiles_only_its_search_form(tmp_path):
    # in a fresh cache: a d = 2 fit compiles the pass with its inline row search and no
    # chunk search; a d = 8 fit then adds the tile search, and nothing compiles the
    # matrix-product form
    import subprocess
    import sys

    code = """
import numpy as np
import fastem
from fastem._kernels import kmeans as K
rng = np.random.default_rng(0)
X = rng.normal(size=(3000, 2))
fastem.KMeans(3, random_state=0, max_iter=3).fit(X)
print(len(K._lloyd_blocks.signatures), len(K._nearest_tile.signatures),
      len(K._nearest_gemm.signatures))
X = rng.normal(size=(3000, 8))
fastem.KMeans(3, random_state=0, max_iter=3).fit(X)
print(len(K._lloyd_blocks.signatures), len(K._nearest_tile.signatures),
      len(K._nearest_gemm.signatures))
"""
    env = dict(__import__("os").environ, NUMBA_CACHE_DIR=str(tmp_path))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=600)
    assert res.returncode == 0, res.stderr
    first, second = [line.split() for line in res.stdout.splitlines()[-2:]]
    assert first == ["1", "0", "0"]  # fit and predictions share one pass
    assert second == ["2", "1", "0"]


@requires_numba
@pytest.mark.parametrize("parallel,threads", [(False, None), (True, 1), (True, 2)])
@pytest.mark.parametrize("n", [CHUNK + 1, 60 * CHUNK + 7])
def test_many_centres_take_fewer_blocks_and_the_same_step(parallel, threads, n, dtype):
    # k x (d + 1) = 600 x 65 values per block: the partial sums' budget allows 53
    # blocks, not MAX_BLOCKS, so blocks hold other chunks than with few centres. The
    # oracle is the NumPy twin (itself checked against the naive loop above)
    from fastem._kernels.kmeans import MAX_BLOCKS, STATS_BUDGET, _block_layout

    n_blocks, block_rows = _block_layout(n, CHUNK, 600, 64)
    assert n_blocks == -(-n // block_rows) <= STATS_BUDGET // (600 * 65) < MAX_BLOCKS
    assert block_rows % CHUNK == 0
    X, w, centers = _data(n, 64, 600, dtype, seed=5)
    out = {}
    for name in ("reference", "numba"):
        labels = np.full(n, -1, dtype=np.int32)
        sums, wsums = np.empty((600, 64)), np.empty(600)
        res = _call(name, parallel, threads, "lloyd_iter", X, w, centers, _offset(centers),
                    labels, sums, wsums, CHUNK)
        out[name] = (labels, sums, wsums) + tuple(res)
    (labels, sums, wsums, inertia, changed), ref_out = out["numba"], out["reference"]
    rtol = rtol_for(dtype)
    np.testing.assert_array_equal(labels, ref_out[0])
    np.testing.assert_allclose(sums, ref_out[1], rtol=rtol,
                               atol=rtol * (1 + np.abs(ref_out[1]).max()))
    np.testing.assert_allclose(wsums, ref_out[2], rtol=1e-12)
    assert inertia == pytest.approx(ref_out[3], rel=rtol)
    assert changed == ref_out[4] == n
