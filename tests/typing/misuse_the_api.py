"""Checked by mypy in CI, which must refuse every call marked below (the hints catch
a user's mistakes); never run."""

import numpy as np
import fastem
from fastem import GaussianMixture, KMeans
X = np.zeros((10, 2))
KMeans(n_clusters="three")  # error: str for int
GaussianMixture(3, tol="small")  # error: str for float
s: str = GaussianMixture(2).fit(X).bic(X)  # error: bic is a float
fastem.set_config(n_threads="many")  # error: str for int
