"""fastem: fast Expectation-Maximization (K-Means, binomial and Gaussian mixtures).

Importing fastem compiles nothing and does not import numba: kernels are imported,
and compiled (or loaded from numba's on-disk cache), by the first fit that uses them.
"""

from ._config import config_context, get_config, set_config
from .binomial_mixture import BinomialMixture
from .exceptions import (ConvergenceWarning, DegenerateComponentWarning, FastEMWarning,
                         IdentifiabilityWarning, NotFittedError)
from .gaussian_mixture import GaussianMixture
from ._stats import SufficientStatistics
from .kmeans import KMeans, kmeans_plusplus
from .model_selection import ModelSelection, ModelSelectionWarning

__version__ = "0.1.0.dev0"

__all__ = [
    "KMeans",
    "GaussianMixture",
    "BinomialMixture",
    "kmeans_plusplus",
    "ModelSelection",
    "ModelSelectionWarning",
    "SufficientStatistics",
    "get_config",
    "set_config",
    "config_context",
    "warmup",
    "NotFittedError",
    "ConvergenceWarning",
    "DegenerateComponentWarning",
    "FastEMWarning",
    "IdentifiabilityWarning",
    "__version__",
]


def warmup(dtypes: tuple = ("float64", "float32")) -> float:
    """Compile (or load from the on-disk cache) every numba kernel now, so that the
    first fit does not pay for it. Returns the seconds it took."""
    from .commands.warmup import warmup as _warmup

    return _warmup(dtypes)
