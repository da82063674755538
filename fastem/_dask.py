"""Fitting Dask arrays by exact EM: the kernels run on every chunk where it lives,
only the statistics travel.

Each EM iteration builds one task per chunk of rows, which computes the chunk's
:class:`~fastem.SufficientStatistics` under the current parameters with the serial
kernel, and a tree of additions (``SPLIT_EVERY`` at a time) that reduces them; the
client takes the M-step with the same code as an in-memory fit. The data are validated
once, chunk by chunk, before the first iteration; with a ``distributed`` client they
are persisted on the workers first, so they are read once. Initial parameters come from
the estimator's own initialisation run on a uniform random sample of at most
``INIT_SAMPLE_SIZE`` rows (carrying their sample weights), drawn with
``random_state``; explicit initial parameters (``init`` array, ``means_init`` ...)
are used as they are.

Only the function names travel in the task graph: the tasks import fastem on the
workers (numba dispatchers are not sent), and a worker that has no numba falls back
to the NumPy kernels like any fit.
"""

import copy

import numpy as np

from ._backend import Runtime, kernel_module, resolve_backend, thread_context
from ._config import config_context, get_config
from ._validation import is_dask_array, seed_sequence, weight_exponent

__all__ = ["fit_dask", "reduce_statistics", "map_rows", "INIT_SAMPLE_SIZE"]

INIT_SAMPLE_SIZE = 100_000
SPLIT_EVERY = 8


def _client():
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _rows(X, allow_1d, dtypes):
    """X as a 2-D Dask array chunked by rows only, in a float dtype."""
    if X.ndim == 1 and allow_1d:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be a {'1-D or ' if allow_1d else ''}2-D Dask array, got "
                         f"{X.ndim} dimensions.")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError("X has unknown chunk sizes: call X.compute_chunk_sizes() first.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X is empty (shape {X.shape}).")
    if X.dtype not in dtypes:
        if X.dtype.kind not in "biuf":
            raise TypeError(f"X must hold numbers, got dtype {X.dtype}.")
        X = X.astype(dtypes[0])
    return X.rechunk({1: -1})


def _aligned(values, X, name, width=None):
    """A per-row array (NumPy or Dask) as a Dask array with X's row chunks."""
    import dask.array as da

    if np.iscomplexobj(values) or (is_dask_array(values) and values.dtype.kind == "c"):
        raise ValueError(f"Complex data not supported: {name} must hold real numbers.")
    if not is_dask_array(values):
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 0:  # a scalar: the same value for every row
            values = np.full(X.shape[0], float(values))
        if values.shape[0] != X.shape[0]:
            raise ValueError(f"{name} must have one value per row of X ({X.shape[0]}), "
                             f"got shape {values.shape}.")
        values = da.from_array(values, chunks=(X.chunks[0],) + values.shape[1:])
    if values.ndim == 0 or values.shape[0] != X.shape[0]:
        raise ValueError(f"{name} must have one value per row of X ({X.shape[0]}), got "
                         f"shape {values.shape}.")
    values = values.astype(np.float64)
    if width is not None and values.ndim == 1:
        values = values[:, None]
    return values.rechunk((X.chunks[0],) + tuple((s,) for s in values.shape[1:]))


def _check_label_array(y, n, k):
    """Partial labels of a Dask fit, checked as far as can be without computing them
    (their values are checked chunk by chunk): in memory, all of check_labels."""
    if not is_dask_array(y):
        from ._validation import check_labels

        checked = check_labels(y, n, k)
        return np.full(n, -1) if checked is None else checked
    from ._validation import check_label_layout

    check_label_layout(y.dtype, y.shape, n)
    return y


def _per_row_trials(n_trials, n, one_d):
    if is_dask_array(n_trials):
        return True
    shape = np.shape(n_trials)
    return len(shape) >= 1 and shape[0] == n and n > 1 and (one_d or len(shape) == 2)


def _prototype(est, n_features):
    """An unfitted copy with the same hyper-parameters, sent to the workers."""
    proto = type(est)(**est.get_params(deep=False))
    proto.n_features_in_ = n_features
    return proto


def _blocks(arr, n_blocks):
    if arr is None:
        return [None] * n_blocks
    return list(arr.to_delayed().ravel())


# ------------------------------------------------------------------- tasks

