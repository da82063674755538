"""``fastem bench``: fastem against its peers, same data, same initial parameters.

Each case fits with a fixed number of iterations (tol=0) from the same start and
reports the best time per iteration over a few repeats, after one warm-up fit (so
compilation is not timed). Peers that are not installed are reported as skipped.

Each case also gets a floor: a lower bound on the time of one iteration from the
rates this machine reaches (:func:`measure_machine`: memory bandwidth, matrix
product, vector multiply-add, vector exp) and the work an iteration cannot avoid
(:func:`floor_ms`); "x floor" is how many times slower than that fastem runs.
"""

import os
import platform
import time
import warnings

import numpy as np

# case: (name, model, n, d, k, extra, target ratio, peer)
CASES = [
    ("kmeans-1e6-d2-k3", "kmeans", 1_000_000, 2, 3, {}, 4.0, "sklearn"),
    ("kmeans-1e6-d8-k16", "kmeans", 1_000_000, 8, 16, {}, 3.5, "sklearn"),
    ("kmeans-1e6-d8-k16-f32", "kmeans", 1_000_000, 8, 16, {"dtype": "float32"}, 3.5,
     "sklearn"),
    ("kmeans-1e5-d2-k3", "kmeans", 100_000, 2, 3, {}, 1.5, "sklearn"),
    ("kmeans-2e5-d64-k64", "kmeans", 200_000, 64, 64, {}, 1.5, "sklearn"),
    ("gmm-full-1e6-d8-k16", "gmm", 1_000_000, 8, 16, {"cov": "full"}, 20.0, "sklearn"),
    ("gmm-tied-1e6-d8-k16", "gmm", 1_000_000, 8, 16, {"cov": "tied"}, 20.0, "sklearn"),
    ("gmm-diag-1e6-d8-k16", "gmm", 1_000_000, 8, 16, {"cov": "diag"}, 20.0, "sklearn"),
    ("gmm-spherical-1e6-d8-k16", "gmm", 1_000_000, 8, 16, {"cov": "spherical"}, 20.0,
     "sklearn"),
    ("gmm-full-1e5-d2-k3", "gmm", 100_000, 2, 3, {"cov": "full"}, 8.0, "sklearn"),
    ("gmm-1d-1e6-k3", "gmm", 1_000_000, 1, 3, {"cov": "full"}, 40.0, "sklearn"),
    ("gmm-1d-3000-k3", "gmm", 3000, 1, 3, {"cov": "full"}, 10.0, "sklearn"),
    ("binomial-1e6-n10-k2", "binomial", 1_000_000, 1, 2, {"compress": False}, 50.0, "scipy"),
    ("binomial-1e6-n10-k2-distinct", "binomial", 1_000_000, 1, 2, {"compress": True}, 100.0,
     "scipy"),
]
INTELEX = {"kmeans"}

# --grid: shapes off the benchmark's, and the round's targets for them
GRID_KMEANS = [(d, k) for d in (2, 3, 5, 8, 16, 32, 64, 128) for k in (3, 16, 64, 256)]
GRID_GMM = [(d, k) for d in (1, 2, 4, 8, 16, 32) for k in (2, 4, 8, 16, 32)]
GRID_TARGETS = {"kmeans": (3.0, 1.5), "gmm": (15.0, 8.0)}  # (geometric mean, minimum)


# --large-k: K-Means with many clusters, whole fits to convergence (tol=1e-4) from one
# k-means++ start, against scikit-learn's faster of lloyd and elkan: (name, n, d, k,
# target ratio), the targets of issue 13
LARGE_K_CASES = [
    ("kmeans-2e5-d2-k100", 200_000, 2, 100, 5.0),
    ("kmeans-5e4-d2-k1000", 50_000, 2, 1000, 5.0),
    ("kmeans-2e5-d16-k256", 200_000, 16, 256, 5.0),
    ("kmeans-5e4-d16-k1000", 50_000, 16, 1000, 5.0),
    ("kmeans-5e4-d128-k1000", 50_000, 128, 1000, 3.0),
]


