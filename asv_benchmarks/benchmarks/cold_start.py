"""What a new process pays: importing fastem, and a first fit (kernels loaded from
numba's on-disk cache, or compiled the first time)."""


class ColdStart:
    timeout = 600

    def timeraw_import(self):
        return "import fastem"

    def timeraw_first_kmeans_fit(self):
        return """
import numpy as np
import fastem
X = np.random.default_rng(0).normal(size=(1000, 2))
fastem.KMeans(3, random_state=0).fit(X)
"""

    def timeraw_first_gmm_fit(self):
        return """
import numpy as np
import fastem
X = np.random.default_rng(0).normal(size=(1000, 2))
fastem.GaussianMixture(3, random_state=0).fit(X)
"""