def _chunk_data(proto, X, w, nt, log_coef):
    """What ``_block_statistics`` reads, from one chunk; no validation (done once)."""
    X = np.ascontiguousarray(X)
    w = np.ones(X.shape[0]) if w is None else np.ascontiguousarray(w, dtype=np.float64)
    n = X.shape[0]
    data = {"X": X, "sample_weight": w, "n_samples": n, "log_coef": log_coef}
    if proto._kernel_module == "binomial_mixture":
        nt = np.asarray(nt, dtype=np.float64)
        nt = nt.reshape((1,) * (2 - nt.ndim) + nt.shape) if nt.ndim < 2 else nt
        if getattr(proto, "missing", "raise") == "em" and np.isnan(X.sum()):
            # as check_counts: a missing count is 0 successes out of 0 trials
            mask = np.isnan(X)
            X = np.where(mask, 0.0, X)
            nt = np.array(np.broadcast_to(nt, X.shape))
            nt[mask] = 0.0
            w = np.where(mask.all(axis=1), 0.0, w)
        keep = w > 0
        if not keep.all():  # as in-memory fits: rows of weight 0 are dropped
            X, w = X[keep], w[keep]
            nt = nt[keep] if nt.shape[0] > 1 else nt
        data.update(X=np.ascontiguousarray(X), sample_weight=np.ascontiguousarray(w),
                    n_trials=np.ascontiguousarray(nt))
    data["wsum"] = float(w.sum())
    return data


def _serial_runtime(proto, backend):
    return Runtime(backend, kernel_module(backend, proto._kernel_module),
                   get_config()["chunk_size"], False, 1)


def _check_chunk(proto, X, w, nt, y=None):
    """Validate one chunk with the in-memory checks; return what the fit needs once:
    rows, weight, weighted log binomial coefficients, per-feature moments (K-Means),
    and whether it has an unlabelled row of positive weight."""
    kwargs = {"n_trials": nt} if proto._kernel_module == "binomial_mixture" else {}
    if y is not None:
        kwargs["y"] = y
    X = X if X.ndim == 2 else X[:, None]
    if w is not None:
        w = np.asarray(w, dtype=np.float64)
        if not np.isfinite(w).all():
            raise ValueError("sample_weight contains NaN or infinity.")
        if (w < 0).any():
            raise ValueError(f"sample_weight must be non-negative; found "
                             f"{np.sum(w < 0)} negative value(s).")
    empty = w is not None and not w.sum() > 0  # a chunk of weight 0 is allowed
    data, _ = proto._batch_data(X, None if empty else w, fitting=False, **kwargs)
    labels = data.get("labels")
    weight = float(data["sample_weight"].sum()) + (labels["weight"] if labels else 0.0)
    info = {"n": X.shape[0], "weight": 0.0 if empty else weight,
            "log_coef": 0.0 if empty else float(data.get("log_coef", 0.0)),
            "unlabelled": not empty and (data.get("labels") is None
                                         or not data["labels"]["supervised"])}
    if proto._kernel_module == "kmeans":  # the weighted moments that scale tol
        from .kmeans import weighted_moments

        ones = np.ones(X.shape[0]) if w is None else w
        info["moments"] = (weighted_moments(np.asarray(X, dtype=np.float64), ones)
                           if not empty else (0.0, None, None))
    return info


def _chunk_statistics(proto, backend, params, X, w, nt, log_coef, y=None):
    rt = _serial_runtime(proto, backend)
    if y is not None and (np.asarray(y) >= 0).any():
        # labelled rows: the in-memory split (rows grouped by label), checked again
        kwargs = {"n_trials": nt} if proto._kernel_module == "binomial_mixture" else {}
        data, _ = proto._batch_data(X if X.ndim == 2 else X[:, None], w, fitting=False,
                                    y=y, **kwargs)
    else:
        data = _chunk_data(proto, X, w, nt, log_coef)
    with thread_context(rt):
        return proto._statistics_of(data, params, rt)


def _add_all(*parts):
    return sum(parts)


def _tree_sum(parts):
    from dask import delayed

    while len(parts) > 1:
        parts = [delayed(_add_all, pure=True)(*parts[i:i + SPLIT_EVERY])
                 for i in range(0, len(parts), SPLIT_EVERY)]
    return parts[0]


