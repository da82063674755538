import numpy as np
import pytest

from fastem import datasets


def test_blobs():
    X, labels, centers = datasets.make_blobs(random_state=0)
    assert X.shape == (600, 2) and np.bincount(labels).tolist() == [200, 200, 200]
    for j, c in enumerate(centers):
        np.testing.assert_allclose(X[labels == j].mean(0), c, atol=0.2)
        np.testing.assert_allclose(X[labels == j].std(0), 1.0, atol=0.15)
    np.testing.assert_array_equal(X, datasets.make_blobs(random_state=0)[0])
    with pytest.raises(ValueError, match="centers must be a 2-D array"):
        datasets.make_blobs(centers=[1.0, 2.0])


def test_coin_trials():
    heads, coins = datasets.make_coin_trials((0.6, 0.2), 10, 20_000, random_state=1)
    assert heads.min() >= 0 and heads.max() <= 10
    np.testing.assert_allclose([heads[coins == c].mean() / 10 for c in (0, 1)], [0.6, 0.2],
                               atol=0.01)
    np.testing.assert_allclose(np.bincount(coins) / 20_000, 0.5, atol=0.02)
    with pytest.raises(ValueError, match="biases"):
        datasets.make_coin_trials((1.5, 0.2))
    with pytest.raises(ValueError, match="n_tosses must be >= 1"):
        datasets.make_coin_trials(n_tosses=0)


def test_gaussian_mixture_1d():
    x, labels = datasets.make_gaussian_mixture_1d(random_state=2)
    assert x.shape == (3000,)
    for j, (m, s) in enumerate(zip((-10, 30, 3), (3, 7, 5))):
        assert x[labels == j].mean() == pytest.approx(m, abs=4 * s / np.sqrt(1000))
        assert x[labels == j].std() == pytest.approx(s, rel=0.08)
    with pytest.raises(ValueError, match="same length"):
        datasets.make_gaussian_mixture_1d((1, 2), (1,), (10, 10))


def test_airquality_is_rs_data_set_with_its_holes():
    from fastem.datasets import load_airquality

    X = load_airquality()
    assert X.shape == (153, 4)
    # R: colSums(is.na(airquality[1:4])), colMeans(airquality[1:4], na.rm = TRUE)
    np.testing.assert_array_equal(np.isnan(X).sum(axis=0), [37, 7, 0, 0])
    np.testing.assert_allclose(np.nanmean(X, axis=0),
                               [42.12931, 185.93151, 9.957516, 77.88235], rtol=1e-6)
    assert np.isnan(X).any(axis=1).sum() == 42


def test_iris_is_rs_and_scikit_learns_data_set():
    from sklearn.datasets import load_iris as sklearn_iris

    from fastem.datasets import IRIS_COLUMNS, IRIS_SPECIES, load_iris

    X, species = load_iris()
    Xs, ys = sklearn_iris(return_X_y=True)
    np.testing.assert_array_equal(X, Xs)
    np.testing.assert_array_equal(species, ys)
    assert species.dtype == np.int64 and len(IRIS_COLUMNS) == 4
    assert IRIS_SPECIES == ("setosa", "versicolor", "virginica")
    # R: colMeans(iris[1:4])
    np.testing.assert_allclose(X.mean(axis=0), [5.843333, 3.057333, 3.758, 1.199333],
                               rtol=1e-6)
