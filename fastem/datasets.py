"""Data for the three classic EM examples, seeded and reproducible.

No scikit-learn needed. Every generator takes ``random_state`` (None, an int, a
SeedSequence, a Generator or a RandomState) like the estimators.
"""

from __future__ import annotations

import numpy as np

from ._typing import ArrayLike, NDArray, RandomStateLike
from ._validation import check_int, seed_sequence

__all__ = ["make_blobs", "make_coin_trials", "make_gaussian_mixture_1d", "load_faithful",
           "load_airquality", "AIRQUALITY_COLUMNS", "load_iris", "IRIS_COLUMNS",
           "IRIS_SPECIES", "TEXTBOOK_HEADS", "TEXTBOOK_TOSSES"]

#: Do & Batzoglou's five sets of ten tosses (Nature Biotechnology, 2008): heads per set.
TEXTBOOK_HEADS = np.array([5, 9, 8, 4, 7])
#: Tosses per set in the textbook example.
TEXTBOOK_TOSSES = 10


def load_faithful() -> NDArray:
    """Old Faithful geyser eruptions (R's ``datasets::faithful``, 272 rows): eruption
    time (minutes) and waiting time to the next eruption (minutes), the data set of
    mclust's examples.

    Returns
    -------
    X : ndarray of shape (272, 2)
        Columns ``eruptions``, ``waiting``.
    """
    from pathlib import Path

    return np.loadtxt(Path(__file__).parent / "data" / "faithful.csv", delimiter=",",
                      skiprows=1)


#: Columns of :func:`load_airquality`.
AIRQUALITY_COLUMNS = ("ozone", "solar_r", "wind", "temp")


def load_airquality() -> NDArray:
    """New York air quality, May to September 1973 (R's ``datasets::airquality``, 153
    daily rows): mean ozone (ppb, 13:00-15:00 at Roosevelt Island), solar radiation
    (Langleys, 08:00-12:00 at Central Park), mean wind speed (mph, LaGuardia) and
    maximum temperature (degrees F, LaGuardia). Real data with holes: 37 ozone and 7
    solar radiation values are missing (NaN), 42 rows in all.

    Returns
    -------
    X : ndarray of shape (153, 4)
        Columns :data:`AIRQUALITY_COLUMNS`, NaN where missing.
    """
    from pathlib import Path

    table = np.genfromtxt(Path(__file__).parent / "data" / "airquality.csv", delimiter=",",
                          skip_header=1, filling_values=np.nan)
    return np.ascontiguousarray(table[:, :4])


#: Columns of :func:`load_iris`, in centimetres.
IRIS_COLUMNS = ("sepal_length", "sepal_width", "petal_length", "petal_width")
#: The species of :func:`load_iris`, by their index in ``species``.
IRIS_SPECIES = ("setosa", "versicolor", "virginica")


def load_iris() -> tuple[NDArray, NDArray]:
    """Anderson's iris flowers (R's ``datasets::iris``, 150 rows, as Fisher published
    them in 1936): sepal and petal length and width of 50 flowers of each of three
    species. Versicolor and virginica overlap, the classic test of clustering and of
    semi-supervised fits.

    Returns
    -------
    X : ndarray of shape (150, 4)
        Columns :data:`IRIS_COLUMNS`.
    species : ndarray of shape (150,), int64
        Index into :data:`IRIS_SPECIES`.
    """
    from pathlib import Path

    path = Path(__file__).parent / "data" / "iris.csv"
    X = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(4))
    names = np.loadtxt(path, delimiter=",", skiprows=1, usecols=4, dtype=str)
    species = np.array([IRIS_SPECIES.index(name) for name in names], dtype=np.int64)
    return X, species


