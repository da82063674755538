"""Property tests (hypothesis) of what Lloyd's algorithm guarantees."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fastem import KMeans
from fastem._reference import kmeans as ref
from fastem.gaussian_mixture import COVARIANCE_TYPES as ALL_TYPES
from naive import kmeans_step
from conftest import BACKENDS

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

finite = st.floats(-100, 100, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def problems(draw):
    n = draw(st.integers(3, 60))
    d = draw(st.integers(1, 4))
    k = draw(st.integers(1, min(n, 5)))
    X = draw(arrays(np.float64, (n, d), elements=finite))
    rows = draw(st.permutations(range(n)))[:k]
    w = draw(arrays(np.float64, n, elements=st.floats(0.1, 5.0)))
    return X, np.asarray(rows), w


@SETTINGS
@given(problems(), st.sampled_from([1, 2, 7, 256]))
def test_reference_kernel_equals_naive_loop(problem, chunk):
    X, rows, w = problem
    C = X[rows]
    labels = np.full(len(X), -1, dtype=np.int32)
    sums, wsums = np.empty(C.shape), np.empty(len(C))
    offset = C.min(axis=0) * 0.5 + C.max(axis=0) * 0.5
    inertia, changed = ref.lloyd_iter(X, w, C, offset, labels, sums, wsums, chunk)
    sums += wsums[:, None] * C  # sums come about each row's centre
    e_labels, e_sums, e_w, e_inertia, e_dist = kmeans_step(X, w, C)
    # ties may be broken differently only between centres at equal distance
    same = labels == e_labels
    assert np.allclose(e_dist[~same], ((X[~same] - C[labels[~same]]) ** 2).sum(1))
    if same.all():
        np.testing.assert_allclose(sums, e_sums, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(wsums, e_w, rtol=1e-12)
    np.testing.assert_allclose(inertia, e_inertia, rtol=1e-9, atol=1e-9)
    assert changed == len(X)


@SETTINGS
@given(problems())
def test_inertia_never_increases(problem):
    X, rows, w = problem
    km = KMeans(len(rows), init=X[rows], tol=0, max_iter=50, backend="python")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km.fit(X, sample_weight=w)
    obj = km.history_["objective"]
    assert np.all(np.isfinite(km.cluster_centers_))
    assert np.all(np.diff(obj) <= 1e-9 * max(obj[0], 1.0))


@st.composite
def general_position(draw):
    # continuous data: no two distances tie (with probability one), so neither the
    # nearest-centre choice nor the relocation of empty clusters depends on row order
    n = draw(st.integers(3, 80))
    d = draw(st.integers(1, 4))
    k = draw(st.integers(1, min(n, 6)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(n, d)) * draw(st.floats(0.01, 100.0))
    return X, rng.choice(n, k, replace=False), rng.uniform(0.1, 5.0, size=n)


@SETTINGS
@given(general_position(), st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(problem, random):
    X, rows, w = problem
    perm = np.array(random.sample(range(len(X)), len(X)))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = KMeans(len(rows), init=X[rows], tol=0, backend="python").fit(X, sample_weight=w)
        b = KMeans(len(rows), init=X[rows], tol=0, backend="python").fit(
            X[perm], sample_weight=w[perm])
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(a.inertia_, b.inertia_, rtol=1e-9, atol=1e-9)


@st.composite
def mixture_problems(draw):
    n = draw(st.integers(20, 150))
    d = draw(st.integers(1, 3))
    k = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    centers = rng.normal(scale=draw(st.floats(0.5, 10.0)), size=(k, d))
    X = centers[rng.integers(k, size=n)] + rng.standard_t(df=4, size=(n, d))
    cov_type = draw(st.sampled_from(list(ALL_TYPES)))
    init = draw(st.sampled_from(["kmeans", "k-means++", "random", "random_from_data"]))
    return X, rng.uniform(0.1, 3.0, size=n), k, cov_type, init


@SETTINGS
@given(mixture_problems())
def test_mixture_log_likelihood_never_decreases(problem):
    # tiny reg_covar: the regularised M-step is then the likelihood maximiser
    X, w, k, cov_type, init = problem
    from fastem import GaussianMixture
    import warnings

    gm = GaussianMixture(k, covariance_type=cov_type, init_params=init, reg_covar=1e-9,
                         tol=0, max_iter=25, random_state=0, backend="python")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X, sample_weight=w)
    obj = gm.history_["objective"]
    assert np.all(np.diff(obj) >= -1e-8 * max(1.0, abs(obj[-1])))
    resp = gm.predict_proba(X)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-10)
    assert np.isfinite(gm.covariances_).all()


@st.composite
def binomial_problems(draw):
    n = draw(st.integers(5, 120))
    d = draw(st.integers(1, 3))
    k = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    per = draw(st.sampled_from(["scalar", "row", "count"]))
    shape = {"scalar": (), "row": (n, 1), "count": (n, d)}[per]
    nt = rng.integers(1, 15, size=shape)
    X = rng.binomial(np.broadcast_to(nt, (n, d)), rng.uniform(size=(k, d))[rng.integers(k, size=n)])
    reps = rng.integers(0, 3, size=n)
    reps[0] = max(reps[0], 1)
    return X, nt, k, reps


@SETTINGS
@given(binomial_problems())
def test_binomial_em_monotone_and_weights_are_repetitions(problem):
    from fastem import BinomialMixture
    import warnings

    X, nt, k, reps = problem
    k = min(k, int((reps > 0).sum()))
    probs0 = np.linspace(0.2, 0.8, k)[:, None] * np.ones((1, X.shape[1]))
    kw = dict(probs_init=probs0, tol=0, max_iter=15, backend="python")
    ntr = nt if np.ndim(nt) == 0 else np.repeat(nt, reps, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = BinomialMixture(k, **kw).fit(X, n_trials=nt, sample_weight=reps)
        b = BinomialMixture(k, **kw).fit(np.repeat(X, reps, axis=0), n_trials=ntr)
    obj = a.history_["objective"]
    assert np.all(np.diff(obj) >= -1e-10 * max(1.0, abs(obj[-1])))
    np.testing.assert_allclose(a.probs_, b.probs_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(a.weights_, b.weights_, rtol=1e-8, atol=1e-12)
    resp = a.predict_proba(X, n_trials=nt)
    # rows the model calls impossible (a success probability of exactly 0 or 1
    # contradicted) get zero responsibilities; the others sum to one
    possible = np.isfinite(a.score_samples(X, n_trials=nt))
    np.testing.assert_allclose(resp.sum(axis=1), np.where(possible, 1.0, 0.0), rtol=1e-10)
    assert np.isfinite(a.lower_bound_) and np.isfinite(a.probs_).all()


@SETTINGS
@given(problems(), st.integers(1, 5), st.sampled_from(["kmeans", "full", "diag"]))
def test_statistics_of_any_split_add_up_to_those_of_all_rows(problem, n_parts, model):
    from fastem import GaussianMixture

    X, rows, w = problem
    k = len(rows)
    if model == "kmeans":
        est = KMeans(k, init=X[rows]).initialize(X)
    else:
        # a unit covariance each, means at the chosen rows
        est = GaussianMixture(k, covariance_type=model, means_init=X[rows],
                              weights_init=np.full(k, 1.0 / k),
                              precisions_init=(np.repeat(np.eye(X.shape[1])[None], k, 0)
                                               if model == "full"
                                               else np.ones((k, X.shape[1])))
                              ).initialize(X)
    whole = est.statistics(X, sample_weight=w)
    cuts = np.array_split(np.arange(len(X)), n_parts)
    parts = sum(est.statistics(X[c], sample_weight=w[c]) for c in cuts if len(c))
    for key, value in whole.arrays.items():
        scale = max(1.0, float(np.abs(value).max()))
        np.testing.assert_allclose(parts.arrays[key], value, rtol=1e-9, atol=1e-9 * scale)
    assert parts.weight == whole.weight or abs(parts.weight - whole.weight) < 1e-9 * whole.weight
    assert abs(parts.objective - whole.objective) <= 1e-9 * max(1.0, abs(whole.objective))
    assert parts.n_samples == whole.n_samples


# Integer weights are repeated rows: for every model, every initialisation the README
# names as exact for them, and both backends, a weighted table and its repeated rows
# give the same fit (initialisation, stopping iteration and parameters)
_EXACT_INITS = [("kmeans", "k-means++"), ("kmeans", "array"),
                ("gmm", "kmeans"), ("gmm", "k-means++"), ("gmm", "given"),
                ("binomial", "random"), ("binomial", "kmeans"), ("binomial", "given")]


def _weighted_and_repeated(model, init, backend, seed):
    import warnings

    from fastem import BinomialMixture, GaussianMixture

    rng = np.random.default_rng(seed)
    n, d, k = int(rng.integers(20, 70)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    w = rng.integers(0, 4, n)
    w[rng.choice(n, k, replace=False)] = rng.integers(1, 4, k)  # k rows to start from
    labels = rng.integers(0, k, n)
    if model == "binomial":
        probs = rng.uniform(0.1, 0.9, (k, d))
        X = rng.binomial(10, probs[labels]).astype(float)
        kw = {"init_params": init} if init != "given" else {
            "probs_init": rng.uniform(0.2, 0.8, (k, d))}
        make = lambda: BinomialMixture(k, n_trials=10, random_state=seed,  # noqa: E731
                                       backend=backend, **kw)
        attrs = ["probs_", "weights_", "lower_bound_"]
    else:
        X = rng.normal(size=(n, d)) + 3.0 * rng.normal(size=(k, d))[labels]
        if model == "kmeans":
            init_value = X[w > 0][:k].copy() if init == "array" else init
            make = lambda: KMeans(k, init=init_value, random_state=seed,  # noqa: E731
                                  backend=backend)
            attrs = ["cluster_centers_", "inertia_"]
        else:
            kw = {"init_params": init} if init != "given" else {
                "means_init": X[w > 0][:k].copy()}
            make = lambda: GaussianMixture(k, random_state=seed, backend=backend,  # noqa
                                           reg_covar=1e-3, **kw)
            attrs = ["means_", "covariances_", "weights_", "lower_bound_"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = make().fit(X, sample_weight=w)
        repeated = make().fit(np.repeat(X, w, axis=0))
    return weighted, repeated, attrs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_EXACT_INITS), st.sampled_from(BACKENDS), st.integers(0, 2**32 - 1))
def test_integer_weights_equal_repeated_rows_for_every_model_and_exact_init(case, backend,
                                                                           seed):
    model, init = case
    weighted, repeated, attrs = _weighted_and_repeated(model, init, backend, seed)
    assert weighted.n_iter_ == repeated.n_iter_
    for name in attrs:
        np.testing.assert_allclose(getattr(weighted, name), getattr(repeated, name),
                                   rtol=1e-7, atol=1e-9, err_msg=f"{model} {init} {name}")
