"""Checked by mypy in CI (see pyproject.toml, [tool.mypy]), never run by pytest: the
public API used as a user's code would, with the types the user would write."""

import numpy as np

import fastem
from fastem import BinomialMixture, GaussianMixture, KMeans, ModelSelection
from fastem.datasets import load_iris
from fastem.plotting import plot_ellipses

X, species = load_iris()
y = np.where(species > 0, -1, species)

km: KMeans = KMeans(3, n_init="auto", random_state=0).fit(X, labels=y, sample_weight=None)
labels: np.ndarray = km.predict(X)
distances = km.set_output(transform="default").transform(X)
centres, rows = fastem.kmeans_plusplus(X, 3, random_state=np.random.default_rng(0))

gm: GaussianMixture = GaussianMixture(3, covariance_type="tied", fit_weights=False,
                                      weights_init=[1 / 3] * 3).fit(X, labels=y)
proba: np.ndarray = gm.predict_proba(X)
criteria: float = gm.bic(X) + gm.aic(X) + gm.icl(X) + gm.score(X)
drawn, components = gm.sample(10)
stats = gm.statistics(X, labels=y)
gm = gm.m_step(stats).partial_fit(X[:50])
filled: np.ndarray = GaussianMixture(2, missing="em").fit(X).impute(X)

bm: BinomialMixture = BinomialMixture(2, n_trials=10, fit_probs=False,
                                      probs_init=[0.8, 0.5]).fit([5, 9, 8, 4, 7])
counts, _ = bm.sample(5)

selection: ModelSelection = ModelSelection(GaussianMixture(), {"n_components": [2, 3]}).fit(X)
figure = plot_ellipses(gm, X[:, :2])
with fastem.config_context(backend="python"):
    fastem.set_config(n_threads=1)
settings: dict = fastem.get_config()
