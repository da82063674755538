"""scikit-learn conventions: check_estimator, clone, Pipeline, grid search."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastem import GaussianMixture, KMeans
from conftest import BACKENDS

# Checks that cannot pass, with the reason (the README lists them). scikit-learn's own
# KMeans lists the first; BinomialMixture is not checked: its X is counts, which the
# checks' data are not.
EXPECTED_FAILED = {
    "KMeans": {
        "check_sample_weight_equivalence_on_dense_data": (
            "the random seeding consumes its stream differently for a row of weight 2 "
            "than for two shuffled copies; from the same initial centres the equivalence "
            "is exact (test_kmeans.py::test_integer_weights_equal_repeated_rows)"),
    },
    "GaussianMixture": {
        "check_fit1d": (
            "1-D X is one feature by design (GaussianMixture(1).fit(heights)); "
            "scikit-learn's check expects an error"),
    },
}


# scikit-learn's checks fit on a few rows of many features: a full covariance from
# fewer rows than features is degenerate, and fastem says so
@pytest.mark.filterwarnings("ignore::fastem.DegenerateComponentWarning")
@parametrize_with_checks(
    [Est(backend=b) for Est in (KMeans, GaussianMixture) for b in BACKENDS],
    expected_failed_checks=lambda est: EXPECTED_FAILED[type(est).__name__])
def test_check_estimator(estimator, check):
    import warnings

    from fastem import ConvergenceWarning

    with warnings.catch_warnings():
        # the checks fit 8 clusters on tiny or duplicated data on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.mark.parametrize("Est", [KMeans, GaussianMixture])
def test_y_is_ignored_as_by_every_scikit_learn_clusterer(Est):
    # class labels passed as y (by a Pipeline, a grid search, cross-validation) change
    # nothing; partial labels travel as labels=
    from sklearn.model_selection import cross_val_score

    X, y = make_blobs(150, centers=3, random_state=0)
    a = Est(3, random_state=0).fit(X)
    b = Est(3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(Est(3, random_state=0).fit_predict(X, (y + 1) % 3),
                                  a.predict(X))
    pipe = make_pipeline(StandardScaler(), Est(3, random_state=0))
    np.testing.assert_array_equal(pipe.fit(X, y).predict(X), pipe.fit(X).predict(X))
    with_y = cross_val_score(pipe, X, y, scoring="adjusted_rand_score", cv=3)
    assert np.isfinite(with_y).all() and (with_y > 0.5).all()
    without_y = [adjusted(Est(3, random_state=0), X, y, train, test)
                 for train, test in _folds(len(X))]
    np.testing.assert_allclose(with_y, without_y, rtol=1e-12)
    labelled = Est(3, random_state=0).fit_predict(X, labels=(y + 1) % 3)
    np.testing.assert_array_equal(labelled, (y + 1) % 3)


def _folds(n):
    from sklearn.model_selection import KFold

    return KFold(3).split(np.zeros(n))


def adjusted(est, X, y, train, test):
    from sklearn.metrics import adjusted_rand_score

    scaler = StandardScaler().fit(X[train])
    est.fit(scaler.transform(X[train]))  # no y
    return adjusted_rand_score(y[test], est.predict(scaler.transform(X[test])))


def test_clone_keeps_params_and_drops_fit():
    km = KMeans(3, init="random", n_init=4, tol=1e-3, random_state=1, backend="python")
    km.fit(make_blobs(60, random_state=0)[0])
    c = clone(km)
    assert c.get_params() == km.get_params()
    assert not hasattr(c, "cluster_centers_")
    assert repr(c) == ("KMeans(backend='python', init='random', n_clusters=3, n_init=4, "
                       "random_state=1, tol=0.001)")


def test_pipeline_and_grid_search():
    X, y = make_blobs(300, centers=3, n_features=4, random_state=0)
    pipe = make_pipeline(StandardScaler(), KMeans(3, random_state=0))
    labels = pipe.fit_predict(X)
    manual = KMeans(3, random_state=0).fit(StandardScaler().fit_transform(X)).labels_
    np.testing.assert_array_equal(labels, manual)
    search = GridSearchCV(KMeans(random_state=0), {"n_clusters": [2, 3, 5]}, cv=3)
    search.fit(X)
    # score is -inertia on held-out folds, so more clusters score higher
    assert search.best_params_ == {"n_clusters": 5}
    assert search.cv_results_["mean_test_score"].shape == (3,)


def test_set_params_rejects_unknown_names():
    with pytest.raises(ValueError, match="Invalid parameter 'n_components'"):
        KMeans().set_params(n_components=3)


def test_n_init_auto_means_what_it_means_in_scikit_learn():
    X, _ = make_blobs(300, centers=4, random_state=0)
    for init, runs in (("k-means++", 1), ("random", 10)):
        auto = KMeans(4, init=init, n_init="auto", random_state=0).fit(X)
        explicit = KMeans(4, init=init, n_init=runs, random_state=0).fit(X)
        np.testing.assert_array_equal(auto.cluster_centers_, explicit.cluster_centers_)
    centers = X[:4]
    auto = KMeans(4, init=centers, n_init="auto").fit(X)  # one run, and no warning
    np.testing.assert_array_equal(auto.cluster_centers_,
                                  KMeans(4, init=centers, n_init=1).fit(X).cluster_centers_)
    with pytest.raises(TypeError, match="n_init must be an integer"):
        KMeans(4, n_init="many").fit(X)
    with pytest.raises(TypeError, match="n_init must be an integer"):
        GaussianMixture(2, n_init="auto").fit(X)


def test_set_output_gives_dataframes():
    pd = pytest.importorskip("pandas")
    import sklearn

    X, _ = make_blobs(100, centers=3, random_state=0)
    df = pd.DataFrame(X, columns=["a", "b"], index=np.arange(100, 200))
    km = KMeans(3, random_state=0).set_output(transform="pandas")
    out = km.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == ["kmeans0", "kmeans1", "kmeans2"]
    np.testing.assert_array_equal(out.index, df.index)
    np.testing.assert_array_equal(out.to_numpy(), KMeans(3, random_state=0).fit(df).transform(df))
    assert isinstance(km.set_output(transform="default").transform(df), np.ndarray)
    pipe = make_pipeline(StandardScaler(), KMeans(3, random_state=0)).set_output(
        transform="pandas")
    assert isinstance(pipe.fit_transform(df), pd.DataFrame)
    with sklearn.config_context(transform_output="pandas"):
        assert isinstance(KMeans(3, random_state=0).fit_transform(X), pd.DataFrame)
    assert isinstance(KMeans(3, random_state=0).fit_transform(X), np.ndarray)
    with pytest.raises(ValueError, match="transform must be one of"):
        KMeans(3).set_output(transform="xml")


def test_scikit_learns_convergence_warning_filter_catches_fastems():
    import warnings

    from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

    from fastem import ConvergenceWarning

    X, _ = make_blobs(200, centers=3, random_state=0)
    for est in (GaussianMixture(3, max_iter=1, random_state=0),
                KMeans(3, max_iter=1, tol=1e-12, init="random", random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", SklearnConvergenceWarning)
            with pytest.raises(SklearnConvergenceWarning):
                est.fit(X)
        with pytest.warns(ConvergenceWarning):  # fastem's own class still works
            est.fit(X)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", SklearnConvergenceWarning)
            est.fit(X)  # silenced by scikit-learn's filter alone


def test_convergence_warning_pickles_with_scikit_learn_loaded():
    import pickle
    import warnings

    from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

    from fastem import ConvergenceWarning

    X, _ = make_blobs(100, centers=3, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianMixture(3, max_iter=1, random_state=0).fit(X)
    (w,) = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert issubclass(w.category, SklearnConvergenceWarning)
    again = pickle.loads(pickle.dumps(w.message))
    assert type(again) is w.category and str(again) == str(w.message)
    assert pickle.loads(pickle.dumps(w.category)) is w.category