# --------------------------------------------------------------------- fit

def fit_dask(est, X, sample_weight, n_trials=None, y=None):
    """``est.fit(X)`` for a Dask array X: exact EM with per-chunk statistics."""
    import dask
    import dask.array as da
    from dask import delayed

    model = est._kernel_module
    if getattr(est, "prior", None) is not None:
        raise ValueError("prior needs the whole data in memory (its hyperparameters are "
                         "the data's mean and variance): fit a NumPy array, or set "
                         "prior=None")
    one_d = X.ndim == 1
    dtypes = (np.float64,) if model == "binomial_mixture" else (np.float64, np.float32)
    X = _rows(X, allow_1d=model != "kmeans", dtypes=dtypes)
    n, d = X.shape
    W = None if sample_weight is None else _aligned(sample_weight, X, "sample_weight")
    if W is not None and W.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got shape {W.shape}.")
    exponent = 0
    if W is not None:
        # as an in-memory fit, on weights rescaled by a power of two (largest in
        # [1, 2)): only their ratios matter, and no sum under- or overflows
        exponent = weight_exponent(float(W.max().compute()))
        if exponent:
            W = da.map_blocks(np.ldexp, W, -exponent, dtype=np.float64)
    Y = None if y is None else _aligned(_check_label_array(y, n, est._n_components_of()),
                                        X, "y")
    NT = None
    if model == "binomial_mixture":
        nt = est.n_trials if n_trials is None else n_trials
        if nt is None:
            raise ValueError("n_trials is required: the number of trials behind each "
                             "count, given to fit or to the constructor.")
        if _per_row_trials(nt, n, one_d):
            NT = _aligned(nt, X, "n_trials", width=1)
        else:
            nt = np.asarray(nt, dtype=np.float64)
    client = _client()
    if client is not None:
        X, W, NT, Y = dask.persist(X, W, NT, Y)
    n_blocks = len(X.chunks[0])
    xb, wb, yb = _blocks(X, n_blocks), _blocks(W, n_blocks), _blocks(Y, n_blocks)
    ntb = _blocks(NT, n_blocks) if NT is not None else (
        [nt] * n_blocks if model == "binomial_mixture" else [None] * n_blocks)
    # chunks of no rows (X[mask] then compute_chunk_sizes() makes them) hold nothing
    full = [i for i, size in enumerate(X.chunks[0]) if size > 0]
    xb, wb, ntb, yb = ([blocks[i] for i in full] for blocks in (xb, wb, ntb, yb))
    proto = _prototype(est, d)
    backend = resolve_backend(est.backend)

    # one pass: every chunk checked as in-memory data would be
    infos = dask.compute(*[delayed(_check_chunk, pure=True)(proto, x, w, t, lab)
                           for x, w, t, lab in zip(xb, wb, ntb, yb)])
    total_weight = sum(info["weight"] for info in infos)
    if not total_weight > 0:
        raise ValueError("sample_weight sums to zero: at least one sample needs a "
                         "positive weight.")

    # initial parameters from a random sample of rows
    rng = np.random.default_rng(seed_sequence(est.random_state).spawn(1)[0])
    m = min(n, INIT_SAMPLE_SIZE)
    rows = np.sort(rng.choice(n, size=m, replace=False)) if m < n else np.arange(n)
    parts = [X[rows]] + ([W[rows]] if W is not None else []) + (
        [NT[rows]] if NT is not None else []) + ([Y[rows]] if Y is not None else [])
    computed = list(dask.compute(*parts))
    Xs = computed.pop(0)
    ws = computed.pop(0) if W is not None else None
    kwargs = {}
    if Y is not None:
        kwargs["y"] = computed.pop(-1)
    if model == "binomial_mixture":
        kwargs["n_trials"] = computed.pop(0) if NT is not None else nt
    if ws is not None and not ws.sum() > 0:
        ws = None  # the sample drew only rows of weight 0: start from it unweighted
    init, rt = est._batch_data(Xs[:, 0] if (one_d and model != "kmeans") else Xs, ws,
                               fitting=True, **kwargs)
    if getattr(est, "warm_start", False) and est._is_fitted():
        est._check_warm_start(d, X.dtype)

    data = {"X": X, "init": init, "eps": init.get("eps"),
            "dask": {"x": xb, "w": wb, "nt": ntb, "y": yb, "proto": proto,
                     "backend": backend, "log_coef": [info["log_coef"] for info in infos],
                     "labels": Y}}
    if Y is not None:  # every row labelled: supervised estimation
        data["labels"] = {"supervised": not any(info["unlabelled"] for info in infos)}
    if model == "kmeans":
        data["tol"] = 0.0 if est.tol == 0 else _mean_variance(infos) * est.tol
    if est._objective_is_sum:
        data["objective_exponent"] = exponent
    est.backend_ = backend
    with config_context(parallel="serial"):  # the client's own passes are small
        return est._fit_prepared(data, rt)


