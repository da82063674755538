"""Pictures of EM at work (matplotlib; install the ``plot`` extra).

Never imported by ``import fastem``. Every function reads a fitted model's
``history_`` (fit with ``record_history=True`` where parameters are drawn), draws on
``ax`` when given (else on a new figure), and returns the ``Figure``. Figures are
built without pyplot, so they work headless with any backend.

``model`` may also be a fitted scikit-learn ``Pipeline`` whose last step is a fastem
model: the data are then drawn in that model's input space (X through the steps
before it), and the title says so. Axis labels are the feature names (the model's
``feature_names_in_``, the pipeline's ``get_feature_names_out()``, a DataFrame's
columns), else "feature 0", "feature 1", ...
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ._typing import ArrayLike

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn, never before
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_kmeans_history", "plot_parameter_history", "plot_density_snapshots",
           "plot_objective", "plot_density_vs_kde", "plot_ellipses", "plot_criterion",
           "plot_classification", "plot_missing"]


def _unwrap(model, X=None):
    """(the fastem model, X in its input space, its feature names or None, a note for
    the title): a Pipeline's last step with X through the steps before it; a
    ModelSelection's best model."""
    note = ""
    names = None
    steps = getattr(model, "steps", None)
    if steps is not None and hasattr(model, "__getitem__"):
        drawn = [type(step).__name__ for _, step in steps[:-1]
                 if step is not None and step != "passthrough"]
        if len(steps) > 1:
            head = model[:-1]
            if X is not None:
                X = head.transform(X)
            try:
                names = [str(n) for n in head.get_feature_names_out()]
            except (AttributeError, TypeError, ValueError):
                names = None
            # the names scikit-learn makes up for unnamed input (x0, x1, ...) name nothing
            if names is not None and names == [f"x{j}" for j in range(len(names))]:
                names = None
        if drawn:
            note = " (after " + ", ".join(drawn) + ")"
        model = model[-1]
    model = getattr(model, "best_estimator_", model)
    if names is None:
        names = getattr(model, "feature_names_in_", None)
    if names is None and X is not None and hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
    return model, X, (None if names is None else [str(n) for n in names]), note


def _as_fitted(model, X):
    """X as the model was fitted: a model fitted on a DataFrame is given one with its
    column names (it would warn about an array), others X as it is."""
    names = getattr(model, "feature_names_in_", None)
    if names is None or hasattr(X, "columns"):
        return X
    import pandas as pd  # the model was fitted on a DataFrame: pandas is there

    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != len(names):
        return X
    return pd.DataFrame(X, columns=list(names))


def _feature_names(names, d, given=None):
    """The model's (or the data's) names, else ``given``, else feature 0, 1, ..."""
    if names is None:
        names = given if given is not None else [f"feature {j}" for j in range(d)]
    names = [str(n) for n in names]
    if len(names) != d:
        raise ValueError(f"feature_names has {len(names)} names for {d} features.")
    return names


def _one_feature(gmm, what):
    if gmm.means_.shape[1] != 1:
        raise ValueError(f"{what} draws a mixture of one feature; this one has "
                         f"{gmm.means_.shape[1]} (use plot_ellipses for 2-D data).")


def _axes(ax, figsize=(6.0, 4.5)):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _history(model, key):
    history = getattr(model, "history_", None)
    if history is None:
        raise ValueError(f"{type(model).__name__} is not fitted: fit it first.")
    if key not in history:
        raise ValueError(f"history_ has no {key!r}: fit with record_history=True "
                         f"(it has {sorted(history)}).")
    return np.asarray(history[key])


