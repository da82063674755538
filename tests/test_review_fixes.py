"""Regression tests for defects found in review."""

import warnings

import numpy as np
import pytest

import fastem
from fastem.gaussian_mixture import COVARIANCE_TYPES as ALL_TYPES
from conftest import BACKENDS, quiet


@pytest.mark.parametrize("backend", BACKENDS)
def test_transform_uses_the_fitted_centres_after_set_params(backend):
    X = np.random.default_rng(0).normal(size=(100, 2))
    km = fastem.KMeans(3, random_state=0, backend=backend).fit(X)
    expected = km.transform(X)
    for k in (2, 5):
        km.set_params(n_clusters=k)
        np.testing.assert_array_equal(km.transform(X), expected)
        assert len(km.get_feature_names_out()) == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_binomial_kmeans_init_with_fewer_distinct_rows_than_components(backend):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, size=1000)  # two distinct rows, three components
    with quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore", fastem.IdentifiabilityWarning)
        bm = fastem.BinomialMixture(3, n_trials=1, init_params="kmeans", random_state=0,
                                    backend=backend).fit(x)
        bm2 = fastem.BinomialMixture(3, n_trials=5, init_params="kmeans", random_state=0,
                                     backend=backend).fit([1, 2, 3, 4, 5],
                                                          sample_weight=[1, 1, 0, 0, 0])
    for m in (bm, bm2):
        assert np.isfinite(m.probs_).all() and np.isfinite(m.lower_bound_)
        assert m.weights_.sum() == pytest.approx(1.0)
    # one Bernoulli: the mixture's mean is the data's mean
    assert bm.weights_ @ bm.probs_ == pytest.approx(x.mean(), rel=1e-6)


def test_fit_reads_csv_with_a_byte_order_mark(tmp_path):
    from fastem.commands.fit import read_table

    path = tmp_path / "excel.csv"
    path.write_bytes("x,y\n1.0,2.0\n3.0,4.0\n".encode("utf-8-sig"))
    table = read_table(str(path))
    assert table.names == ["x", "y"] and table.numbers([0, 1]).shape == (2, 2)
    path.write_bytes("1.0,2.0\n3.0,4.0\n".encode("utf-8-sig"))
    data = read_table(str(path)).numbers([0, 1])
    assert data.shape == (2, 2) and data[0, 0] == 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_gmm_parameters_keep_their_covariance_type(backend):
    X = np.random.default_rng(2).normal(size=(200, 3))
    gm = fastem.GaussianMixture(2, covariance_type="full", random_state=0,
                                backend=backend).fit(X)
    expected, bic = gm.score_samples(X), gm.bic(X)
    gm.set_params(covariance_type="diag")
    np.testing.assert_array_equal(gm.score_samples(X), expected)
    assert gm.bic(X) == bic
    assert gm.sample(5)[0].shape == (5, 3)
    gm.set_params(warm_start=True)
    with pytest.raises(ValueError, match="covariance_type='full', not 'diag'"):
        gm.fit(X)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rows_of_density_zero_are_refused_not_nan(backend):
    X = np.random.default_rng(3).normal(size=(200, 3))
    for d, data in ((3, X), (1, X[:, :1])):
        for ct in ("full", "diag"):
            gm = fastem.GaussianMixture(2, covariance_type=ct, random_state=0,
                                        backend=backend).fit(data)
            far = np.full((2, d), 1e200)
            for method in (gm.score_samples, gm.predict_proba):
                with pytest.raises(ValueError, match="squared distances overflow"):
                    method(far)
    # a row at 1e200 in the training data: a clear error or finite parameters, never NaN
    for ct in ALL_TYPES:
        try:
            gm = fastem.GaussianMixture(2, covariance_type=ct, random_state=0,
                                        backend=backend).fit(
                np.vstack([X, np.full((1, 3), 1e200)]))
        except ValueError as exc:
            assert "reg_covar" in str(exc) or "Scale X" in str(exc)
            continue
        for attr in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
            assert np.isfinite(getattr(gm, attr)).all(), (ct, attr)
        assert np.isfinite(gm.lower_bound_)


def test_kmeans_plusplus_checks_n_local_trials():
    X = np.random.default_rng(4).normal(size=(50, 2))
    for bad, exc in ((0, ValueError), (-1, ValueError), (2.5, TypeError)):
        with pytest.raises(exc, match="n_local_trials"):
            fastem.kmeans_plusplus(X, 3, n_local_trials=bad)


def test_plots_refuse_data_of_the_wrong_dimension():
    pytest.importorskip("matplotlib")
    from fastem import plotting

    X = np.random.default_rng(5).normal(size=(100, 2))
    gm = fastem.GaussianMixture(2, random_state=0, record_history=True).fit(X)
    for fn in (plotting.plot_density_snapshots, plotting.plot_density_vs_kde):
        with pytest.raises(ValueError, match="one feature"):
            fn(gm, X)
    km = fastem.KMeans(2, random_state=0, record_history=True).fit(X[:, :1])
    with pytest.raises(ValueError, match="at least two features"):
        plotting.plot_kmeans_history(km, X[:, :1])


def test_sample_weight_that_sums_to_infinity():
    # weights enter a fit through their ratios: huge finite weights fit like unit ones
    # (the fit rescales them), and only an inertia that overflows is refused
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    km = fastem.KMeans(2, init=X[[0, 2]]).fit(X, sample_weight=[1e307] * 4)
    np.testing.assert_array_equal(km.cluster_centers_, [[0.5], [10.5]])
    assert km.inertia_ == pytest.approx(1e307)
    with pytest.raises(ValueError, match="overflows float64. Scale X"):
        fastem.KMeans(2, init=X[[0, 2]]).fit(X * 1e2, sample_weight=[1e308] * 4)


def test_binomial_sample_names_bad_n_trials():
    bm = fastem.BinomialMixture(2, n_trials=10, random_state=0).fit([1, 5, 9, 2, 8])
    with pytest.raises(TypeError, match="n_trials must be an integer"):
        bm.sample(3, n_trials="abc")


@pytest.mark.parametrize("d", [4, 8])
@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_rows_whose_distances_all_overflow_go_to_the_first_centre(backend, d):
    # float32 rows too large to square: at the first step all their distances are inf,
    # and the row takes the first centre, as in the NumPy twin
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, d)).astype(np.float32)
    X[:3] = 3e19
    init = np.vstack([X[3:5], -X[:1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = fastem.KMeans(3, init=init, backend=backend, max_iter=3).fit(X)
        ref = fastem.KMeans(3, init=init, backend="python", max_iter=3).fit(X)
    np.testing.assert_array_equal(km.labels_, ref.labels_)
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-5)
