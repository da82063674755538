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


def warmup(dtypes: tuple = ("float64", "float32"), jobs: int = 1,
           verbose: bool = False) -> float:
    """Compile (or load from the on-disk cache) the kernels of the estimators' common
    paths now: every covariance type, missing values, K-Means' search forms for 1 to
    128 features, binomial mixtures, serial and parallel, in ``dtypes``; later fits
    then load machine code instead of compiling. ``jobs=2`` compiles in two
    processes; ``verbose`` prints a line per group to stderr. Returns the seconds it
    took."""
    from .commands.warmup import warmup as _warmup

    return _warmup(dtypes, jobs=jobs, verbose=verbose)