def _rng(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(seed_sequence(random_state))


def make_blobs(n_per_cluster: int | ArrayLike = 200,
               centers: ArrayLike = ((-5.0, 0.0), (0.0, 6.0), (5.0, -1.0)),
               cluster_std: float | ArrayLike = 1.0,
               random_state: RandomStateLike = None) -> tuple[NDArray, NDArray, NDArray]:
    """Isotropic Gaussian blobs: the K-Means example (3 clusters of 200 points).

    Parameters
    ----------
    n_per_cluster : int or sequence of int
        Points per cluster.
    centers : array-like of shape (k, n_features)
    cluster_std : float or sequence of float
        Standard deviation of each cluster.
    random_state : seed, optional

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    labels : ndarray of shape (n_samples,), the true cluster of each point
    centers : ndarray of shape (k, n_features)
    """
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise ValueError(f"centers must be a 2-D array (k, n_features), got shape "
                         f"{centers.shape}.")
    k = centers.shape[0]
    sizes = np.broadcast_to(np.asarray(n_per_cluster), (k,))
    stds = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (k,))
    if (sizes < 1).any() or (stds <= 0).any():
        raise ValueError("n_per_cluster must be >= 1 and cluster_std > 0.")
    rng = _rng(random_state)
    X = np.vstack([c + s * rng.standard_normal((int(m), centers.shape[1]))
                   for c, s, m in zip(centers, stds, sizes)])
    labels = np.repeat(np.arange(k), sizes.astype(int))
    return X, labels, centers


def make_coin_trials(biases: ArrayLike = (0.6, 0.2), n_tosses: int = 10, n_trials: int = 500,
                     weights: ArrayLike | None = None,
                     random_state: RandomStateLike = None) -> tuple[NDArray, NDArray]:
    """The two-coins experiment: each trial picks a coin, tosses it ``n_tosses`` times
    and records the number of heads.

    Parameters
    ----------
    biases : sequence of float
        Probability of heads of each coin.
    n_tosses : int
        Tosses per trial.
    n_trials : int
        Number of trials.
    weights : sequence of float, optional
        Probability of picking each coin (equal by default).
    random_state : seed, optional

    Returns
    -------
    heads : ndarray of shape (n_trials,), int
    coins : ndarray of shape (n_trials,), the coin of each trial
    """
    biases = np.asarray(biases, dtype=np.float64)
    if biases.ndim != 1 or ((biases < 0) | (biases > 1)).any():
        raise ValueError("biases must be a sequence of probabilities in [0, 1].")
    n_tosses = check_int(n_tosses, "n_tosses", min_value=1)
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    p = None if weights is None else np.asarray(weights, dtype=np.float64)
    rng = _rng(random_state)
    coins = rng.choice(biases.size, size=n_trials, p=p)
    return rng.binomial(n_tosses, biases[coins]), coins


def make_gaussian_mixture_1d(means: ArrayLike = (-10.0, 30.0, 3.0), sds: ArrayLike = (3.0, 7.0, 5.0),
                             sizes: ArrayLike = (1000, 1000, 1000),
                             random_state: RandomStateLike = None) -> tuple[NDArray, NDArray]:
    """A 1-D Gaussian mixture: ``sizes[j]`` points from Normal(means[j], sds[j]).

    The defaults are the article's three components; the two-component example is
    ``means=(2, -1), sds=(1, 0.8), sizes=(200, 600)``.

    Returns
    -------
    x : ndarray of shape (sum(sizes),)
    labels : ndarray of shape (sum(sizes),), the component of each point
    """
    means = np.asarray(means, dtype=np.float64)
    sds = np.asarray(sds, dtype=np.float64)
    sizes = np.asarray(sizes)
    if not (means.shape == sds.shape == sizes.shape) or means.ndim != 1:
        raise ValueError("means, sds and sizes must be sequences of the same length.")
    if (sds <= 0).any() or (sizes < 1).any():
        raise ValueError("sds must be > 0 and sizes >= 1.")
    rng = _rng(random_state)
    x = np.concatenate([rng.normal(m, s, int(n)) for m, s, n in zip(means, sds, sizes)])
    return x, np.repeat(np.arange(means.size), sizes.astype(int))