def plot_kmeans_history(kmeans: Any, X: ArrayLike, ax: Axes | None = None,
                        feature_names: Sequence[str] | None = None) -> Figure:
    """Points coloured by cluster and each centroid's path from the initial guess to
    the end (circles: start, crosses: end). Needs ``record_history=True``; 2-D X (the
    first two features otherwise)."""
    kmeans, X, names, note = _unwrap(kmeans, X)
    centers = _history(kmeans, "cluster_centers")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 2 or centers.shape[2] < 2:
        raise ValueError("plot_kmeans_history draws data with at least two features, got "
                         f"X of shape {X.shape}.")
    fig, ax = _axes(ax)
    ax.scatter(X[:, 0], X[:, 1], c=kmeans.labels_, cmap="tab10", s=8, alpha=0.5,
               vmin=0, vmax=9)
    for j in range(centers.shape[1]):
        path = centers[:, j, :2]
        ax.plot(path[:, 0], path[:, 1], "-", color="black", lw=1.5)
        ax.plot(path[0, 0], path[0, 1], "o", color="black", mfc="white", ms=8)
        ax.plot(path[-1, 0], path[-1, 1], "X", color="black", ms=10)
    ax.set_title(f"K-Means: centroids over {kmeans.n_iter_} iterations{note}")
    names = _feature_names(names, X.shape[1], feature_names)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    return fig


def plot_parameter_history(model: Any, parameter: str = "probs", ax: Axes | None = None,
                           truth: ArrayLike | None = None) -> Figure:
    """One line per component (and feature) of ``history_[parameter]`` per iteration,
    e.g. the coin biases; dashed lines at ``truth`` when given."""
    model, _, _, _ = _unwrap(model)
    values = _history(model, parameter)
    values = values.reshape(values.shape[0], -1)
    fig, ax = _axes(ax)
    iterations = np.arange(values.shape[0])
    for j in range(values.shape[1]):
        ax.plot(iterations, values[:, j], "o-", ms=3, label=f"{parameter}[{j}]")
    if truth is not None:
        for t in np.ravel(truth):
            ax.axhline(t, ls="--", color="grey", lw=1)
    ax.set_xlabel("iteration")
    ax.set_ylabel(parameter)
    ax.set_title(f"{type(model).__name__}: {parameter} per iteration")
    ax.legend(loc="best", fontsize="small")
    return fig


def _mixture_density(grid, weights, means, variances):
    """Total and per-component weighted densities of a 1-D mixture on ``grid``."""
    from scipy.stats import norm

    parts = np.array([w * norm.pdf(grid, m, np.sqrt(v))
                      for w, m, v in zip(weights, means, variances)])
    return parts.sum(axis=0), parts


def _variances_1d(covariances, k):
    """The k variances of a one-feature mixture, whatever its covariance type."""
    v = np.asarray(covariances, dtype=np.float64).reshape(-1)
    return np.broadcast_to(v, (k,)) if v.size == 1 else v


def plot_density_snapshots(gmm: Any, x: ArrayLike, iterations: Sequence[int] = (0, 5, 20),
                           ax: Axes | None = None, bins: int = 60) -> Figure:
    """The data's histogram and the 1-D mixture density at chosen iterations (those
    past the end are drawn once, at the last one, and the legend says so). Needs
    ``record_history=True``."""
    gmm, x, names, note = _unwrap(gmm, x)
    weights = _history(gmm, "weights")
    _one_feature(gmm, "plot_density_snapshots")
    means = _history(gmm, "means")
    covs = _history(gmm, "covariances")
    x = np.ravel(np.asarray(x, dtype=np.float64))
    fig, ax = _axes(ax)
    ax.hist(x, bins=bins, density=True, color="lightgrey", edgecolor="white")
    grid = np.linspace(x.min(), x.max(), 500)
    k = weights.shape[1]
    last = weights.shape[0] - 1
    # the history holds the start and every iteration: entry t is after t iterations
    drawn = list(dict.fromkeys(min(int(t), last) for t in iterations))
    for t in drawn:
        total, _ = _mixture_density(grid, weights[t], means[t][:, 0],
                                    _variances_1d(covs[t], k))
        label = "start" if t == 0 else f"iteration {t}"
        if t == last and t > 0:
            label += " (the last)"
        ax.plot(grid, total, lw=2, label=label)
    ax.set_xlabel(_feature_names(names, 1)[0])
    ax.set_ylabel("density")
    ax.set_title(f"Gaussian mixture: density during EM{note}")
    ax.legend(loc="best", fontsize="small")
    return fig