def _mean_variance(infos):
    """Mean over features of the weighted variance of X, merged from per-chunk
    weighted moments (Chan, Golub & LeVeque's pairwise update), as the in-memory fit
    takes it."""
    count, mean, m2 = 0.0, None, None
    for info in infos:
        nb, mb, m2b = info["moments"]
        if not nb > 0:
            continue
        if mean is None:
            count, mean, m2 = nb, mb.copy(), m2b.copy()
            continue
        total = count + nb
        delta = mb - mean
        mean = mean + delta * (nb / total)
        m2 = m2 + m2b + delta ** 2 * (count * nb / total)
        count = total
    return float((m2 / count).mean())


def reduce_statistics(est, data, params):
    """Statistics of all the chunks of a Dask fit under ``params``: one task per
    chunk, a tree of additions, one ``compute``."""
    import dask
    from dask import delayed

    info = data["dask"]
    params = {key: value for key, value in params.items()
              if isinstance(value, (np.ndarray, np.generic))}  # one shared variance: a scalar
    parts = [delayed(_chunk_statistics, pure=True)(info["proto"], info["backend"], params,
                                                   x, w, t, lc, lab)
             for x, w, t, lc, lab in zip(info["x"], info["w"], info["nt"], info["log_coef"],
                                         info["y"])]
    (total,) = dask.compute(_tree_sum(parts))
    return total


# -------------------------------------------------------------- prediction

def _predict_copy(est):
    """The fitted estimator without its per-row attributes (labels_)."""
    out = copy.copy(est)
    for name in ("labels_", "history_", "_stream"):
        out.__dict__.pop(name, None)
    return out


def _apply(block, trials=None, *, est, method, kwargs):
    if trials is not None:
        kwargs = dict(kwargs, n_trials=trials)
    with config_context(parallel="serial"):
        return getattr(est, method)(block, **kwargs)


def map_rows(est, X, method, **kwargs):
    """``est.method`` applied lazily to every chunk of rows of a Dask array."""
    import dask.array as da

    model = est._kernel_module
    dtypes = (np.float64,) if model == "binomial_mixture" else (np.float64, np.float32)
    one_d = X.ndim == 1
    X = _rows(X, allow_1d=model != "kmeans", dtypes=dtypes)
    kwargs = {key: value for key, value in kwargs.items() if value is not None}
    fitted = _predict_copy(est)
    arrays = [X]
    if "n_trials" in kwargs and _per_row_trials(kwargs["n_trials"], X.shape[0],
                                                one_d=X.shape[1] == 1):
        # trials per row travel with their rows, chunk by chunk
        arrays.append(_aligned(kwargs.pop("n_trials"), X, "n_trials", width=1))
    if method in ("predict_proba", "_distances"):
        k = (est.cluster_centers_ if model == "kmeans" else est.weights_).shape[0]
        dtype = X.dtype if (model != "binomial_mixture") else np.float64
        return da.map_blocks(_apply, *arrays, est=fitted, method=method, kwargs=kwargs,
                             dtype=dtype, chunks=(X.chunks[0], (k,)))
    if method == "impute":
        out = da.map_blocks(_apply, *arrays, est=fitted, method=method, kwargs=kwargs,
                            dtype=np.float64, chunks=(X.chunks[0], (X.shape[1],)))
        return out[:, 0] if one_d else out
    dtype = {"predict": np.int32 if model == "kmeans" else np.int64,
             "score_samples": np.float64}[method]
    return da.map_blocks(_apply, *arrays, est=fitted, method=method, kwargs=kwargs,
                         dtype=dtype, drop_axis=1)
