"""
Missing values: exact EM on airquality
======================================

R's ``airquality`` has 37 ozone and 7 radiation readings missing. EM over the
observed entries (solid ellipses) against the fit of the 111 complete rows (dashed);
hollow markers are days without an ozone reading, at their imputed value.
"""

import matplotlib.pyplot as plt
import numpy as np

import fastem
from fastem import plotting
from fastem.datasets import AIRQUALITY_COLUMNS, load_airquality

X = load_airquality()
gm = fastem.GaussianMixture(2, missing="em", n_init=5, random_state=0).fit(X)
cc = fastem.GaussianMixture(2, n_init=5, random_state=0).fit(X[~np.isnan(X).any(axis=1)])
fig, ax = plt.subplots(figsize=(6.5, 5), layout="constrained")
plotting.plot_missing(gm, X, features=(3, 0), complete_case=cc,
                      feature_names=AIRQUALITY_COLUMNS, ax=ax)