def run_large_k(quick=False, only=None, out=print):
    """``fastem bench --large-k``: whole K-Means fits to convergence (tol=1e-4, at
    most 300 iterations) from the same k-means++ start, fastem's ``auto``, ``lloyd``,
    ``hamerly`` and ``yinyang`` against scikit-learn's faster of ``lloyd`` and
    ``elkan``, on blobs (k/4 of them, as the README's tables). Returns one dict per
    case: ``case``, ``n_iter`` and, per method, ``<method>_ms`` and
    ``<method>_ratio`` (scikit-learn's time over the method's), and ``sklearn_ms``."""
    import fastem

    out(f"machine: {machine_description()}")
    out("whole fit to convergence, same k-means++ start, best of 2; ratio = "
        "scikit-learn's faster of lloyd and elkan / fastem")
    methods = ("auto", "lloyd", "hamerly", "yinyang")
    out(f"{'case':24} {'iters':>5} {'sklearn ms':>10} " +
        " ".join(f"{m + ' ms':>10} {'ratio':>6}" for m in methods) + f" {'target':>6}")
    rows = []
    for name, n, d, k, target in LARGE_K_CASES:
        if only and not any(o in name for o in only):
            continue
        if quick:
            n //= 10
        rng = np.random.default_rng(0)
        X = (rng.normal(scale=4.0, size=(max(k // 4, 4), d))[rng.integers(max(k // 4, 4),
                                                                            size=n)]
             + rng.normal(size=(n, d)))
        init = fastem.kmeans_plusplus(X, k, random_state=0)[0]
        row = {"case": name, "target": target}
        peers = []
        try:
            from sklearn.cluster import KMeans as SK

            for algorithm in ("lloyd", "elkan"):
                peers.append(_time_fit(lambda a=algorithm: SK(k, init=init, n_init=1,
                                                               algorithm=a).fit(X), 1,
                                       compiles=False))
        except ImportError:
            pass
        row["sklearn_ms"] = 1e3 * min(peers) if peers else float("nan")
        cols = []
        for m in methods:
            fitted = []
            t = _time_fit(lambda m=m: fitted.append(
                fastem.KMeans(k, init=init, algorithm=m).fit(X)), 1)
            row["n_iter"] = fitted[-1].n_iter_
            row[f"{m}_ms"] = 1e3 * t
            row[f"{m}_ratio"] = row["sklearn_ms"] / row[f"{m}_ms"]
            cols.append(f"{row[f'{m}_ms']:10.1f} {row[f'{m}_ratio']:5.2f}x")
        out(f"{name:24} {row['n_iter']:5d} {row['sklearn_ms']:10.1f} " + " ".join(cols)
            + f" {target:5.1f}x")
        rows.append(row)
    if quick:
        out("(--quick: sizes cut tenfold, so targets are not judged)")
    return rows


# --missing: GaussianMixture(missing="em") on data with entries missing completely at
# random, against the complete-data fit of the same shape from the same start: (name,
# n, d, k, covariance type, fraction missing, target ratio or None); the first is
# issue 15's target, the others a grid around it
MISSING_CASES = [("gmm-missing-1e5-d8-k5-full-10%", 100_000, 8, 5, "full", 0.1, 3.0)] + [
    (f"gmm-missing-1e5-d{d}-k{k}-{ct}-{round(100 * f)}%", 100_000, d, k, ct, f, None)
    for ct, d, k, f in
    [("full", d, k, f) for d in (2, 4, 8, 16) for k in (2, 10) for f in (0.05, 0.3)]
    + [(ct, 8, 5, f) for ct in ("tied", "diag", "spherical") for f in (0.1, 0.3)]]


def _interleaved_iterations(fit, variants, repeats):
    """Seconds per EM iteration of each variant: (fit of 21 iterations - fit of 1) /
    (its iterations - 1, as a K-Means fit may stop early), each fit the best of
    ``repeats``, the variants interleaved so that all see the same machine.
    ``fit(variant, max_iter)`` returns (seconds, n_iter_)."""
    best, n_iter = {}, {}
    time.sleep(QUIET_SECONDS)
    for _ in range(repeats):
        for variant in variants:
            for iters in (21, 1):
                seconds, n_iter[variant, iters] = fit(variant, iters)
                best[variant, iters] = min(best.get((variant, iters), np.inf), seconds)
    return {v: (best[v, 21] - best[v, 1]) / max(n_iter[v, 21] - 1, 1) for v in variants}


def run_missing(quick=False, only=None, out=print, repeats=5):
    """``fastem bench --missing``: the cost of an EM iteration with missing values
    (``missing="em"``) over that of the complete data, same shape, same start. An
    iteration is (fit of 21 iterations - fit of 1) / 20, each the best of
    ``repeats``, the complete and the incomplete fits interleaved so that both see the
    same machine. Returns one dict per case: ``case``, ``patterns``,
    ``complete_ms``, ``missing_ms``, ``ratio`` (missing / complete) and ``target``."""
    import fastem

    out(f"machine: {machine_description()}")
    out(f"one EM iteration, best of {repeats}, interleaved; ratio = missing / complete "
        "(lower is better)")
    out(f"{'case':38} {'patterns':>8} {'complete ms':>11} {'missing ms':>10} "
        f"{'ratio':>6} {'target':>6}")
    rows = []
    for name, n, d, k, ct, frac, target in MISSING_CASES:
        if only and not any(o in name for o in only):
            continue
        if quick:
            n //= 10
        rng = np.random.default_rng(0)
        X = rng.normal(scale=3.0, size=(k, d))[rng.integers(k, size=n)] + rng.normal(
            size=(n, d))
        Xm = X.copy()
        Xm[rng.random(X.shape) < frac] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = fastem.GaussianMixture(k, covariance_type=ct, random_state=0,
                                           max_iter=10).fit(X)
        kw = dict(covariance_type=ct, tol=0.0, weights_init=start.weights_,
                  means_init=start.means_, precisions_init=start.precisions_)

        def fit(variant, iters, data=None):
            missing = "em" if variant == "missing" else "raise"
            data = (Xm if variant == "missing" else X) if data is None else data
            tic = time.perf_counter()
            est = fastem.GaussianMixture(k, max_iter=iters, missing=missing, **kw).fit(data)
            return time.perf_counter() - tic, est.n_iter_

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit("missing", 2, Xm[:2000])  # compile
            times = _interleaved_iterations(fit, ("complete", "missing"), repeats)
        complete, missing = times["complete"], times["missing"]
        patterns = len(np.unique(np.packbits(np.isnan(Xm), axis=1), axis=0))
        row = {"case": name, "patterns": patterns, "complete_ms": 1e3 * complete,
               "missing_ms": 1e3 * missing, "ratio": missing / complete, "target": target}
        out(f"{name:38} {patterns:8d} {row['complete_ms']:11.2f} {row['missing_ms']:10.2f} "
            f"{row['ratio']:5.2f}x " + (f"{target:5.1f}x" if target else f"{'':>6}"))
        rows.append(row)
    if quick:
        out("(--quick: sizes cut tenfold, so the target is not judged)")
    return rows


# --labels: fit(X, labels=y) with a fraction of the rows labelled, against fit(X) of the same
# data from the same start: (name, model, n, d, k, covariance type, fraction labelled)
LABEL_CASES = [
    (f"{model}-1e5-d{d}-k{k}{'-' + ct if ct else ''}-{round(100 * f)}%", model, 100_000, d,
     k, ct, f)
    for model, ct, d, k in [("gmm", "full", 2, 3), ("gmm", "full", 8, 10),
                            ("gmm", "diag", 8, 10), ("kmeans", None, 2, 8),
                            ("kmeans", None, 16, 256), ("binomial", None, 4, 5)]
    for f in (0.01, 0.1, 0.5)]


def run_labels(quick=False, only=None, out=print, repeats=5):
    """``fastem bench --labels``: the cost of an EM iteration with partial labels over
    that of the same fit without them, same data, same start. An iteration is (fit
    of 21 iterations - fit of 1) / 20, each the best of ``repeats``, the two fits
    interleaved (a K-Means fit that stops earlier counts its own iterations). Returns
    one dict per case: ``case``, ``unlabelled_ms``, ``labelled_ms`` and ``ratio``
    (labelled / unlabelled)."""
    import fastem

    out(f"machine: {machine_description()}")
    out(f"one EM iteration, best of {repeats}, interleaved; ratio = with labels / "
        "without (lower is better)")
    out(f"{'case':34} {'without ms':>10} {'labels ms':>10} {'ratio':>6}")
    rows = []
    for name, model, n, d, k, ct, frac in LABEL_CASES:
        if only and not any(o in name for o in only):
            continue
        if quick:
            n //= 10
        rng = np.random.default_rng(0)
        truth = rng.integers(k, size=n)
        if model == "binomial":
            X = rng.binomial(10, rng.uniform(0.1, 0.9, size=(k, d))[truth])
        else:
            X = rng.normal(scale=3.0, size=(k, d))[truth] + rng.normal(size=(n, d))
        y = np.where(rng.random(n) < frac, truth, -1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if model == "gmm":
                start = fastem.GaussianMixture(k, covariance_type=ct, random_state=0,
                                               max_iter=5).fit(X)
                kw = dict(covariance_type=ct, weights_init=start.weights_,
                          means_init=start.means_, precisions_init=start.precisions_)
                make = lambda it: fastem.GaussianMixture(k, max_iter=it, tol=0, **kw)  # noqa
            elif model == "kmeans":
                init = fastem.kmeans_plusplus(X, k, random_state=0)[0]
                make = lambda it: fastem.KMeans(k, init=init, max_iter=it, tol=0)  # noqa
            else:
                start = fastem.BinomialMixture(k, n_trials=10, random_state=0,
                                               max_iter=5).fit(X)
                kw = dict(weights_init=start.weights_, probs_init=start.probs_)
                make = lambda it: fastem.BinomialMixture(k, n_trials=10, max_iter=it,  # noqa
                                                         tol=0, **kw)

        def fit(variant, iters):
            tic = time.perf_counter()
            est = make(iters).fit(X, labels=y if variant == "labels" else None)
            return time.perf_counter() - tic, est.n_iter_

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit("labels", 2)  # compile
            times = _interleaved_iterations(fit, ("plain", "labels"), repeats)
        plain, labelled = times["plain"], times["labels"]
        row = {"case": name, "unlabelled_ms": 1e3 * plain, "labelled_ms": 1e3 * labelled,
               "ratio": labelled / plain}
        out(f"{name:34} {row['unlabelled_ms']:10.2f} {row['labelled_ms']:10.2f} "
            f"{row['ratio']:5.2f}x")
        rows.append(row)
    if quick:
        out("(--quick: sizes cut tenfold)")
    return rows


def grid_cases(quick=False):
    """The --grid cases: K-Means for d in 2..128 and k in 3..256 (n = 100 000), every
    covariance type for d in 1..32 and k in 2..32 (n = 50 000); a tenth of the rows
    with ``quick``. Each is (family, name, model, n, d, k, extra)."""
    scale = 10 if quick else 1
    cases = []
    for d, k in GRID_KMEANS:
        cases.append(("kmeans", f"kmeans-d{d}-k{k}", "kmeans", 100_000 // scale, d, k, {}))
    for cov in ("full", "tied", "diag", "spherical"):
        for d, k in GRID_GMM:
            if d == 1 and cov in ("tied", "spherical"):
                continue  # one feature: the same models as full and diag
            cases.append((f"gmm-{cov}", f"gmm-{cov}-d{d}-k{k}", "gmm", 50_000 // scale, d, k,
                          {"cov": cov}))
    return cases


def _data(model, n, d, k, extra, seed=0):
    rng = np.random.default_rng(seed)
    if model == "binomial":
        z = rng.integers(k, size=n)
        X = rng.binomial(10, np.linspace(0.2, 0.7, k)[z])
        return X, {"probs": np.linspace(0.4, 0.5, k), "weights": np.full(k, 1.0 / k)}
    centers = rng.normal(scale=4.0, size=(k, d))
    X = (centers[rng.integers(k, size=n)] + rng.normal(size=(n, d)))
    X = X.astype(extra.get("dtype", "float64"))
    start = X[rng.choice(n, k, replace=False)].astype(np.float64)
    return X, {"centers": start}


def _gmm_init(start, k, d, cov):
    prec = {"full": np.repeat(np.eye(d)[None], k, axis=0), "tied": np.eye(d),
            "diag": np.ones((k, d)), "spherical": np.ones(k)}[cov]
    return dict(weights_init=np.full(k, 1.0 / k), means_init=start,
                precisions_init=prec, covariance_type=cov)


def scipy_binomial_em(x, n_trials, probs, weights, n_iter):
    """Vectorised NumPy/SciPy EM for a binomial mixture: the baseline a user writes
    with scipy.stats.binom (an (n, k) matrix per iteration)."""
    from scipy.special import logsumexp
    from scipy.stats import binom

    probs, weights = probs.copy(), weights.copy()
    for _ in range(n_iter):
        joint = binom.logpmf(x[:, None], n_trials, probs[None, :]) + np.log(weights)
        resp = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
        nk = resp.sum(axis=0)
        probs = (resp.T @ x) / (n_trials * nk)
        weights = nk / nk.sum()
    return probs, weights


def _fitters(model, X, start, k, extra, n_iter):
    """{name: callable} of fastem and every installed peer, same start."""
    import fastem

    fits = {}
    if model == "kmeans":
        C = start["centers"].astype(X.dtype)
        fits["fastem"] = lambda: fastem.KMeans(k, init=C, max_iter=n_iter, tol=0).fit(X)
        fits["fastem-python"] = lambda: fastem.KMeans(k, init=C, max_iter=n_iter, tol=0,
                                                      backend="python").fit(X)
        try:
            from sklearn.cluster import KMeans as SK

            fits["sklearn"] = lambda: SK(k, init=C, n_init=1, max_iter=n_iter, tol=0,
                                         algorithm="lloyd").fit(X)
        except ImportError:
            pass
        try:
            from sklearnex.cluster import KMeans as SKX

            fits["sklearnex"] = lambda: SKX(k, init=C, n_init=1, max_iter=n_iter,
                                            tol=0).fit(X)
        except ImportError:
            pass
    elif model == "gmm":
        d = X.shape[1]
        kw = dict(_gmm_init(start["centers"], k, d, extra["cov"]), max_iter=n_iter, tol=0)
        fits["fastem"] = lambda: fastem.GaussianMixture(k, **kw).fit(X)
        fits["fastem-python"] = lambda: fastem.GaussianMixture(k, backend="python",
                                                               **kw).fit(X)
        try:
            from sklearn.mixture import GaussianMixture as SG

            fits["sklearn"] = lambda: SG(k, **kw).fit(X)
        except ImportError:
            pass
    else:
        from .. import binomial_mixture

        kw = dict(n_trials=10, probs_init=start["probs"], max_iter=n_iter, tol=0)

        def fit_fastem(backend="auto"):
            ratio = binomial_mixture._COMPRESS_RATIO
            if not extra["compress"]:
                binomial_mixture._COMPRESS_RATIO = 0.0
            try:
                return fastem.BinomialMixture(k, backend=backend, **kw).fit(X)
            finally:
                binomial_mixture._COMPRESS_RATIO = ratio

        fits["fastem"] = fit_fastem
        if not extra["compress"]:
            fits["fastem-python"] = lambda: fit_fastem("python")
        fits["scipy"] = lambda: scipy_binomial_em(X.astype(float), 10.0, start["probs"],
                                                  start["weights"], n_iter)
    return fits


# measure_machine's results in this process, by its ``quick`` argument
_MACHINE_RATES: dict = {}


def _rate_kernels():
    """The parallel passes :func:`measure_machine` times, on the kernels' thread runner
    (``fastem._parallel``): a streaming sum, the kernels' vector exp over tiles in
    cache, and chains of multiply-adds over tiles in cache. Compiled on the first
    call, then loaded from numba's cache."""
    from .._jit import jit
    from .._kernels._vmath import exp64
    from .._parallel import current_threads, run_blocks

    @jit
    def sum_blocks(first, last, a, block, part):
        # eight independent sums: without reassociation one running sum would be
        # bound by the latency of an add, not by memory
        for b in range(first, last):
            lo = b * block
            hi = min(lo + block, a.size)
            s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
            i = lo
            while i + 8 <= hi:
                s0 += a[i]
                s1 += a[i + 1]
                s2 += a[i + 2]
                s3 += a[i + 3]
                s4 += a[i + 4]
                s5 += a[i + 5]
                s6 += a[i + 6]
                s7 += a[i + 7]
                i += 8
            for j in range(i, hi):
                s0 += a[j]
            part[b] = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))

    @jit
    def exp_blocks(first, last, x, y, reps):
        for b in range(first, last):
            xb = x[b]
            yb = y[b]
            for _ in range(reps):
                for i in range(xb.size):
                    yb[i] = exp64(xb[i])

    @jit
    def fma_blocks(first, last, y, c, reps):
        # 16 dependent multiply-adds per value, values side by side in the vector
        # lanes: the vector units' peak, loads and stores aside
        for b in range(first, last):
            yb = y[b]
            for _ in range(reps):
                for i in range(yb.size):
                    v = yb[i]
                    for _ in range(16):
                        v = v * c + 0.5
                    yb[i] = v

    def stream_sum(a, block):
        part = np.zeros((a.size + block - 1) // block)
        run_blocks(sum_blocks, part.size, (a, block, part), current_threads())
        return part.sum()

    def exp_tiles(x, y, reps):
        run_blocks(exp_blocks, x.shape[0], (x, y, reps), current_threads())

    def fma_chains(y, c, reps):
        run_blocks(fma_blocks, y.shape[0], (y, c, reps), current_threads())

    return stream_sum, exp_tiles, fma_chains


def _best_seconds(fn):
    """Best of 3 timed calls of ``fn()``, after one untimed call (which compiles, or
    touches the pages of a new array)."""
    fn()
    best = np.inf
    for _ in range(3):
        tic = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - tic)
    return best


def measure_machine(quick=False):
    """Rates this machine reaches with all the threads a fit uses, best of 3 each;
    measured once per process (for each value of ``quick``).

    Parameters
    ----------
    quick : bool
        Stream 64 MB instead of 256 MB for the bandwidth.

    Returns
    -------
    dict
        ``bandwidth``: bytes/s of a streaming read of a float64 array far larger than
        the caches (a parallel numba sum over blocks; ``np.sum`` without numba).
        ``gemm``: flop/s of ``np.dot`` of two 1024 x 1024 float64 matrices
        (2 * 1024**3 flops). ``fma``: flop/s of chains of 16 dependent multiply-adds
        ``v = v * c + 0.5`` (2 flops each) on every value of float64 tiles of 1024
        values held in cache, the values side by side in the vector lanes: the peak
        of the vector units (NumPy's multiply and add without numba). ``exp``:
        exps/s of fastem's vector exp (``fastem._kernels._vmath.exp64``) over tiles
        of 2048 float64 arguments in [-30, 0] held in cache, as the kernels' tiles
        are, 4.2e6 exps per call (``np.exp`` without numba).
    """
    if quick in _MACHINE_RATES:
        return dict(_MACHINE_RATES[quick])
    from .._jit import HAS_NUMBA

    a = np.full((64 if quick else 256) * 2**20 // 8, 1.0)
    x = np.linspace(-30.0, 0.0, 32 * 2048).reshape(32, 2048)  # tiles of 16 KiB
    y = np.empty_like(x)
    exp_reps = 64  # 32 * 2048 * 64 = 4.2e6 exps
    acc = np.linspace(0.0, 1.0, 32 * 1024).reshape(32, 1024)  # tiles of 8 KiB
    fma_reps = 400  # 32 * 1024 * 16 * 400 multiply-adds: 4.2e8 flops
    if HAS_NUMBA:
        stream_sum, exp_tiles, fma_chains = _rate_kernels()
        t_read = _best_seconds(lambda: stream_sum(a, 1 << 16))
        t_exp = _best_seconds(lambda: exp_tiles(x, y, exp_reps))
        t_fma = _best_seconds(lambda: fma_chains(acc, 0.999, fma_reps))
    else:
        t_read = _best_seconds(lambda: np.sum(a))
        t_exp = _best_seconds(lambda: [np.exp(x, out=y) for _ in range(exp_reps)])
        fma_reps = 4  # NumPy's passes are slower: fewer of them

        def numpy_fma():
            for _ in range(16 * fma_reps):
                np.multiply(acc, 0.999, out=acc)
                np.add(acc, 0.5, out=acc)

        t_fma = _best_seconds(numpy_fma)
    m = np.random.default_rng(0).random((2, 1024, 1024))
    t_gemm = _best_seconds(lambda: np.dot(m[0], m[1]))
    rates = {"bandwidth": a.nbytes / t_read, "gemm": 2.0 * 1024**3 / t_gemm,
             "fma": 2.0 * 16 * acc.size * fma_reps / t_fma, "exp": x.size * exp_reps / t_exp}
    _MACHINE_RATES[quick] = rates
    return dict(rates)


def rates_description(rates):
    """The rates of :func:`measure_machine` as one line."""
    return (f"memory {rates['bandwidth'] / 1e9:.1f} GB/s, GEMM {rates['gemm'] / 1e9:.1f} "
            f"GFLOP/s, vector multiply-add {rates['fma'] / 1e9:.1f} GFLOP/s, "
            f"vector exp {rates['exp'] / 1e9:.2f} Gexp/s")


def floor_ms(model, n, d, k, extra, rates):
    """A lower bound on the milliseconds of one EM (or Lloyd) iteration.

    The floor is the larger of the memory time and the compute time (the sum of the
    arithmetic time and the exp time): a kernel can overlap reading the data with
    computing on it, but its flops and exps share the same vector units. Work of the
    M-step on the (k, d) parameters and the per-row log of the likelihood are left
    out: a floor.

    Memory: the data is read once per iteration, ``n * d * itemsize`` bytes (the
    binomial counts are float64; per-row trials add ``8 * n`` bytes), at
    ``rates["bandwidth"]``.

    Arithmetic, in flops:

    - K-Means: the distance search, ``3 * n * k * d`` (a subtraction and a
      multiply-add per row, centre and feature) at ``rates["fma"]``; for
      ``d >= 32`` as a matrix product, ``2 * n * k * d`` at ``rates["gemm"]``.
      float32 data runs at twice these rates (twice the lanes per vector).
    - Gaussian mixture, diag and spherical (and one feature, where a full
      covariance is a variance): ``3 * n * k * d`` for the log-densities plus
      ``4 * n * k * d`` for the first and second moments, at ``rates["fma"]``.
    - Gaussian mixture, full: ``2 * n * k * d**2`` for the log-densities (the rows
      times each component's precision factor) plus ``2 * n * k * d**2`` for the
      second moments, at ``rates["gemm"]``; tied: ``2 * n * d**2`` for the
      log-densities (one shared factor) plus the same ``2 * n * k * d**2`` for the
      moments about each component's mean.
    - Binomial mixture: ``n * k * (6 * d + 2)``, per feature the log-probability
      ``x log p + (t - x) log(1 - p)`` (two multiply-adds) and the moment ``r x``
      (one), per component the responsibility (the maximum taken off, a scale), at
      ``rates["fma"]``. The floor is that of EM over every row: with
      ``extra["compress"]`` fastem iterates over the distinct rows only and may
      run below it.

    Exps: ``n * k`` per iteration for the mixtures (the responsibilities), none for
    K-Means, at ``rates["exp"]``.

    Parameters
    ----------
    model : {"kmeans", "gmm", "binomial"}
    n, d, k : int
        Rows, features, components.
    extra : dict
        The case's options: ``dtype`` (K-Means, default float64), ``cov``
        (Gaussian mixture), ``trials_per_row`` (binomial: one trial count per row).
    rates : dict
        ``bandwidth`` (bytes/s), ``gemm``, ``fma`` (flop/s) and ``exp`` (exps/s), as
        :func:`measure_machine` returns them.

    Returns
    -------
    float
        Milliseconds.
    """
    if model == "kmeans":
        itemsize = np.dtype(extra.get("dtype", "float64")).itemsize
        data_bytes = n * d * itemsize
        per_vector = 8 // itemsize  # float32: two values in a float64's width
        if d >= 32:
            t_flops = 2.0 * n * k * d / (per_vector * rates["gemm"])
        else:
            t_flops = 3.0 * n * k * d / (per_vector * rates["fma"])
        exps = 0
    elif model == "gmm":
        data_bytes = n * d * 8
        cov = extra["cov"]
        if cov == "full" and d > 1:
            t_flops = (2.0 * n * k * d * d + 2.0 * n * k * d * d) / rates["gemm"]
        elif cov == "tied" and d > 1:
            t_flops = (2.0 * n * d * d + 2.0 * n * k * d * d) / rates["gemm"]
        else:
            t_flops = (3.0 * n * k * d + 4.0 * n * k * d) / rates["fma"]
        exps = n * k
    else:
        data_bytes = n * d * 8 + (n * 8 if extra.get("trials_per_row") else 0)
        t_flops = n * k * (6.0 * d + 2.0) / rates["fma"]
        exps = n * k
    t_memory = data_bytes / rates["bandwidth"]
    return 1e3 * max(t_memory, t_flops + exps / rates["exp"])


def machine_description():
    import fastem

    from .._jit import runtime_info

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    fastem.warmup(dtypes=("float64",))
    return (f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; "
            f"fastem {fastem.__version__}; {runtime_info()}; NumPy {np.__version__}")


# Seconds of quiet before each library is timed. OpenBLAS's threads keep spinning for
# a while after a call returns: fastem timed right after scikit-learn shared its two
# cores with them (gmm-diag-d32-k4 in the grid: 2.9 ms per iteration, 1.65 ms alone).
QUIET_SECONDS = 0.3


def _time_fit(fn, repeats, compiles=True):
    """Best seconds of a whole call of ``fn``, after QUIET_SECONDS of quiet. fastem's
    first call may compile, so it is never timed; a peer's first call is, and a peer
    slower than 2 s is not run again."""
    time.sleep(QUIET_SECONDS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        fn()
        first = time.perf_counter() - tic
        if not compiles and first > 2.0:
            return first
        best = np.inf if compiles else first
        for _ in range(repeats):
            tic = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - tic)
    return best


def _fit_and_iteration(fit_n, fit_1, n_iter, repeats, compiles=True):
    """(whole fit of n_iter iterations, one iteration) in seconds: an iteration is
    (fit of n_iter - fit of 1) / (n_iter - 1), so that validation, set-up and the
    final E-step are left out of it."""
    t_fit = _time_fit(fit_n, repeats, compiles)
    t_one = _time_fit(fit_1, repeats, compiles)
    if t_fit <= t_one:  # timing noise on a tiny case: the fit's mean instead
        return t_fit, t_fit / n_iter
    return t_fit, (t_fit - t_one) / (n_iter - 1)


def run(quick=False, only=None, with_python=False, threads_scaling=False, out=print):
    """Run the benchmark table; returns the rows as dicts.

    Each case is timed twice over, for fastem and its peers alike: the whole
    ``fit()`` of n_iter iterations, and one iteration (see
    :func:`_fit_and_iteration`). Each row holds the case, ``n``, ``n_iter``,
    ``fastem_ms`` (one iteration), ``fit_ms`` (the whole fit), ``overhead`` (the
    whole fit over n_iter iterations, less 1), ``floor_ms`` (:func:`floor_ms`, per
    iteration), ``x_floor`` (``fastem_ms / floor_ms``), the target, and for every
    peer run ``<peer>_ms``, ``<peer>_fit_ms``, ``<peer>_ratio`` (per iteration) and
    ``<peer>_fit_ratio``; a case meets its target when both ratios do.
    """
    out(f"machine: {machine_description()}")
    rates = measure_machine(quick)
    out(f"rates: {rates_description(rates)}")
    out("iter ms: one iteration, (fit of n_iter - fit of 1) / (n_iter - 1); fit ms: the "
        "whole fit of n_iter iterations; best of repeats, same data and initial "
        "parameters; ratio = peer time / fastem time, per iteration and for the whole "
        "fit; floor: the least one iteration can take on this machine "
        "(fastem.commands.bench.floor_ms), x floor = fastem iter ms / floor ms")
    header = (f"{'case':30} {'iter ms':>9} {'peer':>9} {'peer ms':>9} {'ratio':>7} "
              f"{'fit ratio':>9} {'target':>7}  met {'fit ms':>9} {'floor ms':>9} "
              f"{'x floor':>13}")
    out(header)
    out("-" * len(header))
    rows = []
    for name, model, n, d, k, extra, target, peer in CASES:
        if only and not any(o in name for o in only):
            continue
        if quick:
            n = max(n // 10, min(n, 3000))
        n_iter = 10 if n >= 100_000 else 50
        repeats = 2 if quick else 3
        X, start = _data(model, n, d, k, extra)
        fits = _fitters(model, X, start, k, extra, n_iter)
        fits_1 = _fitters(model, X, start, k, extra, 1)
        t_fit, t_iter = _fit_and_iteration(fits["fastem"], fits_1["fastem"], n_iter, repeats)
        floor = floor_ms(model, n, d, k, extra, rates)
        row = {"case": name, "n": n, "n_iter": n_iter, "fastem_ms": t_iter * 1e3,
               "fit_ms": t_fit * 1e3, "overhead": t_fit / (n_iter * t_iter) - 1.0,
               "floor_ms": floor, "x_floor": t_iter * 1e3 / floor, "target": target}
        fastem_cols = f"{row['fit_ms']:9.2f} {floor:9.3f} {row['x_floor']:6.1f}x floor"
        peers = [peer] + (["sklearnex"] if model in INTELEX else []) + \
            (["fastem-python"] if with_python else [])
        for p in peers:
            if p not in fits:
                out(f"{name:30} {t_iter * 1e3:9.3f} {p:>9} {'skipped: not installed':39} "
                    f"{fastem_cols}")
                continue
            p_fit, p_iter = _fit_and_iteration(fits[p], fits_1[p], n_iter,
                                               1 if p == "fastem-python" else repeats,
                                               compiles=False)
            ratio, fit_ratio = p_iter / t_iter, p_fit / t_fit
            met = ("yes" if min(ratio, fit_ratio) >= target else "NO") \
                if p == peer and not quick else "-"
            row.update({f"{p}_ms": p_iter * 1e3, f"{p}_fit_ms": p_fit * 1e3,
                        f"{p}_ratio": ratio, f"{p}_fit_ratio": fit_ratio})
            out(f"{name:30} {t_iter * 1e3:9.3f} {p:>9} {p_iter * 1e3:9.3f} {ratio:6.2f}x "
                f"{fit_ratio:8.2f}x {target:6.1f}x  {met:3} {fastem_cols}")
        if threads_scaling and n >= 1_000_000 and model != "binomial":
            from .._config import config_context

            with config_context(n_threads=1):
                t_serial = _time_fit(fits["fastem"], repeats)
            row["threads_speedup"] = t_serial / t_fit
            out(f"{'':30} 1 thread {t_serial * 1e3:.2f} ms for the whole fit: the threads "
                f"are {row['threads_speedup']:.2f}x faster (target 1.6x)")
        rows.append(row)
    if quick:
        out("(--quick: sizes cut tenfold, so targets are not judged)")
    return rows


def run_grid(quick=False, only=None, out=print):
    """``fastem bench --grid``: fastem against scikit-learn over a grid of shapes
    (:func:`grid_cases`), per iteration from the same start, with the geometric mean
    and the minimum ratio of each family against the round's targets, and each case's
    distance to its floor (:func:`floor_ms`).

    Returns
    -------
    dict
        By family: ``geo_mean`` and ``min`` of the ratios, ``cases``,
        ``x_floor_geo_mean``, and ``rows``, one dict per case (``case``, ``n``, ``d``,
        ``k``, ``fastem_ms``, ``sklearn_ms``, ``ratio``, ``floor_ms``, ``x_floor``).
    """
    from math import exp, log

    out(f"machine: {machine_description()}")
    rates = measure_machine(quick)
    out(f"rates: {rates_description(rates)}")
    out("per-iteration times (best of 2 after a warm-up), same data and start; "
        "ratio = scikit-learn time / fastem time; floor ms: the least one iteration can "
        "take on this machine; x floor = fastem ms / floor ms")
    header = f"{'case':26} {'n':>8} {'fastem ms':>10} {'sklearn ms':>11} {'ratio':>8} " \
             f"{'floor ms':>9} {'x floor':>12}"
    out(header)
    out("-" * len(header))
    rows = {}
    for family, name, model, n, d, k, extra in grid_cases(quick):
        if only and not any(o in name for o in only):
            continue
        n_iter = 5
        X, start = _data(model, n, d, k, extra)
        fits = _fitters(model, X, start, k, extra, n_iter)
        if "sklearn" not in fits:
            out(f"{name:26} scikit-learn not installed")
            continue
        t_fast = _time_fit(fits["fastem"], 2) / n_iter
        t_peer = _time_fit(fits["sklearn"], 2, compiles=False) / n_iter
        floor = floor_ms(model, n, d, k, extra, rates)
        row = {"case": name, "n": n, "d": d, "k": k, "fastem_ms": t_fast * 1e3,
               "sklearn_ms": t_peer * 1e3, "ratio": t_peer / t_fast, "floor_ms": floor,
               "x_floor": t_fast * 1e3 / floor}
        rows.setdefault(family, []).append(row)
        out(f"{name:26} {n:8d} {t_fast * 1e3:10.3f} {t_peer * 1e3:11.3f} "
            f"{row['ratio']:7.2f}x {floor:9.3f} {row['x_floor']:5.1f}x floor")
    out("")
    out(f"{'family':14} {'cases':>5} {'geo mean':>9} {'min':>7} {'x floor':>8}   "
        "targets (geo mean, min)")
    summary = {}
    for family, family_rows in rows.items():
        geo = exp(sum(log(r["ratio"]) for r in family_rows) / len(family_rows))
        low = min(r["ratio"] for r in family_rows)
        floor_geo = exp(sum(log(r["x_floor"]) for r in family_rows) / len(family_rows))
        want_geo, want_min = GRID_TARGETS["kmeans" if family == "kmeans" else "gmm"]
        met = "yes" if geo >= want_geo and low >= want_min else "NO"
        if quick:
            met = "-"
        summary[family] = {"geo_mean": geo, "min": low, "cases": len(family_rows),
                           "x_floor_geo_mean": floor_geo, "rows": family_rows}
        out(f"{family:14} {len(family_rows):5d} {geo:8.2f}x {low:6.2f}x {floor_geo:7.1f}x   "
            f"{want_geo:.0f}x, {want_min:.1f}x  {met}")
    if quick:
        out("(--quick: sizes cut tenfold, so targets are not judged)")
    return summary
