"""
K-Means as hard EM
==================

Each centroid's path from a random start (circle) to the end (cross): assign each
point to its nearest centroid, move each centroid to the mean of its points.
"""

import matplotlib.pyplot as plt

import fastem
from fastem import datasets, plotting

X, _, _ = datasets.make_blobs(random_state=0)
km = fastem.KMeans(3, init="random", record_history=True, random_state=0).fit(X)
fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
plotting.plot_kmeans_history(km, X, ax=ax)
print(f"{km.n_iter_} iterations, inertia {km.inertia_:.1f}")
