"""Each plotting function draws on Agg; the test checks what it drew."""

import warnings

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")

import fastem  # noqa: E402
from fastem import datasets, plotting  # noqa: E402
from fastem.gaussian_mixture import COVARIANCE_TYPES as ALL_TYPES  # noqa: E402


@pytest.fixture(scope="module")
def blobs():
    X, labels, centers = datasets.make_blobs(random_state=0)
    km = fastem.KMeans(3, init="random", random_state=0, record_history=True).fit(X)
    return X, km


@pytest.fixture(scope="module")
def two_components():
    x, _ = datasets.make_gaussian_mixture_1d((2.0, -1.0), (1.0, 0.8), (200, 600),
                                             random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastem.ConvergenceWarning)
        gm = fastem.GaussianMixture(2, max_iter=20, tol=0, random_state=0,
                                    record_history=True).fit(x)
    return x, gm


def test_kmeans_history(blobs):
    X, km = blobs
    fig = plotting.plot_kmeans_history(km, X)
    ax = fig.axes[0]
    assert len(ax.collections) == 1
    assert ax.collections[0].get_offsets().shape == (600, 2)
    # per cluster: the path, its start and its end
    assert len(ax.lines) == 3 * 3
    path = ax.lines[0].get_xydata()
    assert path.shape == (km.n_iter_ + 1, 2)
    np.testing.assert_allclose(path[-1], km.cluster_centers_[0])


def test_parameter_history_coins():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastem.ConvergenceWarning)
        bm = fastem.BinomialMixture(2, n_trials=10, fit_weights=False, probs_init=[0.6, 0.5],
                                    max_iter=10, tol=0, record_history=True).fit(
            datasets.TEXTBOOK_HEADS)
    fig = plotting.plot_parameter_history(bm, "probs", truth=(0.797, 0.52))
    ax = fig.axes[0]
    curves = [ln for ln in ax.lines if len(ln.get_xdata()) == 11]
    assert len(curves) == 2
    np.testing.assert_allclose(curves[0].get_ydata()[1], 0.713, atol=5e-4)
    assert len(ax.lines) == 4  # two curves, two truth lines


def test_density_snapshots(two_components):
    x, gm = two_components
    fig = plotting.plot_density_snapshots(gm, x, iterations=(0, 5, 20), bins=40)
    ax = fig.axes[0]
    assert len(ax.patches) == 40  # histogram bars
    assert len(ax.lines) == 3
    # each curve is a density: it integrates to about 1 over the data range
    for line in ax.lines:
        gx, gy = line.get_xydata().T
        assert 0.9 < np.trapezoid(gy, gx) <= 1.0001


def test_objective(two_components, blobs):
    x, gm = two_components
    ax = plotting.plot_objective(gm).axes[0]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), gm.history_["objective"])
    assert ax.get_ylabel() == "mean log-likelihood"
    assert plotting.plot_objective(blobs[1]).axes[0].get_ylabel() == "inertia"


def test_density_vs_kde(two_components):
    x, gm = two_components
    ax = plotting.plot_density_vs_kde(gm, x).axes[0]
    lines = {ln.get_label(): ln for ln in ax.lines}
    assert sorted(lines) == ["KDE", "component 0", "component 1", "mixture"]
    mix, kde = lines["mixture"].get_ydata(), lines["KDE"].get_ydata()
    assert np.abs(mix - kde).max() < 0.1  # the fit follows the data
    # the component curves are drawn over the mixture's, not hidden under it
    for j in (0, 1):
        assert lines[f"component {j}"].get_zorder() > lines["mixture"].get_zorder()
        assert lines[f"component {j}"].get_linewidth() < lines["mixture"].get_linewidth()


def test_ellipses(blobs):
    X, _ = blobs
    for ct in ALL_TYPES:
        gm = fastem.GaussianMixture(3, covariance_type=ct, random_state=0).fit(X)
        ax = plotting.plot_ellipses(gm, X).axes[0]
        ellipses = [p for p in ax.patches if type(p).__name__ == "Ellipse"]
        assert len(ellipses) == 3
        centres = sorted(tuple(np.round(e.center, 6)) for e in ellipses)
        assert centres == sorted(tuple(np.round(m, 6)) for m in gm.means_)


