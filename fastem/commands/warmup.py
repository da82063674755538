"""Compile the kernels of the estimators' common paths ahead of the first fit
(``fastem.warmup()`` / ``fastem warmup``).

numba compiles a kernel once per argument types, and K-Means' nearest-centre search
once per form and tile width (``fastem._kernels.kmeans.search_form``): warmup runs
small fits that take each path, group by group, in float64 and float32, serial and
parallel, so that a later fit of any covariance type, with missing values or partial
labels, inside ModelSelection, on 1 to 128 features, loads machine code from the
disk cache instead of compiling. With ``jobs=2`` the groups run in two processes
(the groups of one process share no kernel with the other's, so that the two never
write one kernel's cache index at once)."""

import sys
import time
import warnings

import numpy as np

from .._config import config_context

# K-Means' search forms over 1..128 features: rows (d <= 3), the column tiles of
# widths 4, 8, ..., 32 (d = 4..31), and the matrix-product form (d >= 32; row-major
# from 64 on, a branch of the same code)
_KMEANS_WIDTHS = (2, 4, 8, 12, 16, 20, 24, 28, 31, 40)


def _kmeans_group(dtype, rng):
    from ..kmeans import KMeans

    for d in _KMEANS_WIDTHS:
        X = rng.normal(size=(96, d)).astype(dtype)
        for k in (3, 8):  # few centres, and d <= 3 with many (the product form)
            km = KMeans(k, init=X[:k], max_iter=2, tol=0, backend="numba").fit(X)
            km.transform(X[:3])
            km.predict(X[:3])
    X = rng.normal(size=(400, 2)).astype(dtype)  # the bounded searches (many centres)
    for algorithm in ("hamerly", "yinyang"):
        KMeans(40, init=X[:40], max_iter=3, tol=0, algorithm=algorithm,
               backend="numba").fit(X)


def _gmm_group(dtype, rng):
    from ..gaussian_mixture import COVARIANCE_TYPES, GaussianMixture

    X = rng.normal(size=(96, 3)).astype(dtype)
    for ct in COVARIANCE_TYPES:  # the full/tied and diagonal kernel families
        for data in (X, X[:, 0]):
            if data.ndim == 1 and ct not in ("full", "tied"):
                continue
            gm = GaussianMixture(2, covariance_type=ct, max_iter=2, tol=0,
                                 means_init=np.atleast_2d(data[:2].T).T.reshape(2, -1),
                                 backend="numba").fit(data)
            gm.predict_proba(data[:3])
            gm.predict(data[:3])
            gm.score_samples(data[:3])


def _gmm_missing_group(dtype, rng):
    from ..gaussian_mixture import GaussianMixture

    X = rng.normal(size=(96, 3)).astype(dtype)
    X[rng.random(X.shape) < 0.1] = np.nan
    for ct in ("full", "diag"):
        gm = GaussianMixture(2, covariance_type=ct, missing="em", max_iter=2, tol=0,
                             means_init=np.zeros((2, 3)) + [[0.0], [1.0]],
                             backend="numba").fit(X)
        gm.predict_proba(X[:3])
        gm.impute(X[:3])


def _binomial_group(dtype, rng):
    from ..binomial_mixture import BinomialMixture

    if dtype != "float64":
        return  # counts are float64 whatever they came as
    for shape in ((64,), (64, 3)):
        counts = rng.integers(0, 6, size=shape)
        bm = BinomialMixture(2, n_trials=5, max_iter=2, tol=0, backend="numba").fit(counts)
        bm.predict_proba(counts[:3])
        bm.predict(counts[:3])


# (name, what it covers, function): the first two share no kernel with the others
# (GaussianMixture's k-means start runs K-Means' kernels, compiled by the K-Means
# group for the same forms), so two processes can take them apart
GROUPS = (("kmeans", "K-Means: every search form for 1..128 features, bounded searches",
           _kmeans_group),
          ("binomial", "binomial mixtures: one count and several per row", _binomial_group),
          ("gmm", "Gaussian mixtures: every covariance type, 1-D and multivariate",
           _gmm_group),
          ("gmm-missing", "Gaussian mixtures with missing values (missing='em')",
           _gmm_missing_group))
_FIRST_PROCESS = ("kmeans", "binomial")


def _run_groups(names, dtypes, report):
    from ..exceptions import ConvergenceWarning, DegenerateComponentWarning

    rng = np.random.default_rng(0)
    for name, what, fn in GROUPS:
        if name not in names:
            continue
        for dtype in dtypes:
            tic = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", DegenerateComponentWarning)
                for mode in ("serial", "parallel"):
                    with config_context(parallel=mode):
                        fn(dtype, rng)
            report(f"{what} ({dtype}): {time.perf_counter() - tic:.1f} s")


def _child(names, dtypes, queue):
    """A spawned process's share of the groups; its progress lines go back to the
    parent through ``queue``."""
    from .. import _jit

    _jit.COMPILE_NOTICE_SECONDS = None  # warmup reports by group instead
    try:
        _run_groups(names, dtypes, queue.put)
        queue.put(None)
    except BaseException as exc:  # the parent says what went wrong
        queue.put(exc)


def warmup(dtypes=("float64", "float32"), jobs=1, verbose=False):
    """Compile (or load from the cache) the kernels of the common paths; returns the
    seconds it took. ``jobs=2`` runs the groups in two processes; ``verbose`` prints
    a line per group to stderr."""
    from .._backend import numba_available
    from .. import _jit

    tic = time.perf_counter()

    def report(line):
        if verbose:
            print(f"fastem warmup: {line}", file=sys.stderr, flush=True)

    if not numba_available():
        report("numba is not available (or disabled): the NumPy kernels need no compiling")
        return 0.0
    names = [name for name, _, _ in GROUPS]

    if jobs <= 1:
        saved = _jit.COMPILE_NOTICE_SECONDS
        _jit.COMPILE_NOTICE_SECONDS = None
        try:
            _run_groups(names, dtypes, report)
        finally:
            _jit.COMPILE_NOTICE_SECONDS = saved
        return time.perf_counter() - tic
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # fork is unsafe once kernels ran
    queue = ctx.Queue()
    mine = [n for n in names if n in _FIRST_PROCESS]
    other = [n for n in names if n not in _FIRST_PROCESS]
    procs = [ctx.Process(target=_child, args=(part, tuple(dtypes), queue))
             for part in (mine, other)]
    for p in procs:
        p.start()
    done, error = 0, None
    while done < len(procs):
        item = queue.get()
        if item is None:
            done += 1
        elif isinstance(item, BaseException):
            done, error = done + 1, item
        else:
            report(item)
    for p in procs:
        p.join()
    if error is not None:
        raise error
    return time.perf_counter() - tic
