"""``fastem bench``: fastem against its peers, same data, same initial parameters.

Each case fits with a fixed number of iterations (tol=0) from the same start and
reports the best time per iteration over a few repeats, after one warm-up fit (so
compilation is not timed). Peers that are not installed are reported as skipped.
"""

import os
import platform
import time
import warnings

import numpy as np

# case: (name, model, n, d, k, extra, target ratio, peer)
CASES = [
    ("kmeans-1e6-d2-k3", "kmeans", 1_000_000, 2, 3, {}, 2.0, "sklearn"),
    ("kmeans-1e6-d8-k16", "kmeans", 1_000_000, 8, 16, {}, 2.0, "sklearn"),
    ("kmeans-1e6-d8-k16-f32", "kmeans", 1_000_000, 8, 16, {"dtype": "float32"}, 2.0,
     "sklearn"),
    ("kmeans-1e5-d2-k3", "kmeans", 100_000, 2, 3, {}, 1.5, "sklearn"),
    ("kmeans-2e5-d64-k64", "kmeans", 200_000, 64, 64, {}, 1.0, "sklearn"),
    ("gmm-full-1e6-d8-k16", "gmm", 1_000_000, 8, 16, {"cov": "full"}, 10.0, "sklearn"),
    ("gmm-diag-1e6-d8-k16", "gmm", 1_000_000, 8, 16, {"cov": "diag"}, 8.0, "sklearn"),
    ("gmm-full-1e5-d2-k3", "gmm", 100_000, 2, 3, {"cov": "full"}, 3.0, "sklearn"),
    ("gmm-1d-1e6-k3", "gmm", 1_000_000, 1, 3, {"cov": "full"}, 10.0, "sklearn"),
    ("gmm-1d-3000-k3", "gmm", 3000, 1, 3, {"cov": "full"}, 5.0, "sklearn"),
    ("binomial-1e6-n10-k2", "binomial", 1_000_000, 1, 2, {"compress": False}, 10.0, "scipy"),
    ("binomial-1e6-n10-k2-distinct", "binomial", 1_000_000, 1, 2, {"compress": True}, 100.0,
     "scipy"),
]
INTELEX = {"kmeans"}

# --grid: shapes off the benchmark's, and the round's targets for them
GRID_KMEANS = [(d, k) for d in (2, 3, 5, 8, 16, 32, 64, 128) for k in (3, 16, 64, 256)]
GRID_GMM = [(d, k) for d in (1, 2, 4, 8, 16, 32) for k in (2, 4, 8, 16, 32)]
GRID_TARGETS = {"kmeans": (3.0, 1.5), "gmm": (15.0, 8.0)}  # (geometric mean, minimum)


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
        from . import binomial_mixture

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


def _time_per_iter(fn, n_iter, repeats, compiles=True):
    """Best seconds per iteration. fastem's first fit may compile, so it is never
    timed; a peer's first fit is, and a peer slower than 2 s is not run again."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tic = time.perf_counter()
        fn()
        first = time.perf_counter() - tic
        if not compiles and first > 2.0:
            return first / n_iter
        best = np.inf if compiles else first
        for _ in range(repeats):
            tic = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - tic)
    return best / n_iter


def machine_description():
    import fastem

    from ._jit import runtime_info

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
            f"fastem {fastem.__version__}; {runtime_info()}; "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}; NumPy {np.__version__}")


def run(quick=False, only=None, with_python=False, threads_scaling=False, out=print):
    """Run the benchmark table; returns the rows as dicts."""
    out(f"machine: {machine_description()}")
    out("per-iteration times, best of repeats, same data and initial parameters; "
        "ratio = peer time / fastem time")
    header = f"{'case':30} {'fastem ms':>10} {'peer':>9} {'peer ms':>10} {'ratio':>8} " \
             f"{'target':>7}  met"
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
        t_fast = _time_per_iter(fits["fastem"], n_iter, repeats)
        row = {"case": name, "n": n, "fastem_ms": t_fast * 1e3, "target": target}
        peers = [peer] + (["sklearnex"] if model in INTELEX else []) + \
            (["fastem-python"] if with_python else [])
        for p in peers:
            if p not in fits:
                out(f"{name:30} {t_fast * 1e3:10.3f} {p:>9} {'skipped: not installed':>28}")
                continue
            t_peer = _time_per_iter(fits[p], n_iter, 1 if p == "fastem-python" else repeats,
                                    compiles=False)
            ratio = t_peer / t_fast
            met = ("yes" if ratio >= target else "NO") if p == peer and not quick else "-"
            row[f"{p}_ms"] = t_peer * 1e3
            row[f"{p}_ratio"] = ratio
            out(f"{name:30} {t_fast * 1e3:10.3f} {p:>9} {t_peer * 1e3:10.3f} {ratio:7.2f}x "
                f"{target:6.1f}x  {met}")
        if threads_scaling and n >= 1_000_000 and model != "binomial":
            from ._config import config_context

            with config_context(n_threads=1):
                t_one = _time_per_iter(fits["fastem"], n_iter, repeats)
            row["threads_speedup"] = t_one / t_fast
            out(f"{'':30} 1 thread {t_one * 1e3:.3f} ms: 2 threads are "
                f"{t_one / t_fast:.2f}x faster (target 1.6x)")
        rows.append(row)
    if quick:
        out("(--quick: sizes cut tenfold, so targets are not judged)")
    return rows


def run_grid(quick=False, only=None, out=print):
    """``fastem bench --grid``: fastem against scikit-learn over a grid of shapes
    (:func:`grid_cases`), per iteration from the same start, with the geometric mean
    and the minimum ratio of each family against the round's targets."""
    from math import exp, log

    out(f"machine: {machine_description()}")
    out("per-iteration times (best of 2 after a warm-up), same data and start; "
        "ratio = scikit-learn time / fastem time")
    header = f"{'case':26} {'n':>8} {'fastem ms':>10} {'sklearn ms':>11} {'ratio':>8}"
    out(header)
    out("-" * len(header))
    ratios = {}
    for family, name, model, n, d, k, extra in grid_cases(quick):
        if only and not any(o in name for o in only):
            continue
        n_iter = 5
        X, start = _data(model, n, d, k, extra)
        fits = _fitters(model, X, start, k, extra, n_iter)
        if "sklearn" not in fits:
            out(f"{name:26} scikit-learn not installed")
            continue
        t_fast = _time_per_iter(fits["fastem"], n_iter, 2)
        t_peer = _time_per_iter(fits["sklearn"], n_iter, 2, compiles=False)
        ratios.setdefault(family, []).append(t_peer / t_fast)
        out(f"{name:26} {n:8d} {t_fast * 1e3:10.3f} {t_peer * 1e3:11.3f} "
            f"{t_peer / t_fast:7.2f}x")
    out("")
    out(f"{'family':14} {'cases':>5} {'geo mean':>9} {'min':>7}   targets (geo mean, min)")
    summary = {}
    for family, values in ratios.items():
        geo = exp(sum(log(v) for v in values) / len(values))
        low = min(values)
        want_geo, want_min = GRID_TARGETS["kmeans" if family == "kmeans" else "gmm"]
        met = "yes" if geo >= want_geo and low >= want_min else "NO"
        if quick:
            met = "-"
        summary[family] = {"geo_mean": geo, "min": low, "cases": len(values)}
        out(f"{family:14} {len(values):5d} {geo:8.2f}x {low:6.2f}x   "
            f"{want_geo:.0f}x, {want_min:.1f}x  {met}")
    if quick:
        out("(--quick: sizes cut tenfold, so targets are not judged)")
    return summary