def test_draws_on_a_given_axes_and_explains_missing_history(blobs):
    from matplotlib.figure import Figure

    X, km = blobs
    fig = Figure()
    ax = fig.add_subplot()
    assert plotting.plot_kmeans_history(km, X, ax=ax) is fig
    plain = fastem.KMeans(3, random_state=0).fit(X)
    with pytest.raises(ValueError, match="record_history=True"):
        plotting.plot_kmeans_history(plain, X)


def test_plotting_is_not_imported_by_fastem():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import fastem, sys; "
                          "print('fastem.plotting' in sys.modules, 'matplotlib' in sys.modules)"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


@pytest.fixture(scope="module")
def faithful_selection():
    X = datasets.load_faithful()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ms = fastem.ModelSelection(fastem.GaussianMixture(random_state=0),
                                   {"n_components": [1, 2, 3, 4],
                                    "covariance_type": ["full", "tied", "tied_diag"]}).fit(X)
    return X, ms


def test_criterion_plot_has_one_curve_per_type_and_rings_the_choice(faithful_selection):
    X, ms = faithful_selection
    ax = plotting.plot_criterion(ms).axes[0]
    curves = {ln.get_label(): ln for ln in ax.lines}
    r = ms.results_
    for ct in ("full", "tied", "tied_diag"):
        rows = r["covariance_type"] == ct
        np.testing.assert_array_equal(curves[ct].get_xdata(), r["n_components"][rows])
        np.testing.assert_allclose(curves[ct].get_ydata(), r["bic"][rows])
    chosen = [ln for label, ln in curves.items() if label.startswith("chosen")][0]
    assert chosen.get_ydata()[0] == pytest.approx(r["bic"].min())
    assert "BIC" in ax.get_ylabel()


