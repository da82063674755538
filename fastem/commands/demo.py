"""``fastem demo``: the three classic EM examples, end to end."""

import os
import time
import warnings

import numpy as np

from .. import datasets
from ..binomial_mixture import BinomialMixture
from ..exceptions import ConvergenceWarning
from ..gaussian_mixture import GaussianMixture
from ..kmeans import KMeans


def _timed(fn):
    """``(fn(), its time as text)``; the text says when the time includes compiling
    kernels (the first run on a machine), which later runs load from the cache."""
    from .._jit import compiled_count

    before = compiled_count()
    tic = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = fn()
    secs = time.perf_counter() - tic
    compiled = compiled_count() - before
    note = (f" (including compiling {compiled} kernel{'s' if compiled > 1 else ''}, once "
            "per machine)") if compiled else ""
    return out, f"{secs:.2f} s{note}"


def _verdict(ok):
    return "recovered" if ok else "NOT recovered"


def _article_start(x, seed):
    """The article's picture: one run of 20 iterations from means drawn uniformly in
    the data's range and standard deviations in 1..10, equal weights."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(x.min(), x.max(), size=3)[:, None]
    sds = rng.uniform(1.0, 10.0, size=3)
    gm = GaussianMixture(3, weights_init=np.full(3, 1 / 3), means_init=means,
                         precisions_init=(1.0 / sds**2)[:, None, None], max_iter=20, tol=0,
                         record_history=True)
    return _timed(lambda: gm.fit(x))[0]


def run(seed=0, plots=None, out=print):
    """Run the examples; returns {example: recovered?}. ``plots`` is a folder for
    PNG figures (needs matplotlib)."""
    results, figures = {}, {}
    out(f"fastem demo (seed {seed}): three classic EM examples\n")

    # 1. K-Means as hard EM ----------------------------------------------------------
    X, _, true_centers = datasets.make_blobs(random_state=seed)
    km, secs = _timed(lambda: KMeans(3, init="random", n_init=5, random_state=seed,
                                     record_history=True).fit(X))
    order = [int(np.argmin(((km.cluster_centers_ - c) ** 2).sum(1))) for c in true_centers]
    err = float(np.abs(km.cluster_centers_[order] - true_centers).max())
    results["kmeans"] = sorted(order) == [0, 1, 2] and err < 0.3
    out("1. K-Means as hard EM: 3 clusters of 200 points, random initial centroids")
    out("   cluster   true centre        fitted centre      points")
    for j, c in enumerate(true_centers):
        f = km.cluster_centers_[order[j]]
        out(f"   {j:>7}   ({c[0]:6.2f}, {c[1]:6.2f})   ({f[0]:6.2f}, {f[1]:6.2f})   "
            f"{np.sum(km.labels_ == order[j]):>6}")
    out(f"   {km.n_iter_} iterations (converged: {km.converged_}), backend {km.backend_}, "
        f"{secs}: {_verdict(results['kmeans'])}\n")

    # 2. Two coins ------------------------------------------------------------------
    out("2. Two coins (binomial mixture)")
    heads = datasets.TEXTBOOK_HEADS
    bm_book, secs_book = _timed(lambda: BinomialMixture(
        2, n_trials=datasets.TEXTBOOK_TOSSES, fit_weights=False, probs_init=[0.6, 0.5],
        max_iter=10, tol=0, record_history=True).fit(heads))
    theta = bm_book.history_["probs"]
    book_ok = (np.allclose(theta[1], [0.713, 0.581], atol=5e-4)
               and np.allclose(theta[10], [0.797, 0.520], atol=5e-4))
    out(f"   textbook: heads {heads.tolist()} out of 10, start (0.6, 0.5), equal fixed "
        "priors")
    out(f"     after  1 iteration : ({theta[1][0]:.3f}, {theta[1][1]:.3f})   "
        "textbook (0.713, 0.581)")
    out(f"     after 10 iterations: ({theta[10][0]:.3f}, {theta[10][1]:.3f})   "
        f"textbook (0.797, 0.520)   {secs_book}")
    biases = (0.6, 0.2)
    trials, _ = datasets.make_coin_trials(biases, 10, 500, random_state=seed)
    bm, secs = _timed(lambda: BinomialMixture(2, n_trials=10, n_init=5, random_state=seed,
                                              record_history=True).fit(trials))
    o = np.argsort(-bm.probs_)
    coin_ok = bool(np.allclose(bm.probs_[o], biases, atol=0.05))
    results["coins"] = book_ok and coin_ok
    out("   500 trials of 10 tosses, true biases (0.6, 0.2), 5 random starts:")
    out("     coin   true   fitted   weight")
    for j, b in enumerate(biases):
        out(f"     {'AB'[j]:>4}   {b:.3f}   {bm.probs_[o[j]]:.3f}    {bm.weights_[o[j]]:.3f}")
    out(f"   {bm.n_iter_} iterations (converged: {bm.converged_}), {secs}: "
        f"{_verdict(results['coins'])}\n")

    # 3. Gaussian mixtures in 1-D ------------------------------------------------------
    out("3. Gaussian mixtures in 1-D")
    means, sds = (-10.0, 30.0, 3.0), (3.0, 7.0, 5.0)
    x3, _ = datasets.make_gaussian_mixture_1d(means, sds, (1000, 1000, 1000),
                                              random_state=seed)
    gm3, secs3 = _timed(lambda: GaussianMixture(
        3, init_params="random_from_data", n_init=10, max_iter=500, tol=1e-8,
        random_state=seed, record_history=True).fit(x3))
    o3 = np.argsort(gm3.means_[:, 0])
    t3 = np.argsort(means)
    fit3 = np.column_stack([gm3.means_[o3, 0], np.sqrt(gm3.covariances_[o3, 0, 0])])
    true3 = np.column_stack([np.asarray(means)[t3], np.asarray(sds)[t3]])
    ok3 = bool(np.allclose(fit3, true3, atol=0.8))
    out("   (a) three components of 1000 points, 10 random starts")
    out("       true mu, sigma      fitted mu, sigma    weight")
    for (tm, ts), (fm, fs), w in zip(true3, fit3, gm3.weights_[o3]):
        out(f"       {tm:6.1f}, {ts:4.1f}        {fm:6.2f}, {fs:5.2f}        {w:.3f}")
    out(f"       {gm3.n_iter_} iterations, {secs3}")
    x2, _ = datasets.make_gaussian_mixture_1d((2.0, -1.0), (1.0, 0.8), (200, 600),
                                              random_state=seed)
    gm2, secs2 = _timed(lambda: GaussianMixture(2, max_iter=20, tol=0, random_state=seed,
                                                record_history=True).fit(x2))
    o2 = np.argsort(-gm2.means_[:, 0])
    fit2 = np.column_stack([gm2.means_[o2, 0], np.sqrt(gm2.covariances_[o2, 0, 0]),
                            gm2.weights_[o2]])
    ok2 = bool(np.allclose(fit2, [[2.0, 1.0, 0.25], [-1.0, 0.8, 0.75]], atol=0.25))
    results["gaussian"] = ok3 and ok2
    out("   (b) two components: 200 points of N(2, 1) and 600 of N(-1, 0.8), 20 iterations")
    out("       true mu, sigma, weight      fitted mu, sigma, weight")
    for (tm, ts, tw), (fm, fs, fw) in zip([(2.0, 1.0, 0.25), (-1.0, 0.8, 0.75)], fit2):
        out(f"       {tm:5.1f}, {ts:4.1f}, {tw:.2f}          {fm:5.2f}, {fs:5.2f}, {fw:.3f}")
    ll = gm2.history_["objective"]
    out(f"       mean log-likelihood {ll[0]:.4f} at the start, {ll[-1]:.4f} after 20 "
        f"iterations, {secs2}: {_verdict(results['gaussian'])}\n")

    if plots:
        from .. import plotting

        os.makedirs(plots, exist_ok=True)
        figures = {
            "kmeans_iterations.png": plotting.plot_kmeans_history(km, X),
            "kmeans_inertia.png": plotting.plot_objective(km),
            "coins_textbook.png": plotting.plot_parameter_history(
                bm_book, "probs", truth=(0.797, 0.520)),
            "coins_500_trials.png": plotting.plot_parameter_history(bm, "probs", truth=biases),
            "gmm_density_snapshots.png": plotting.plot_density_snapshots(
                _article_start(x3, seed), x3, iterations=(0, 5, 20)),
            "gmm_three_components.png": plotting.plot_density_vs_kde(gm3, x3),
            "gmm_log_likelihood.png": plotting.plot_objective(gm2),
            "gmm_vs_kde.png": plotting.plot_density_vs_kde(gm2, x2),
            "gmm_ellipses.png": plotting.plot_ellipses(
                GaussianMixture(3, random_state=seed).fit(X), X),
        }
        # model choice on a real data set, as mclust's BIC and classification plots
        from ..datasets import load_faithful
        from ..model_selection import ModelSelection

        faithful = load_faithful()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the grid's degenerate high-k fits
            selection = ModelSelection(GaussianMixture(n_init=3, random_state=seed)).fit(
                faithful)
        figures["bic_faithful.png"] = plotting.plot_criterion(selection)
        figures["classification_faithful.png"] = plotting.plot_classification(
            selection, faithful, feature_names=["eruptions (min)", "waiting (min)"])
        # exact EM on real data with holes, beside complete-case analysis
        from ..datasets import load_airquality

        air = load_airquality()
        em = GaussianMixture(2, missing="em", n_init=5, random_state=seed).fit(air)
        cc = GaussianMixture(2, n_init=5, random_state=seed).fit(
            air[~np.isnan(air).any(axis=1)])
        figures["missing_airquality.png"] = plotting.plot_missing(
            em, air, features=(3, 0), complete_case=cc,
            feature_names=["ozone (ppb)", "solar radiation (Langleys)", "wind (mph)",
                           "temperature (F)"])
        for name, fig in figures.items():
            fig.savefig(os.path.join(plots, name), dpi=90)
        out(f"figures written to {plots}: {', '.join(figures)}")
    return results