def plot_objective(model: Any, ax: Axes | None = None) -> Figure:
    """``history_["objective"]`` per iteration: the mean log-likelihood of a mixture,
    or the inertia of K-Means."""
    model, _, _, _ = _unwrap(model)
    objective = _history(model, "objective")
    fig, ax = _axes(ax)
    ax.plot(np.arange(objective.size), objective, "o-", ms=3)
    label = "inertia" if hasattr(model, "cluster_centers_") else "mean log-likelihood"
    ax.set_xlabel("iteration")
    ax.set_ylabel(label)
    ax.set_title(f"{type(model).__name__}: {label} per iteration")
    return fig


def plot_density_vs_kde(gmm: Any, x: ArrayLike, ax: Axes | None = None,
                        bins: int = 60) -> Figure:
    """The fitted 1-D mixture density (and its weighted components) against a
    Gaussian kernel density estimate of the data."""
    from scipy.stats import gaussian_kde

    gmm, x, names, note = _unwrap(gmm, x)
    _one_feature(gmm, "plot_density_vs_kde")
    x = np.ravel(np.asarray(x, dtype=np.float64))
    fig, ax = _axes(ax)
    ax.hist(x, bins=bins, density=True, color="lightgrey", edgecolor="white")
    grid = np.linspace(x.min(), x.max(), 500)
    k = gmm.weights_.shape[0]
    total, parts = _mixture_density(grid, gmm.weights_, gmm.means_[:, 0],
                                    _variances_1d(gmm.covariances_, k))
    # the components on top: where one component dominates, its curve and the
    # mixture's coincide, and the thinner line drawn last stays visible
    ax.plot(grid, total, lw=4, color="0.6", alpha=0.8, label="mixture", zorder=2)
    ax.plot(grid, gaussian_kde(x)(grid), "--", lw=1.5, color="black", label="KDE",
            zorder=3)
    for j, part in enumerate(parts):
        ax.plot(grid, part, "-", lw=1.6, color=f"C{j % 10}", label=f"component {j}",
                zorder=4)
    ax.set_xlabel(_feature_names(names, 1)[0])
    ax.set_ylabel("density")
    ax.set_title(f"Fitted mixture against a kernel density estimate{note}")
    ax.legend(loc="best", fontsize="small")
    return fig


def plot_ellipses(gmm: Any, X: ArrayLike, ax: Axes | None = None, n_std: float = 2.0,
                  feature_names: Sequence[str] | None = None) -> Figure:
    """2-D points coloured by component and each component's ``n_std`` covariance
    ellipse (any covariance type)."""
    from matplotlib.patches import Ellipse

    from .gaussian_mixture import component_covariance

    gmm, X_in, names, note = _unwrap(gmm, X)
    labels = gmm.predict(_as_fitted(gmm, X_in))
    X = np.asarray(X_in, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_ellipses draws 2-D data, got shape {X.shape}.")
    fig, ax = _axes(ax)
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="tab10", s=8, alpha=0.5,
               vmin=0, vmax=9)
    ct = gmm.covariance_type
    for j, mean in enumerate(gmm.means_):
        cov = component_covariance(gmm.covariances_, ct, j, 2)
        vals, vecs = np.linalg.eigh(cov)
        angle = np.degrees(np.arctan2(vecs[1, -1], vecs[0, -1]))
        width, height = 2 * n_std * np.sqrt(vals[::-1])
        ax.add_patch(Ellipse(mean, width, height, angle=angle, fill=False,
                             color=f"C{j % 10}", lw=2))
    ax.set_title(f"Gaussian mixture ({ct}): {n_std:g}-sigma ellipses{note}")
    names = _feature_names(names, 2, feature_names)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    return fig


_MARKERS = "osD^v<>ph*"


