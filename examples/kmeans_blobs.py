"""K-Means as hard EM on three Gaussian blobs of 200 points (the first classic example).

Run: python examples/kmeans_blobs.py
"""

import time

import numpy as np

import fastem

rng = np.random.default_rng(0)
true_centers = np.array([[-5.0, 0.0], [0.0, 6.0], [5.0, -1.0]])
X = np.vstack([c + rng.normal(size=(200, 2)) for c in true_centers])

tic = time.perf_counter()
km = fastem.KMeans(n_clusters=3, init="random", n_init=5, random_state=0,
                   record_history=True).fit(X)
seconds = time.perf_counter() - tic

order = np.argsort(km.cluster_centers_[:, 0])
print(f"fastem {fastem.__version__}, backend {km.backend_}: "
      f"{km.n_iter_} iterations, converged={km.converged_}, {seconds:.2f} s "
      "(first run includes compiling the kernels)")
print("cluster   true centre        fitted centre      points")
for j, (t, c) in enumerate(zip(true_centers, km.cluster_centers_[order])):
    print(f"{j:>7}   ({t[0]:6.2f}, {t[1]:6.2f})   ({c[0]:6.2f}, {c[1]:6.2f})   "
          f"{np.sum(km.labels_ == order[j]):>6}")
print("inertia per iteration:", np.round(km.history_["objective"], 1))
err = np.abs(km.cluster_centers_[order] - true_centers).max()
print(f"largest error of a fitted centre: {err:.3f}")
