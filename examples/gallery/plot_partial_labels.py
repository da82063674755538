"""
Partial labels on iris
======================

Two flowers of each species labelled, the other 144 not: the semi-supervised
mixture names its components by species.
"""

import matplotlib.pyplot as plt
import numpy as np

import fastem
from fastem import plotting
from fastem.datasets import IRIS_COLUMNS, load_iris

X, species = load_iris()
y = np.full(150, -1)
rows = [0, 1, 50, 51, 100, 101]
y[rows] = species[rows]
gm = fastem.GaussianMixture(3, random_state=0).fit(X[:, 2:], labels=y)
fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
plotting.plot_ellipses(gm, X[:, 2:], ax=ax, feature_names=IRIS_COLUMNS[2:])
ax.scatter(X[rows, 2], X[rows, 3], marker="*", s=200, c="black", label="labelled")
ax.legend()
print(f"accuracy: {(gm.predict(X[:, 2:]) == species).mean():.3f}")