def plot_criterion(selection: Any, ax: Axes | None = None) -> Figure:
    """A fitted :class:`fastem.ModelSelection`'s criterion against ``n_components``,
    one curve per covariance type (or per value of the grid's other parameter), the
    chosen model ringed: mclust's BIC plot, with fastem's sign (lower is better).
    Failed combinations are left out of their curve."""
    if getattr(selection, "steps", None) is not None:
        selection = selection[-1]  # a Pipeline ending in a ModelSelection
    results = getattr(selection, "results_", None)
    if results is None:
        raise ValueError("ModelSelection is not fitted: fit it first.")
    if "n_components" not in results:
        raise ValueError("plot_criterion draws against n_components; the grid has "
                         f"{[k for k in results if k in selection.best_params_]}.")
    criterion = selection.criterion
    others = [name for name in selection.best_params_ if name != "n_components"]
    fig, ax = _axes(ax)
    k = np.asarray(results["n_components"])
    score = np.asarray(results[criterion], dtype=np.float64)
    if others:
        series = results[others[0]]
        labels = list(dict.fromkeys(series.tolist()))
    else:
        series, labels = np.zeros(k.shape, dtype=object), [None]
    for i, label in enumerate(labels):
        rows = np.array([v == label for v in series]) if label is not None \
            else np.ones(k.shape, dtype=bool)
        rows &= np.isfinite(score)
        order = np.argsort(k[rows], kind="stable")
        ax.plot(k[rows][order], score[rows][order], marker=_MARKERS[i % len(_MARKERS)],
                color=f"C{i % 10}", label=str(label) if label is not None else criterion)
    best = selection.best_index_
    ax.plot([k[best]], [score[best]], "o", ms=14, mfc="none", mec="black",
            label=f"chosen: {selection.best_params_}")
    ax.set_xlabel("n_components")
    ax.set_ylabel(f"{criterion.upper()} (lower is better)")
    ax.set_xticks(np.unique(k))
    ax.legend(fontsize="small")
    ax.set_title(f"{criterion.upper()} by number of components")
    return fig


