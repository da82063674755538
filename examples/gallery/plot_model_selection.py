"""
Choosing the model by BIC
=========================

Old Faithful: 1 to 9 components under each covariance type, as mclust's ``Mclust``
does; the ring marks the choice.
"""

import matplotlib.pyplot as plt

import fastem
from fastem import plotting
from fastem.datasets import load_faithful

X = load_faithful()
selection = fastem.ModelSelection(
    fastem.GaussianMixture(random_state=0),
    {"n_components": range(1, 10), "covariance_type": ["full", "tied", "diag",
                                                          "spherical"]}).fit(X)
fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
plotting.plot_criterion(selection, ax=ax)
print(selection.best_params_)
