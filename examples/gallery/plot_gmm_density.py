"""
A 1-D Gaussian mixture during EM
================================

Three overlapping components from a random start: the mixture density at the
start, after 5 iterations and at the end, then the fitted density against a kernel
density estimate.
"""

import matplotlib.pyplot as plt

import fastem
from fastem import datasets, plotting

x, _ = datasets.make_gaussian_mixture_1d(random_state=0)
gm = fastem.GaussianMixture(3, init_params="random", max_iter=500, record_history=True,
                            random_state=1).fit(x)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
plotting.plot_density_snapshots(gm, x, iterations=(0, 5, gm.n_iter_), ax=left)
plotting.plot_density_vs_kde(gm, x, ax=right)