def plot_classification(model: Any, X: ArrayLike, n_std: float = 2.0,
                        feature_names: Sequence[str] | None = None,
                        figsize: tuple[float, float] | None = None) -> Figure:
    """A scatter matrix of the features: points coloured by ``model.predict`` and
    drawn larger the more uncertain their assignment (1 - max posterior), each
    component's ``n_std`` ellipse in every pair of features, histograms by component
    on the diagonal. ``model`` is a fitted GaussianMixture (or a ModelSelection: its
    best model; or a Pipeline ending in one). Axis labels are the feature names (see
    the module docstring), else ``feature_names``, else feature 0, feature 1, ..."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Ellipse

    from .gaussian_mixture import component_covariance

    model, X, names, note = _unwrap(model, X)
    if not hasattr(model, "means_") or not hasattr(model, "covariance_type"):
        raise ValueError("plot_classification draws a fitted GaussianMixture.")
    X_fit = _as_fitted(model, X)
    labels, doubt = model.predict(X_fit), model.uncertainty(X_fit)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    d = X.shape[1]
    names = _feature_names(names, d, feature_names)
    side = max(2.2, 7.0 / d)
    fig = Figure(figsize=figsize or (side * d + 0.5, side * d), layout="constrained")
    axes = np.atleast_2d(fig.subplots(d, d, squeeze=False))
    k = model.means_.shape[0]
    size = 6 + 60 * doubt / max(float(doubt.max()), 1e-12)
    colors = [f"C{j % 10}" for j in labels]
    ct = model._params_covariance_type
    covs = [component_covariance(model.covariances_, ct, j, d) for j in range(k)]
    for a in range(d):
        for b in range(d):
            ax = axes[a, b]
            if a == b:
                bins = np.histogram_bin_edges(X[:, a], bins=30)
                for j in range(k):
                    ax.hist(X[labels == j, a], bins=bins, color=f"C{j % 10}", alpha=0.6)
            else:
                ax.scatter(X[:, b], X[:, a], c=colors, s=size, alpha=0.6, lw=0)
                for j in range(k):
                    cov = covs[j][np.ix_([b, a], [b, a])]
                    vals, vecs = np.linalg.eigh(cov)
                    angle = np.degrees(np.arctan2(vecs[1, -1], vecs[0, -1]))
                    width, height = 2 * n_std * np.sqrt(np.maximum(vals[::-1], 0.0))
                    ax.add_patch(Ellipse((model.means_[j, b], model.means_[j, a]), width,
                                         height, angle=angle, fill=False,
                                         color=f"C{j % 10}", lw=1.5))
            if a == d - 1:
                ax.set_xlabel(names[b])
            if b == 0:
                ax.set_ylabel(names[a])
    fig.suptitle(f"{k} components ({ct}); larger points: more uncertain{note}")
    return fig


def _ellipse(ax, mean, cov, n_std, color, **kw):
    from matplotlib.patches import Ellipse

    vals, vecs = np.linalg.eigh(cov)
    angle = np.degrees(np.arctan2(vecs[1, -1], vecs[0, -1]))
    width, height = 2 * n_std * np.sqrt(np.maximum(vals[::-1], 0.0))
    return ax.add_patch(Ellipse(mean, width, height, angle=angle, fill=False, color=color,
                                **kw))


def plot_missing(model: Any, X: ArrayLike, features: tuple[int, int] = (0, 1),
                 complete_case: Any = None, feature_names: Sequence[str] | None = None,
                 n_std: float = 2.0, ax: Axes | None = None) -> Figure:
    """Two features of data with holes: the rows with both observed (coloured by
    ``model.predict``, which reads every observed coordinate), the rows with one of
    the two missing at their imputed value (``model.impute``, hollow markers), the
    ``n_std`` ellipses of the model's components in these two features (solid) and,
    when given, those of ``complete_case``, a model fitted on the complete rows only
    (dashed).

    Parameters
    ----------
    model : GaussianMixture
        Fitted with ``missing="em"`` (or on complete data).
    X : array-like of shape (n_samples, n_features), NaN where missing
    features : (int, int)
        The two columns to draw.
    complete_case : GaussianMixture, optional
    feature_names : list of str, optional
        Axis labels when neither the model nor X names the features (see the module
        docstring), else feature 0, feature 1, ...
    """
    from matplotlib.lines import Line2D

    from .gaussian_mixture import component_covariance

    model, X_in, names, note = _unwrap(model, X)
    X = np.asarray(X_in, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"plot_missing draws two features of 2-D data, got shape {X.shape}.")
    a, b = (int(f) for f in features)
    d = X.shape[1]
    names = _feature_names(names, d, feature_names)
    fig, ax = _axes(ax)
    if getattr(model, "missing", "em") != "em":
        # a model fitted on complete data reads the holes of X all the same
        model = copy.copy(model)
        model.missing = "em"
    X_fit = _as_fitted(model, X_in)
    labels = model.predict(X_fit)
    filled = np.asarray(model.impute(X_fit), dtype=np.float64)
    both = ~np.isnan(X[:, a]) & ~np.isnan(X[:, b])
    some = (~both) & ~(np.isnan(X[:, a]) & np.isnan(X[:, b]))
    colors = np.array([f"C{j % 10}" for j in labels])
    ax.scatter(X[both, a], X[both, b], c=colors[both], s=12, alpha=0.7, lw=0)
    if some.any():
        ax.scatter(filled[some, a], filled[some, b], facecolors="none",
                   edgecolors=colors[some], s=28, lw=1.0)
    ct = model._params_covariance_type
    pair = np.ix_([a, b], [a, b])
    for j in range(model.means_.shape[0]):
        cov = component_covariance(model.covariances_, ct, j, d)[pair]
        _ellipse(ax, model.means_[j, [a, b]], cov, n_std, f"C{j % 10}", lw=2)
    handles = [Line2D([], [], color="k", lw=2, label=f"EM on all {X.shape[0]} rows"),
               Line2D([], [], marker="o", ls="", mfc="none", mec="k",
                      label=f"{int(some.sum())} rows with one of the two missing, imputed")]
    if complete_case is not None:
        cct = complete_case._params_covariance_type
        for j in range(complete_case.means_.shape[0]):
            cov = component_covariance(complete_case.covariances_, cct, j, d)[pair]
            _ellipse(ax, complete_case.means_[j, [a, b]], cov, n_std, "0.3", lw=1.5,
                     ls="--")
        n_cc = int((~np.isnan(X).any(axis=1)).sum())
        handles.append(Line2D([], [], color="0.3", lw=1.5, ls="--",
                              label=f"complete cases only ({n_cc} rows)"))
    ax.legend(handles=handles, loc="best", fontsize=8)
    ax.set_xlabel(str(names[a]))
    ax.set_ylabel(str(names[b]))
    ax.set_title(f"{model.means_.shape[0]} components ({ct}): {n_std:g}-sigma "
                 f"ellipses{note}")
    return fig