def test_classification_plot_is_a_scatter_matrix_with_ellipses(faithful_selection):
    X, ms = faithful_selection
    fig = plotting.plot_classification(ms, X, feature_names=["eruptions", "waiting"])
    axes = fig.axes
    assert len(axes) == 4
    k = ms.best_estimator_.n_components
    off = [axes[1], axes[2]]  # (0, 1) and (1, 0)
    for ax in off:
        assert len(ax.patches) == k  # one ellipse per component
        sizes = ax.collections[0].get_sizes()
        doubt = ms.uncertainty(X)
        assert np.argmax(sizes) == np.argmax(doubt)  # the most uncertain point is largest
    assert axes[2].get_xlabel() == "eruptions" and axes[2].get_ylabel() == "waiting"
    with pytest.raises(ValueError, match="feature_names"):
        plotting.plot_classification(ms, X, feature_names=["one"])
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["eruptions", "waiting"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = fastem.GaussianMixture(2, random_state=0).fit(frame)
    fig = plotting.plot_classification(gm, frame)
    assert fig.axes[2].get_xlabel() == "eruptions"


def test_missing_plot_draws_both_fits_and_the_imputed_rows():
    X = datasets.load_airquality()
    em = fastem.GaussianMixture(2, missing="em", random_state=0).fit(X)
    cc = fastem.GaussianMixture(2, random_state=0).fit(X[~np.isnan(X).any(axis=1)])
    fig = plotting.plot_missing(em, X, features=(3, 0), complete_case=cc,
                                feature_names=["ozone", "solar", "wind", "temp"])
    ax = fig.axes[0]
    assert len(ax.patches) == 4  # two solid ellipses, two dashed
    assert [p.get_linestyle() for p in ax.patches].count("--") == 2
    both = ~np.isnan(X[:, 3]) & ~np.isnan(X[:, 0])
    solid, hollow = ax.collections
    np.testing.assert_array_equal(solid.get_offsets(), X[both][:, [3, 0]])
    # temp is never missing: the hollow points are the rows of missing ozone, imputed
    np.testing.assert_allclose(hollow.get_offsets(), em.impute(X)[~both][:, [3, 0]])
    assert ax.get_xlabel() == "temp" and ax.get_ylabel() == "ozone"
    with pytest.raises(ValueError, match="two features"):
        plotting.plot_missing(em, X[:, 0])


def test_missing_plot_reads_holes_for_a_model_fitted_on_complete_data():
    X = datasets.load_airquality()
    complete = X[~np.isnan(X).any(axis=1)]
    gm = fastem.GaussianMixture(2, random_state=0).fit(complete)
    fig = plotting.plot_missing(gm, X, features=(3, 0))
    assert len(fig.axes[0].patches) == 2 and fig.axes[0].get_xlabel() == "feature 3"
    assert gm.missing == "raise"  # the model itself is unchanged


def test_axis_labels_name_the_features_and_no_feature_name_warning(blobs):
    pd = pytest.importorskip("pandas")
    X, _ = blobs
    df = pd.DataFrame(X[:, :2], columns=["height", "weight"])
    gm = fastem.GaussianMixture(3, random_state=0).fit(df)
    km = fastem.KMeans(3, random_state=0, record_history=True).fit(df)
    # the suite turns warnings into errors: a feature-name warning would fail here
    for fig in (plotting.plot_ellipses(gm, df), plotting.plot_kmeans_history(km, df),
                plotting.plot_missing(gm, df), plotting.plot_classification(gm, df)):
        ax = fig.axes[-1] if len(fig.axes) == 1 else fig.axes[1]
        assert {ax.get_xlabel(), ax.get_ylabel()} <= {"height", "weight", ""}
        assert "height" in (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel(),
                            fig.axes[-1].get_xlabel())
    plain = fastem.GaussianMixture(3, random_state=0).fit(X[:, :2])
    ax = plotting.plot_ellipses(plain, X[:, :2]).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("feature 0", "feature 1")
    ax = plotting.plot_ellipses(plain, X[:, :2], feature_names=["a", "b"]).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")


def test_snapshot_legend_says_the_true_iterations(two_components):
    x, gm = two_components
    last = gm.history_["weights"].shape[0] - 1
    ax = plotting.plot_density_snapshots(gm, x, iterations=(0, 2, last + 5, last + 50)).axes[0]
    labels = [ln.get_label() for ln in ax.lines]
    assert labels == ["start", "iteration 2", f"iteration {last} (the last)"]


def test_plots_accept_a_pipeline_and_draw_in_the_models_input_space(blobs):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, _ = blobs
    X2 = X[:, :2] * [100.0, 0.01]
    pipe = make_pipeline(StandardScaler(), fastem.GaussianMixture(3, random_state=0)).fit(X2)
    fig = plotting.plot_ellipses(pipe, X2)
    ax = fig.axes[0]
    assert "(after StandardScaler)" in ax.get_title()
    drawn = ax.collections[0].get_offsets()
    np.testing.assert_allclose(drawn, StandardScaler().fit_transform(X2), rtol=1e-12)
    centres = sorted(tuple(np.round(e.center, 6)) for e in ax.patches)
    assert centres == sorted(tuple(np.round(m, 6)) for m in pipe[-1].means_)
    # the scaler names its unnamed input x0, x1: no names, so feature 0, feature 1
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("feature 0", "feature 1")
    km = make_pipeline(StandardScaler(), fastem.KMeans(3, random_state=0,
                                                       record_history=True)).fit(X2)
    assert "(after StandardScaler)" in plotting.plot_kmeans_history(km, X2).axes[0].get_title()
    plotting.plot_objective(km)
    assert "(after StandardScaler)" in plotting.plot_classification(pipe, X2)._suptitle.get_text()


def test_pipeline_corners_and_arrays_for_a_dataframe_model(blobs, two_components):
    pd = pytest.importorskip("pandas")
    from sklearn.pipeline import Pipeline

    X, _ = blobs
    X2 = X[:, :2]
    one = Pipeline([("gm", fastem.GaussianMixture(3, random_state=0))]).fit(X2)
    ax = plotting.plot_ellipses(one, X2).axes[0]
    assert "after" not in ax.get_title() and len(ax.patches) == 3
    skip = Pipeline([("none", "passthrough"), ("gm", fastem.GaussianMixture(3, random_state=0))])
    ax = plotting.plot_ellipses(skip.fit(X2), X2).axes[0]
    assert "after" not in ax.get_title()
    df = pd.DataFrame(X2, columns=["u", "v"])
    gm = fastem.GaussianMixture(3, random_state=0).fit(df)
    # an array for a model fitted on a DataFrame: no feature-name warning (the suite
    # makes warnings errors), the model's names on the axes
    ax = plotting.plot_ellipses(gm, X2).axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("u", "v")
    plotting.plot_classification(gm, X2)
    plotting.plot_missing(gm, X2)
    x, gm1 = two_components
    assert plotting.plot_density_vs_kde(gm1, x).axes[0].get_xlabel() == "feature 0"
