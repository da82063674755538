"""Gaussian mixtures fitted by EM: 1-D or multivariate, four covariance types,
sample weights, restarts and history."""

from __future__ import annotations

import numpy as np

from ._backend import runtime, thread_context
from ._base import MixtureBase, label_moments
from ._missing import MISSING_CHOICES, missing_layout
from ._stats import SufficientStatistics
from ._validation import (check_float_array, check_mixture_weights,
                          check_array, check_bool, check_choice, check_features,
                          check_float, check_int, check_is_fitted, check_labels,
                          check_sample_weight, is_dask_array,
                          record_features, seed_sequence, warn, weighted_total)
from ._typing import ArrayLike, NDArray, RandomStateLike
from .exceptions import DegenerateComponentWarning

__all__ = ["GaussianMixture"]

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical", "tied_diag", "tied_spherical")
# one set of variances for every component: mclust's EEI and EII
SHARED_DIAGONAL = ("tied_diag", "tied_spherical")
INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")
_EMPTY_F = np.empty(0)
_EMPTY_I = np.empty(0, dtype=np.int64)
_EMPTY_R = np.empty((0, 0))
_LOG_2PI = np.log(2.0 * np.pi)
_INIT_CHUNK = 4096  # rows per block of random responsibilities at initialisation


# -------------------------------------------------------- covariance algebra

def _cholesky_failed(c, reg_covar):
    where = "the tied covariance" if c is None else f"the covariance of component {c}"
    return ValueError(
        f"Fitting the mixture model failed: {where} is not positive definite (a "
        "component collapsed onto too few distinct points, or features are constant or "
        f"collinear). Increase reg_covar (now {reg_covar:g}), use fewer components, or "
        "scale the data.")


_UNCERTAINTY_BLOCK = 65536  # rows per predict_proba call in ``uncertainty``


def _uncertainty(predict_proba, X, n_trials=None, check=None):
    """1 - max posterior per row, by blocks of rows (``n_trials``: None, a scalar, or
    one count per row, sliced with the rows). ``check`` validates X that is not an
    array already (a list, None: a ValueError or TypeError naming X)."""
    if not (hasattr(X, "shape") and hasattr(X, "__getitem__")):
        X = check(X) if check is not None else np.asarray(X)
    n = X.shape[0]
    out = np.empty(n)
    per_row = n_trials is not None and np.ndim(n_trials) > 0
    for start in range(0, n, _UNCERTAINTY_BLOCK):
        rows = slice(start, min(start + _UNCERTAINTY_BLOCK, n))
        block = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
        if n_trials is None:
            resp = predict_proba(block)
        else:
            resp = predict_proba(block, np.asarray(n_trials)[rows] if per_row else n_trials)
        out[rows] = 1.0 - resp.max(axis=1)
    return out


def precision_cholesky(covariances, covariance_type, reg_covar=0.0):
    """Upper-triangular P with P P^T = inverse covariance (full, tied), or 1/sqrt of
    the variances (diag, spherical), in scikit-learn's shapes.

    Batched NumPy (one Cholesky and one inverse for all components; a direct square
    root for one feature): this runs once per EM iteration, where per-component
    SciPy calls cost more than the kernel on small data.
    """
    if covariance_type in ("full", "tied"):
        mats = covariances[None] if covariance_type == "tied" else covariances
        d = mats.shape[-1]
        if d == 1:
            var = mats[:, 0, 0]
            _check_positive(var, covariance_type, reg_covar)
            out = (1.0 / np.sqrt(var))[:, None, None]
        else:
            try:
                L = np.linalg.cholesky(mats)
            except np.linalg.LinAlgError:
                for c, cov in enumerate(mats):  # find the component to name
                    try:
                        np.linalg.cholesky(cov)
                    except np.linalg.LinAlgError:
                        raise _cholesky_failed(None if covariance_type == "tied" else c,
                                               reg_covar) from None
                raise
            # the inverse of a lower-triangular matrix is lower triangular: clear the
            # rounding noise above the diagonal, then transpose to upper
            out = np.ascontiguousarray(np.tril(np.linalg.inv(L)).transpose(0, 2, 1))
        return out[0] if covariance_type == "tied" else out
    if covariance_type in SHARED_DIAGONAL:
        _check_positive(np.atleast_1d(covariances).min(keepdims=True), "tied", reg_covar)
    else:
        _check_positive(covariances.reshape(covariances.shape[0], -1).min(axis=1),
                        covariance_type, reg_covar)
    return 1.0 / np.sqrt(covariances)


def _check_positive(variances, covariance_type, reg_covar):
    bad = np.flatnonzero(~(variances > 0))
    if bad.size:
        raise _cholesky_failed(None if covariance_type == "tied" else int(bad[0]), reg_covar)


def _upper_cholesky_of_precision(precision):
    # the unique upper-triangular U with U U^T = precision (scikit-learn's convention),
    # through the Cholesky factor of the index-reversed matrix
    flipped = np.linalg.cholesky(precision[::-1, ::-1])
    return np.ascontiguousarray(flipped[::-1, ::-1])


def precision_cholesky_from_precisions(precisions, covariance_type):
    if covariance_type == "full":
        return np.stack([_upper_cholesky_of_precision(p) for p in precisions])
    if covariance_type == "tied":
        return _upper_cholesky_of_precision(precisions)
    return np.sqrt(precisions)


def precisions_from_cholesky(prec_chol, covariance_type):
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", prec_chol, prec_chol)
    if covariance_type == "tied":
        return prec_chol @ prec_chol.T
    return prec_chol ** 2


def covariances_from_precisions(precisions, covariance_type):
    if covariance_type in ("full", "tied"):
        return np.linalg.inv(precisions)
    return 1.0 / precisions


def log_det_cholesky(prec_chol, covariance_type, n_features):
    """log det of each component's precision Cholesky factor, shape (k,) or scalar."""
    if covariance_type == "full":
        return np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(axis=1)
    if covariance_type == "tied":
        return np.log(np.diag(prec_chol)).sum()
    if covariance_type == "diag":
        return np.log(prec_chol).sum(axis=1)
    if covariance_type == "tied_diag":
        return np.log(prec_chol).sum()
    return n_features * np.log(prec_chol)


def kernel_precision(prec_chol, covariance_type, k, d):
    """(family, array) in the form the kernels take: "full" with (k or 1, d, d),
    "diag" with (k, d), or "1d" with (k, 1)."""
    if d == 1:
        if covariance_type == "full":
            p = prec_chol[:, 0, :]
        elif covariance_type == "tied":
            p = np.full((k, 1), prec_chol[0, 0])
        elif covariance_type == "diag":
            p = prec_chol
        elif covariance_type in SHARED_DIAGONAL:
            p = np.full((k, 1), np.ravel(prec_chol)[0])
        else:
            p = prec_chol[:, None]
        return "1d", np.ascontiguousarray(p, dtype=np.float64)
    if covariance_type == "full":
        return "full", np.ascontiguousarray(prec_chol)
    if covariance_type == "tied":
        return "full", np.ascontiguousarray(prec_chol[None])
    if covariance_type == "diag":
        return "diag", np.ascontiguousarray(prec_chol)
    if covariance_type in SHARED_DIAGONAL:  # the shared variances, once per component
        return "diag", np.array(np.broadcast_to(prec_chol, (k, d)), dtype=np.float64)
    return "diag", np.ascontiguousarray(np.repeat(prec_chol[:, None], d, axis=1))


def default_prior(X: ArrayLike, sample_weight: ArrayLike, n_components: int,
                  covariance_type: str, overrides: dict | None = None,
                  frequency: float = 1.0) -> dict:
    """mclust's default conjugate prior (``defaultPrior``; Fraley & Raftery 2007) for
    a mixture of ``n_components`` on X: ``shrinkage`` 0.01 of a Gaussian prior on
    each mean toward ``mean``, the data's mean; an inverse Wishart (inverse gamma for
    the diagonal and spherical types and for one feature) on the covariances with
    ``dof`` = d + 2 degrees of freedom and ``scale`` var(X) / G^(2/d) (a matrix for
    "full" and "tied" with two or more features; otherwise a number, the mean of the
    variances over G^(2/d)). The variance is R's ``var``: divisor n - 1, with n the
    sum of the weights times ``frequency`` (the weights as frequencies, in the
    caller's scale). With missing values (NaN), each feature's mean and variance come
    from its observed entries, and the scale of "full" and "tied" is the diagonal of
    those variances. ``overrides`` replaces any key."""
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64)
    n, d = X.shape
    mask = np.isnan(X)
    if mask.any():
        wo = (~mask) * w[:, None]
        tot = wo.sum(axis=0)
        mean = (wo * np.where(mask, 0.0, X)).sum(axis=0) / tot
        dev = np.where(mask, 0.0, X - mean)
        f = tot * frequency
        var = (wo * dev * dev).sum(axis=0) / tot * np.where(f > 1, f / np.maximum(f - 1, 1e-300),
                                                              1.0)
        cov = np.diag(var)
        rows = 0  # the scale is then the diagonal, as mclust's with few rows
    else:
        mean = w @ X / w.sum()
        diff = X - mean
        rows = int(np.count_nonzero(w > 0))
        total = float(w.sum()) * frequency
        cov = (diff * w[:, None]).T @ diff / w.sum() * (total / (total - 1) if total > 1
                                                       else 1.0)
    fac = (1.0 / n_components) ** (2.0 / d)
    if covariance_type in ("full", "tied") and d > 1:
        scale = fac * (cov if rows > d else np.diag(np.diag(cov)))
    else:
        scale = float(fac * np.trace(cov) / d)
    prior = {"shrinkage": 0.01, "mean": mean, "dof": float(d + 2), "scale": scale}
    for key, value in (overrides or {}).items():
        if key not in prior:
            raise ValueError(f"prior: unknown key {key!r}; the keys are shrinkage, mean, "
                             "dof and scale")
        prior[key] = np.asarray(value, dtype=np.float64) if key in ("mean", "scale") \
            else float(value)
    if np.shape(prior["mean"]) != (d,):
        raise ValueError(f"prior['mean'] must have shape ({d},), got "
                         f"{np.shape(prior['mean'])}")
    want = (d, d) if covariance_type in ("full", "tied") and d > 1 else ()
    if np.shape(prior["scale"]) != want:
        raise ValueError(f"prior['scale'] for covariance_type='{covariance_type}' with {d} "
                         f"feature(s) must have shape {want}, got {np.shape(prior['scale'])}")
    if not (prior["shrinkage"] >= 0 and prior["dof"] > 0 and np.all(np.isfinite(
            prior["scale"])) and np.all(np.isfinite(prior["mean"]))):
        raise ValueError("prior: shrinkage must be >= 0, dof > 0, mean and scale finite")
    return prior


def _map_step(Ne, delta, centers, S2, covariance_type, reg_covar, prior, fixed_means=False):
    """The M-step's means and covariances at the posterior mode under ``prior``
    (Fraley & Raftery 2007, table 2): each mean shrunk toward the prior mean, each
    covariance (scale + within scatter + shrinkage scatter) over its degrees of
    freedom."""
    k, d = centers.shape
    kappa, mu, nu, scale = prior["shrinkage"], prior["mean"], prior["dof"], prior["scale"]
    ybar = centers + delta
    means = (Ne[:, None] * ybar + kappa * mu) / (Ne + kappa)[:, None]
    dm = ybar - mu
    # the means' prior term: with the means estimated, kappa Ne / (Ne + kappa) times
    # the scatter of the data mean about the prior mean; with them held (delta = 0),
    # the mode in the covariances given the means, kappa times that of the means
    c = np.full_like(Ne, kappa) if fixed_means else kappa * Ne / (Ne + kappa)
    n = Ne.sum()
    if S2.ndim == 3:
        outer = delta[:, :, None] * delta[:, None, :]
        scatter = S2 - Ne[:, None, None] * outer + c[:, None, None] * (
            dm[:, :, None] * dm[:, None, :])
        if covariance_type == "tied":
            cov = (scale + scatter.sum(axis=0)) / (nu + n + d + k + 1)
            cov.flat[:: d + 1] += reg_covar
            return means, cov
        cov = (scale + scatter) / (nu + Ne + d + 2)[:, None, None]
        idx = np.arange(d)
        cov[:, idx, idx] += reg_covar
        return means, cov
    scatter = np.maximum(S2 - Ne[:, None] * delta ** 2, 0.0) + c[:, None] * dm ** 2
    if covariance_type == "tied_diag" or (covariance_type == "tied" and d == 1):
        var = (scale + scatter.sum(axis=0)) / (nu + n + k + 2)
        return means, (var[None] if covariance_type == "tied" else var) + reg_covar
    if covariance_type == "tied_spherical":
        return means, np.asarray((scale + scatter.sum()) / (nu + (n + k) * d + 2) + reg_covar)
    if covariance_type == "spherical":
        return means, (scale + scatter.sum(axis=1)) / (nu + (Ne + 1) * d + 2) + reg_covar
    var = (scale + scatter) / (nu + Ne + 3)[:, None] + reg_covar  # diag, or full in 1-D
    return means, (var[:, :, None] if covariance_type == "full" else var)


def m_step(N, S1, S2, centers, covariance_type, reg_covar, eps, unit=1.0, prior=None,
           fixed_means=False):
    """Parameters from sufficient statistics centred on ``centers`` (k, d).

    ``S2`` is (k, d, d) for the full family or (k, d) for the diagonal one (and for
    one feature). Like scikit-learn, ``10 * eps`` times ``unit``, the weight of one
    row (the mean sample weight; 1 with unit weights, as in scikit-learn), is added to
    every N[k] so that an empty component keeps finite parameters: relative to the
    weights, so that a common factor on them changes nothing. ``prior`` (see
    :func:`default_prior`): the posterior mode instead of the maximum likelihood.
    """
    k, d = centers.shape
    Ne = N + 10.0 * eps * unit
    delta = S1 / Ne[:, None]
    means = centers + delta
    weights = Ne / Ne.sum()
    if prior is not None:
        f = prior.get("frequency", 1.0)
        means, cov = _map_step(Ne * f, delta, centers, S2 * f, covariance_type, reg_covar,
                               prior, fixed_means)
        if covariance_type == "tied" and d == 1:
            cov = cov.reshape(1, 1)
        return weights, means, cov
    if S2.ndim == 3:
        outer = delta[:, :, None] * delta[:, None, :]
        if covariance_type == "tied":
            cov = (S2 - Ne[:, None, None] * outer).sum(axis=0) / Ne.sum()
            cov.flat[:: d + 1] += reg_covar
            return weights, means, cov
        cov = S2 / Ne[:, None, None] - outer
        idx = np.arange(d)
        cov[:, idx, idx] += reg_covar
        return weights, means, cov
    if covariance_type in SHARED_DIAGONAL:
        # the variances pooled over the components, as "tied" pools the covariances
        pooled = np.maximum((S2 - Ne[:, None] * delta ** 2).sum(axis=0), 0.0) / Ne.sum()
        if covariance_type == "tied_diag":
            return weights, means, pooled + reg_covar
        return weights, means, np.asarray(pooled.mean() + reg_covar)
    var = np.maximum(S2 / Ne[:, None] - delta ** 2, 0.0)
    if covariance_type == "diag":
        return weights, means, var + reg_covar
    if covariance_type == "spherical":
        return weights, means, var.mean(axis=1) + reg_covar
    # one feature, full or tied
    if covariance_type == "full":
        return weights, means, var[:, :, None] + reg_covar
    tied = (np.maximum(S2[:, 0] - Ne * delta[:, 0] ** 2, 0.0)).sum() / Ne.sum()
    return weights, means, np.full((1, 1), tied + reg_covar)


def component_covariance(covariances: ArrayLike, covariance_type: str, j: int,
                         n_features: int) -> NDArray:
    """The full (d, d) covariance matrix of component ``j``, whatever the type."""
    if covariance_type == "full":
        return covariances[j]
    if covariance_type == "tied":
        return covariances
    if covariance_type == "diag":
        return np.diag(covariances[j])
    if covariance_type == "tied_diag":
        return np.diag(covariances)
    if covariance_type == "tied_spherical":
        return np.eye(n_features) * float(covariances)
    return np.eye(n_features) * covariances[j]


def full_covariances(covariances, covariance_type, k, d):
    """The covariances as (k, d, d) matrices, or (1, d, d) for the shared types, for
    the missing-value kernels (which factorise observed blocks of them)."""
    if covariance_type == "full":
        out = np.reshape(covariances, (k, d, d))
    elif covariance_type == "tied":
        out = np.reshape(covariances, (1, d, d))
    elif covariance_type == "diag":
        out = np.reshape(covariances, (k, d))[:, :, None] * np.eye(d)
    elif covariance_type == "spherical":
        out = np.reshape(covariances, (k,))[:, None, None] * np.eye(d)
    elif covariance_type == "tied_diag":
        out = np.diag(np.reshape(covariances, (d,)))[None]
    else:
        out = (float(covariances) * np.eye(d))[None]
    return np.ascontiguousarray(out, dtype=np.float64)


def _observed_moments(X, mask, w, fallback_mean, fallback_var):
    """Per-feature weighted mean and variance of the observed entries of X (rows
    weighted by w); a feature with no observed weight gets the fallbacks. Two passes
    by blocks of rows, so that the temporaries stay small."""
    d = X.shape[1]
    tot, s1 = np.zeros(d), np.zeros(d)
    for start in range(0, X.shape[0], _INIT_CHUNK):
        rows = slice(start, start + _INIT_CHUNK)
        obs = ~mask[rows]
        tot += w[rows] @ obs
        s1 += w[rows] @ np.where(obs, X[rows], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(tot > 0, s1 / tot, fallback_mean)
    s2 = np.zeros(d)
    for start in range(0, X.shape[0], _INIT_CHUNK):
        rows = slice(start, start + _INIT_CHUNK)
        dev = np.where(mask[rows], 0.0, X[rows] - mean)
        s2 += w[rows] @ (dev * dev)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(tot > 0, s2 / tot, fallback_var)
    return mean, var


def observed_weights(X, sample_weight, check, labels=None):
    """The weights a fit counts: sample_weight (None: ones) with 0 on the rows of X
    with every value missing, unless ``labels`` (partial labels, -1 unlabelled) label
    them (a labelled row counts in its component's weight even with nothing
    observed), or sample_weight itself when no row is dropped; a Dask X gives a Dask
    vector. ``check`` validates an in-memory X (NaN allowed). Fits, scores and
    ModelSelection's criteria all count the rows by this one rule."""
    if is_dask_array(X):
        import dask.array as da

        X2 = X if X.ndim == 2 else X[:, None]
        empty = da.isnan(X2).all(axis=1)
        w = 1.0 if sample_weight is None else sample_weight
        return da.where(empty, 0.0, w).astype(np.float64)
    Xa = check(X, allow_nan=True)
    empty = np.isnan(Xa).all(axis=1)
    if labels is not None:
        empty &= ~(np.asarray(labels).reshape(-1) >= 0)
    if not empty.any():
        return sample_weight
    n = empty.shape[0]
    w = np.ones(n) if sample_weight is None else check_sample_weight(
        sample_weight, n, allow_zero_sum=True)
    w = np.where(empty, 0.0, w)
    if not (w > 0).any():
        if empty.all():
            raise ValueError("X has no observed value: every row is all NaN, and a row "
                             "with nothing observed counts for nothing.")
        raise ValueError("sample_weight is zero on every row of X that has an observed "
                         "value.")
    return w


def _distances_fit(X, means, prec_chol, covariance_type):
    """Whether no squared Mahalanobis distance ||P_c^T (x - mu_c)||^2 between a row
    of X and a component can come near float64's largest value: bounded by
    ||P_c||_F^2 d (max |x| + max |mu|)^2 (NaN entries, missing, are passed over)."""
    d = means.shape[1]
    with np.errstate(invalid="ignore", over="ignore"):
        top = max(float(np.fmax.reduce(X, axis=None, initial=-np.inf)),
                  -float(np.fmin.reduce(X, axis=None, initial=np.inf)), 0.0)
        spread = top + float(np.abs(means).max())
        P = np.asarray(prec_chol, dtype=np.float64)
        if covariance_type in ("full", "tied") and P.ndim >= 2 and d > 1:
            frob = float((P.reshape(-1, d, d) ** 2).sum(axis=(1, 2)).max())
        else:  # one precision per feature, or per component (times d features)
            frob = float((P ** 2).max()) * d
        bound = frob * d * spread * spread
    return bool(np.isfinite(bound) and bound < 1e300)


def _refuse_unreachable_rows(lpn):
    """A ValueError naming X for rows whose log-density is -inf under every
    component (their squared distances overflowed)."""
    bad = np.flatnonzero(lpn == -np.inf)
    if bad.size:
        raise ValueError(
            f"X has {bad.size} row(s) (the first: row {int(bad[0])}) so far from every "
            "component that their squared distances overflow float64: their density is "
            "0 under every component and they have no responsibilities. Scale X as the "
            "data the model was fitted on (for instance to unit variance) and try again.")


def _labelled_classes(y, w):
    return None if y is None else np.unique(y[(y >= 0) & (w > 0)])


def _full_precisions(prec_chol, covariance_type, k, d):
    """Each component's precision matrix, (k, d, d), whatever the covariance type."""
    precisions = precisions_from_cholesky(prec_chol, covariance_type)
    return np.array([component_covariance(precisions, covariance_type, j, d)
                     for j in range(k)], dtype=np.float64).reshape(k, d, d)


def _one_hot_labelled(resp, y, w, classes):
    """Random initial responsibilities (times weights) of a block of rows with partial
    labels ``y``: a labelled row's are its label's, and the unlabelled rows' go to the
    components without labelled rows only (``classes``: those with; none when every
    component has some), so that a labelled component starts from its labelled rows."""
    rows = np.flatnonzero(y >= 0)
    if classes.size:
        resp[:, classes] = 0.0
        total = resp.sum(axis=1)
        np.divide(resp, total[:, None], out=resp, where=total[:, None] > 0)
        resp *= w[:, None]
    resp[rows] = 0.0
    resp[rows, y[rows]] = w[rows]


def n_parameters(covariance_type, k, d, weights=True, means=True, covariances=True):
    """Free parameters of a mixture; a parameter held fixed (``False``) counts none."""
    cov = {"full": k * d * (d + 1) / 2.0, "tied": d * (d + 1) / 2.0, "diag": k * d,
           "spherical": k, "tied_diag": d, "tied_spherical": 1}[covariance_type]
    return int(cov * covariances + k * d * means + (k - 1) * weights)


# ------------------------------------------------------------------ estimator

class GaussianMixture(MixtureBase):
    """Gaussian mixture fitted by EM, with fused numba kernels.

    Each EM iteration is one pass over the data: per-component log densities from
    the precision Cholesky factors, log-sum-exp responsibilities, the log-likelihood
    and the weighted sufficient statistics are computed together, in fixed-size row
    chunks. No n_samples x n_components matrix is built unless ``predict_proba``
    asks for it. One feature takes a specialised scalar kernel.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components.
    covariance_type : {"full", "tied", "diag", "spherical", "tied_diag", \
            "tied_spherical"}, default="full"
        Each component's own full covariance; one shared full covariance; a diagonal
        covariance each; one variance each; one diagonal covariance shared by all
        (mclust's EEI); one variance shared by all (mclust's EII). The last two run
        the diagonal kernels with the variances pooled over the components.
    tol : float, default=1e-3
        Stop when the mean log-likelihood per sample changes by less than ``tol``.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, to keep it positive definite.
    max_iter : int, default=100
        EM iterations per restart.
    n_init : int, default=1
        Restarts; the one with the highest final lower bound is kept (restart ``i``
        draws from ``np.random.SeedSequence(random_state).spawn(n_init)[i]``).
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
        "kmeans": responsibilities from fastem's KMeans labels; "k-means++": one-hot
        responsibilities on k-means++ seeds; "random": random responsibilities;
        "random_from_data": one-hot responsibilities on randomly drawn rows.
    weights_init : array-like of shape (n_components,), optional
    means_init : array-like of shape (n_components, n_features), optional
    precisions_init : array-like, optional
        Shape (n_components, n_features, n_features) for "full", (n_features,
        n_features) for "tied", (n_components, n_features) for "diag",
        (n_components,) for "spherical", (n_features,) for "tied_diag", () (one
        number) for "tied_spherical"; ``covariances_`` has the same shapes. Must be
        symmetric positive definite.
    warm_start : bool, default=False
        Start the next ``fit`` from the fitted parameters (one run).
    backend : {"auto", "numba", "python"}, default="auto"
    random_state : None, int, SeedSequence, Generator or RandomState, default=None
    record_history : bool, default=False
        Record ``weights``, ``means`` and ``covariances`` of every iteration in
        ``history_``, starting with the initial guess.
    verbose : int, default=0
        0: silent; 1: one line per restart with its result (iterations, objective,
        whether it is the best so far); 2: also one line per ``verbose_interval``
        iterations, with the restart's number (lower bound, change, time).
    verbose_interval : int, default=10
        Iterations between two iteration lines at ``verbose=2`` (as scikit-learn's).
    learning_offset : float, default=2.0
        ``t0`` of the step size of :meth:`partial_fit` (stepwise online EM): batch
        ``t`` (0, 1, 2, ...) enters the running statistics with weight
        ``(t + t0) ** -learning_decay`` (1 for the first batch).
    learning_decay : float in (0.5, 1], default=0.7
        ``alpha`` of that step size: near 0.5 forgets early batches fast, 1 averages
        all batches equally.
    prior : None, "default" or dict, default=None
        None: maximum likelihood. "default": mclust's conjugate prior (Fraley &
        Raftery 2007; :func:`default_prior`): the means shrunk toward the data's mean
        with shrinkage 0.01, an inverse Wishart (inverse gamma) on the covariances
        with d + 2 degrees of freedom and scale var(X) / n_components^(2/d); EM then
        finds the posterior mode (MAP), which keeps components from collapsing onto
        a few points. A dict overrides any of its keys (``shrinkage``, ``mean``,
        ``dof``, ``scale``). The resolved hyperparameters are ``prior_params_``.
        ``lower_bound_``, ``score`` and ``bic`` stay the log-likelihood's (as
        mclust's BIC with a prior). Sample weights count as frequencies here (the
        prior's weight is against their sum). ``partial_fit`` and Dask fits refuse a
        prior.
    missing : {"raise", "em"}, default="raise"
        "raise": NaN in X is an error. "em": NaN marks a missing value (missing at
        random) and EM maximises the likelihood of the observed entries exactly
        (Ghahramani & Jordan 1994): each row's responsibilities come from the
        marginal density of its observed coordinates, and the statistics use the
        conditional mean (and, in the second moments, the conditional covariance)
        of the missing coordinates given the observed ones under each component.
        Rows are grouped by their pattern of missing values, and each (pattern,
        component) factorises its observed block once per pass. A row with every
        value missing carries nothing and is left out (``lower_bound_`` is the mean
        observed-data log-likelihood of the other rows). ``predict``,
        ``predict_proba``, ``score_samples``, ``score``, ``bic`` and ``aic`` then
        read NaN in their input the same way, and :meth:`impute` fills NaN with
        their conditional expectation. Without NaN the fit is the same as with
        "raise". How initialisation treats the holes: see the README, "Missing
        values".
    fit_weights, fit_means, fit_covariances : bool, default=True
        Estimate that parameter; False holds it at its initial value
        (``weights_init``, ``means_init``, ``precisions_init``, which are then
        required) through ``fit``, ``partial_fit`` and ``m_step``. With the means
        held, the covariances are the scatter about them (under a ``prior``, their
        posterior mode given the means). BIC and AIC count only the parameters
        estimated.

    Partial labels: ``fit(X, labels=...)`` with a class label for a labelled row
    (numbers or strings; ``classes_[j]`` is component j) and -1, None or NaN for an
    unlabelled one fixes each labelled row's responsibility to its component
    (semi-supervised EM; see the README, "Partial labels and fixed parameters").
    ``y`` is ignored, as by every scikit-learn clusterer.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
    means_ : ndarray of shape (n_components, n_features)
    covariances_, precisions_, precisions_cholesky_ : ndarray
        In scikit-learn's shapes for the covariance type.
    converged_ : bool
    n_iter_ : int
        EM iterations of ``fit`` (or M-steps taken by :meth:`m_step`).
    n_steps_ : int
        Batches seen by :meth:`partial_fit` since the stream started.
    lower_bound_ : float
        Mean (sample-weighted) log-likelihood per sample at the parameters before the
        last M-step, as scikit-learn reports it (for ``partial_fit``: of the last
        batch).
    lower_bounds_ : ndarray of shape (``n_iter_``,)
        The lower bound at each iteration of the best restart.
    history_ : dict of ndarray
        ``"objective"``: mean log-likelihood at the initial guess and after each
        iteration, shape (``n_iter_`` + 1,) (so ``history_["objective"][:-1]`` equals
        ``lower_bounds_``); with ``record_history=True`` also ``"weights"``,
        ``"means"`` and ``"covariances"`` with a leading iteration axis.
    backend_ : str
    n_features_in_ : int

    Notes
    -----
    Parameters are stored in float64 whatever the dtype of X; float32 data is read
    as it is (no copy).

    Examples
    --------
    >>> import numpy as np
    >>> from fastem import GaussianMixture
    >>> rng = np.random.default_rng(0)
    >>> heights = rng.normal(170.0, 8.0, size=5000)
    >>> gm = GaussianMixture(1).fit(heights)
    >>> bool(abs(gm.means_[0, 0] - heights.mean()) < 1e-9)
    True
    """

    _kernel_module = "gaussian_mixture"
    _objective_label = "lower bound"

    def __init__(self, n_components: int = 1, *, covariance_type: str = "full",
                 tol: float = 1e-3, reg_covar: float = 1e-6, max_iter: int = 100,
                 n_init: int = 1, init_params: str = "kmeans",
                 weights_init: ArrayLike | None = None, means_init: ArrayLike | None = None,
                 precisions_init: ArrayLike | None = None, warm_start: bool = False,
                 backend: str = "auto", random_state: RandomStateLike = None,
                 record_history: bool = False, verbose: int | bool = 0,
                 verbose_interval: int = 10,
                 learning_offset: float = 2.0, learning_decay: float = 0.7,
                 prior: None | str | dict = None, missing: str = "raise",
                 fit_weights: bool = True, fit_means: bool = True,
                 fit_covariances: bool = True) -> None:
        self.n_components = n_components
        self.fit_weights = fit_weights
        self.fit_means = fit_means
        self.fit_covariances = fit_covariances
        self.missing = missing
        self.covariance_type = covariance_type
        self.prior = prior
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.warm_start = warm_start
        self.backend = backend
        self.random_state = random_state
        self.record_history = record_history
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.learning_offset = learning_offset
        self.learning_decay = learning_decay

    # ------------------------------------------------------------------ checks
    def _check_inits(self, k, d):
        ct = self.covariance_type
        out = {}
        if self.weights_init is not None:
            out["weights"] = check_mixture_weights(self.weights_init, k)
        if self.means_init is not None:
            m = check_float_array(self.means_init, "means_init")
            if d == 1 and m.shape == (k,):
                m = m[:, None]
            if m.shape != (k, d):
                raise ValueError(f"means_init must have shape (n_components, n_features) = "
                                 f"({k}, {d}), got {m.shape}.")
            out["means"] = np.ascontiguousarray(m)
        if self.precisions_init is not None:
            p = check_float_array(self.precisions_init, "precisions_init")
            expected = {"full": (k, d, d), "tied": (d, d), "diag": (k, d),
                        "spherical": (k,), "tied_diag": (d,), "tied_spherical": ()}[ct]
            if p.shape != expected:
                raise ValueError(f"precisions_init for covariance_type='{ct}' must have "
                                 f"shape {expected}, got {p.shape}.")
            if ct in ("full", "tied"):
                mats = p[None] if ct == "tied" else p
                for c, mat in enumerate(mats):
                    name = "precisions_init" if ct == "tied" else f"precisions_init[{c}]"
                    if not np.allclose(mat, mat.T, rtol=1e-7, atol=1e-10):
                        raise ValueError(f"{name} must be symmetric.")
                    if np.linalg.eigvalsh(mat).min() <= 0:
                        raise ValueError(f"{name} must be positive definite.")
            elif (p <= 0).any():
                raise ValueError(f"precisions_init for covariance_type='{ct}' must be "
                                 "positive.")
            out["precisions"] = p
        return out

    def fit(self, X: ArrayLike, y: ArrayLike | None = None,
            sample_weight: ArrayLike | None = None, *,
            labels: ArrayLike | None = None) -> GaussianMixture:
        """Estimate the mixture's parameters by EM.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,), or dask.array.Array
            1-D input is one feature. A Dask array is fitted by exact EM over its
            chunks (see the README, "Scaling").
        y : ignored
            Not used, present for scikit-learn's API (a Pipeline or a
            cross-validation that passes class labels changes nothing).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights: integer weights give the fit of repeated rows
            (from ``init_params`` "kmeans" or "k-means++" or given initial values;
            "random" and "random_from_data" draw per row, so they start differently),
            zero weights remove rows.
        labels : array-like of shape (n_samples,), optional
            Partial labels (semi-supervised fit): any class values (numbers or
            strings), -1, None or NaN for an unlabelled row. The sorted distinct
            classes are ``classes_``; a row of class ``classes_[j]`` has its
            responsibility fixed to component j; see the README, "Partial labels and
            fixed parameters". None: every row unlabelled.

        Returns
        -------
        self : GaussianMixture
        """
        codes, classes = self._encode_labels(labels, fitting=True)
        self._fit_input(X, sample_weight, y=codes)
        self._set_classes(classes, fitting=True)
        return self

    def _check_warm_start(self, d, dtype):
        k = self.n_components
        if self._params_covariance_type != self.covariance_type:
            raise ValueError(
                f"warm_start: the fitted parameters are for covariance_type="
                f"'{self._params_covariance_type}', not '{self.covariance_type}'; fit without "
                "warm_start to change it.")
        if self.means_.shape != (k, d):
            raise ValueError(f"warm_start: the fitted means have shape {self.means_.shape} "
                             f"but X and n_components ask for ({k}, {d}).")

    def _check_hyper_params(self):
        check_choice(self.covariance_type, "covariance_type", COVARIANCE_TYPES)
        for name in ("fit_weights", "fit_means", "fit_covariances"):
            check_bool(getattr(self, name), name)
        check_choice(self.missing, "missing", MISSING_CHOICES)
        check_choice(self.init_params, "init_params", INIT_PARAMS)
        check_float(self.reg_covar, "reg_covar", min_value=0.0)
        return check_int(self.n_components, "n_components", min_value=1)

    def _check_m_step_params(self):
        self._check_hyper_params()
        if self._params_covariance_type != self.covariance_type:
            raise ValueError(
                f"the parameters are for covariance_type="
                f"'{self._params_covariance_type}', not '{self.covariance_type}'.")

    def _batch_data(self, X, sample_weight, fitting, y=None):
        """Validated, prepared data and its Runtime. ``fitting``: X starts a model
        (init checks, feature names recorded); otherwise it must match the model.
        ``y``: partial labels (-1: unlabelled)."""
        k = self._check_hyper_params()
        X_raw = X
        X = self._check_X(X)
        n, d = X.shape
        sample_weight = check_sample_weight(sample_weight, n, allow_zero_sum=not fitting)
        y = check_labels(y, n, k)
        if fitting:
            self._check_n_samples(n, k)
            inits = self._check_inits(k, d)
            self._check_fixed(inits)
            if (self.init_params in ("random_from_data", "k-means++")
                    and np.count_nonzero(sample_weight) < k):
                raise ValueError(f"init_params='{self.init_params}' needs at least "
                                 f"n_components={k} samples with positive sample_weight.")
            record_features(self, X_raw, X)
            self._eps = float(np.finfo(X.dtype).eps)
            self._set_prior(X, sample_weight, k)
        else:
            inits = {}
            check_features(self, X_raw, X)
            if self._params_covariance_type != self.covariance_type:
                raise ValueError(
                    f"the parameters are for covariance_type="
                    f"'{self._params_covariance_type}', not '{self.covariance_type}'.")
        family_work = d * d if self.covariance_type in ("full", "tied") else d
        rt = runtime(self.backend, self._kernel_module, n * k * family_work)
        holes = (self.missing == "em" and y is not None and X.size
                 and np.isnan(X.sum(dtype=np.float64)))
        empty = np.isnan(X).all(axis=1) if holes else None
        w_main, labels = self._split_labels(
            X, sample_weight, y, lambda rows: self._label_part(X, sample_weight, rows, rt),
            fitting=fitting, observed=None if empty is None else ~empty)
        data = self._prepare(X, w_main, rt, inits=inits, fitting=fitting and labels is None)
        if labels is not None:
            if any("data" in part for _, part in labels["parts"]):
                # labelled rows with holes: their expectations move with the
                # parameters, so every row labelled takes EM to its end, not one M-step
                labels["supervised"] = False
            data["labels"] = labels
            # the initialisation sees every row, labelled or not, but those with
            # nothing observed
            data["init_weight"] = (sample_weight if empty is None
                                   else np.where(empty, 0.0, sample_weight))
        return data, rt

    def _label_part(self, X, sample_weight, rows, rt):
        """What the statistics need of the labelled rows of one component. Complete
        rows: their weight, mean and scatter about the mean, once (the statistics and
        log-likelihood then follow in closed form at any parameters). Rows with
        holes: the rows, for a one-component pass per iteration, and the weight of
        those with nothing observed (in exact EM, such a row counts in its
        component's weight and at its mean and covariance)."""
        Xc, wc = X[rows], sample_weight[rows]
        if self.missing == "em" and np.isnan(Xc.sum(dtype=np.float64)):
            empty = np.isnan(Xc).all(axis=1)
            return {"data": self._prepare(Xc, wc, rt, inits={}, fitting=False),
                    "empty_weight": float(wc[empty].sum()), "empty_rows": int(empty.sum()),
                    "rows": len(rows)}
        weight, mean, scatter = label_moments(X, sample_weight, rows)
        return {"weight": weight, "mean": mean, "scatter": scatter, "rows": len(rows)}

    def _check_fixed(self, inits):
        """A parameter held fixed needs the value it is held at."""
        for flag, key, init in (("fit_weights", "weights", "weights_init"),
                                ("fit_means", "means", "means_init"),
                                ("fit_covariances", "precisions", "precisions_init")):
            if not getattr(self, flag) and key not in inits:
                raise ValueError(f"{flag}=False keeps the {key} at {init}: give {init}.")

    def _check_X(self, X, allow_nan=False):
        em = self.missing == "em" or allow_nan
        return check_array(X, allow_1d=True, estimator=type(self).__name__, allow_nan=em,
                           nan_hint="" if em else ", or set missing='em' to fit the "
                           "observed entries by exact EM")

    def _check_stream_params(self):
        super()._check_stream_params()
        if self.prior is not None:
            raise ValueError("prior is for fit (its hyperparameters come from the whole "
                             "data); partial_fit runs maximum likelihood: set prior=None")

    def _set_prior(self, X, sample_weight, k):
        """``prior_params_`` from ``prior`` and the data that starts the model."""
        if self.prior is None or self.prior is False:
            if hasattr(self, "prior_params_"):
                del self.prior_params_
            return
        if isinstance(self.prior, str):
            check_choice(self.prior, "prior", ("default",))
            overrides = None
        elif isinstance(self.prior, dict):
            overrides = self.prior
        else:
            raise TypeError(f"prior must be None, 'default' or a dict of shrinkage, mean, "
                            f"dof and scale, got {self.prior!r}")
        # the fit's weights are rescaled by a power of two (rescaled_sample_weight): the
        # prior and the M-step take them back to the caller's scale, where they count
        # as frequencies
        frequency = 2.0 ** getattr(self, "_weight_exponent", 0)
        self.prior_params_ = default_prior(X, sample_weight, k, self.covariance_type,
                                           overrides, frequency=frequency)
        self.prior_params_["frequency"] = frequency

    # ------------------------------------------------------------------ hooks
    def _prepare(self, X, sample_weight, rt, inits, fitting=True):
        data = {"X": X, "inits": inits, "eps": float(np.finfo(X.dtype).eps)}
        if self.missing == "em" and X.size and np.isnan(X.sum(dtype=np.float64)):
            mask = np.isnan(X)
            empty = mask.all(axis=1)
            if empty.all() and fitting:
                raise ValueError("X has no observed value: every entry is NaN.")
            if empty.any():  # a row with nothing observed carries nothing
                sample_weight = np.where(empty, 0.0, sample_weight)
                if fitting and not sample_weight.sum() > 0:
                    raise ValueError("sample_weight is zero on every row of X that has an "
                                     "observed value.")
            k, d = self.n_components, X.shape[1]
            data["mask"] = mask
            data["missing"] = missing_layout(mask, rt.chunk_size, k, d,
                                             rows=np.flatnonzero(~empty & (sample_weight > 0)))
        data["sample_weight"] = sample_weight
        data["wsum"] = float(sample_weight.sum())
        return data

    def _initialize(self, data, rng, rt):
        X, w = data["X"], data.get("init_weight", data["sample_weight"])
        y = data["labels"]["y"] if data.get("labels") else None
        k, ct, reg = self.n_components, self.covariance_type, self.reg_covar
        inits = data["inits"]
        d = X.shape[1]
        need_resp = not ("weights" in inits and "means" in inits and "precisions" in inits)
        weights = means = covariances = None
        if need_resp:
            if "mask" in data:
                N, S1, S2, centers, rows = self._initial_statistics_missing(
                    X, w, rng, data["mask"], y)
            else:
                N, S1, S2, centers, rows = self._initial_statistics(X, w, rng, y)
            weights, means, covariances = m_step(N, S1, S2, centers, ct, reg, data["eps"],
                                                 unit=N.sum() / rows,
                                                 prior=getattr(self, "prior_params_", None))
        weights = inits.get("weights", weights)
        means = inits.get("means", means)
        if "precisions" in inits:
            precisions = inits["precisions"]
            prec_chol = precision_cholesky_from_precisions(precisions, ct)
            covariances = covariances_from_precisions(precisions, ct)
        else:
            prec_chol = precision_cholesky(covariances, ct, reg)
        return {"weights": np.asarray(weights, dtype=np.float64),
                "means": np.ascontiguousarray(means, dtype=np.float64).reshape(k, d),
                "covariances": covariances, "prec_chol": prec_chol,
                "lower_bound": -np.inf}

    def _kmeans_labels(self, X, w, k, rng, y=None):
        """The KMeans labels that start a restart. ModelSelection shares them between
        the covariance types of one n_components (a dict in ``_init_cache``, alive
        for one ModelSelection.fit on one data set): the labels depend on the data,
        the weights, k and the restart's seed only, and nothing after them draws from
        ``rng``, so a shared start gives each fit exactly what it computes alone."""
        from .kmeans import KMeans

        cache = getattr(self, "_init_cache", None) if y is None else None
        key = None
        if cache is not None:
            seq = rng.bit_generator.seed_seq
            key = (k, X.shape, X.dtype.str, seq.entropy, tuple(seq.spawn_key),
                   self.backend)
            if key in cache:
                return cache[key]
        # with partial labels: seeded and constrained K-Means (each labelled cluster
        # starts at its labelled rows' mean and keeps them)
        labels = KMeans(k, n_init=1, random_state=rng, backend=self.backend)._fit_codes(
            X, w, y).labels_
        if key is not None:
            cache[key] = labels
        return labels

    def _initial_members(self, X, w, rng, y=None):
        """The rows that start each component, for the initialisations that pick rows:
        KMeans' clusters ("kmeans") or one row each (the seeds), and whether each
        component's rows count with their weights (clusters, labelled rows) or as one
        (a seed). With partial labels ``y``, a labelled component starts from its
        labelled rows (or, for "kmeans", from its cluster of the seeded and
        constrained K-Means) and only the others take seeds, drawn from the
        unlabelled rows."""
        k, n = self.n_components, X.shape[0]
        if self.init_params == "kmeans":
            labels = self._kmeans_labels(X, w, k, rng, y)
            return [np.flatnonzero(labels == c) for c in range(k)], [True] * k
        members = [None] * k
        free = list(range(k))
        w_seed = w
        if y is not None:
            for c in np.unique(y[(y >= 0) & (w > 0)]):
                members[c] = np.flatnonzero((y == c) & (w > 0))
            free = [c for c in range(k) if members[c] is None]
            w_seed = np.where(y >= 0, 0.0, w)
            if np.count_nonzero(w_seed) < len(free):
                raise ValueError(f"init_params='{self.init_params}' needs a seed for each of "
                                 f"the {len(free)} components without labelled rows, but "
                                 f"only {np.count_nonzero(w_seed)} unlabelled rows have a "
                                 "positive weight.")
        if free and self.init_params == "random_from_data":
            rows = rng.choice(n, size=len(free), replace=False, p=w_seed / w_seed.sum())
        elif free:
            from .kmeans import _plusplus

            fixed = np.array([w[m] @ X[m] / w[m].sum() for m in members if m is not None])
            rows = _plusplus(X, len(free), w_seed, rng, fixed=fixed.reshape(-1, X.shape[1]))
        for i, c in enumerate(free):
            members[c] = rows[i:i + 1]
        return members, [c not in free for c in range(k)]

    def _initial_statistics(self, X, w, rng, y=None):
        """Sufficient statistics of the initial responsibilities, (N, S1, S2, centres);
        never an (n_samples, n_components) matrix."""
        k = self.n_components
        n, d = X.shape
        full = self.covariance_type in ("full", "tied") and d > 1
        kind = self.init_params
        if kind in ("kmeans", "random_from_data", "k-means++"):
            members, weighted = self._initial_members(X, w, rng, y)
            N = np.zeros(k)
            centers = np.empty((k, d))
            S2 = np.zeros((k, d, d) if full else (k, d))
            for c, idx in enumerate(members):
                Xc = X[idx].astype(np.float64)
                wc = w[idx] if weighted[c] else np.ones(len(idx))
                N[c] = wc.sum()
                centers[c] = wc @ Xc / N[c] if N[c] > 0 else X.mean(axis=0)
                diff = Xc - centers[c]
                S2[c] = (diff * wc[:, None]).T @ diff if full else wc @ (diff * diff)
            rows = sum(len(idx) for idx in members)  # how many rows N counts
            return N, np.zeros((k, d)), S2, centers, rows
        # random responsibilities, drawn block by block
        center = (w @ X) / w.sum()
        classes = _labelled_classes(y, w)
        N = np.zeros(k)
        S1 = np.zeros((k, d))
        S2 = np.zeros((k, d, d) if full else (k, d))
        for start in range(0, n, _INIT_CHUNK):
            stop = min(start + _INIT_CHUNK, n)
            resp = rng.uniform(size=(stop - start, k))
            resp *= (w[start:stop] / resp.sum(axis=1))[:, None]
            if y is not None:
                _one_hot_labelled(resp, y[start:stop], w[start:stop], classes)
            diff = X[start:stop] - center
            N += resp.sum(axis=0)
            S1 += resp.T @ diff
            if full:
                S2 += np.einsum("ic,id,ie->cde", resp, diff, diff)
            else:
                S2 += resp.T @ (diff * diff)
        return N, S1, S2, np.repeat(center[None], k, axis=0), n

    def _initial_statistics_missing(self, X, w, rng, mask, y=None):
        """As :meth:`_initial_statistics`, on X with holes. The rows that start the
        components come from X with each missing entry set to its feature's observed
        mean (K-Means and the seeds see complete rows); the statistics then read the
        observed entries only: each component's means and variances are those of its
        observed entries, a missing entry counts at the component's mean in the
        second moments, and the component's variance of that feature is added for
        it (so the variances are not shrunk by the holes)."""
        k = self.n_components
        n, d = X.shape
        full = self.covariance_type in ("full", "tied") and d > 1
        Xf = np.asarray(X, dtype=np.float64)  # float32 data: one float64 copy
        col_mean, col_var = _observed_moments(Xf, mask, w, 0.0, 0.0)
        never = np.flatnonzero((~mask & (w[:, None] > 0)).sum(axis=0) == 0)
        if never.size:
            raise ValueError(f"feature {int(never[0])} of X has no observed value (among "
                             "the rows of positive sample_weight): drop it.")
        filled = np.where(mask, col_mean, Xf)
        kind = self.init_params
        N = np.zeros(k)
        centers = np.empty((k, d))
        S2 = np.zeros((k, d, d) if full else (k, d))

        def add(c, resp_w, Xc, Mc):
            # resp_w: the rows' responsibilities times weights; Xc, Mc their values, mask
            N[c] += resp_w.sum()
            diff = np.where(Mc, 0.0, Xc - centers[c])
            extra = (Mc * resp_w[:, None]).sum(axis=0) * var[c]
            if full:
                S2[c] += (diff * resp_w[:, None]).T @ diff + np.diag(extra)
            else:
                S2[c] += resp_w @ (diff * diff) + extra

        if kind in ("kmeans", "random_from_data", "k-means++"):
            members, weighted = self._initial_members(filled, w, rng, y)
            var = np.zeros((k, d))
            for c, idx in enumerate(members):
                wc = w[idx] if weighted[c] else np.ones(len(idx))
                centers[c], var[c] = _observed_moments(Xf[idx], mask[idx], wc, col_mean,
                                                       col_var)
                add(c, wc, Xf[idx], mask[idx])
            return N, np.zeros((k, d)), S2, centers, sum(len(idx) for idx in members)
        # random responsibilities, drawn block by block twice from one seed: the
        # components' observed means first, then the second moments about them
        seed = rng.integers(2 ** 63)
        sums = np.zeros((k, d))
        counts = np.zeros((k, d))
        for start, resp in self._random_blocks(n, k, w, seed, y):
            obs = ~mask[start:start + resp.shape[0]]
            sums += resp.T @ np.where(obs, Xf[start:start + resp.shape[0]], 0.0)
            counts += resp.T @ obs
        with np.errstate(invalid="ignore", divide="ignore"):
            centers[:] = np.where(counts > 0, sums / counts, col_mean)
        sq = np.zeros((k, d))
        for start, resp in self._random_blocks(n, k, w, seed, y):
            stop = start + resp.shape[0]
            obs = ~mask[start:stop]
            for c in range(k):
                dev = np.where(obs, Xf[start:stop] - centers[c], 0.0)
                sq[c] += resp[:, c] @ (dev * dev)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(counts > 0, sq / counts, col_var)
        for start, resp in self._random_blocks(n, k, w, seed, y):
            stop = start + resp.shape[0]
            for c in range(k):
                add(c, resp[:, c], Xf[start:stop], mask[start:stop])
        return N, np.zeros((k, d)), S2, centers, n

    @staticmethod
    def _random_blocks(n, k, w, seed, y=None):
        """Random responsibilities times weights, block by block (the same draws for
        the same seed); a labelled row's is its label's."""
        rng = np.random.default_rng(seed)
        classes = _labelled_classes(y, w)
        for start in range(0, n, _INIT_CHUNK):
            stop = min(start + _INIT_CHUNK, n)
            resp = rng.uniform(size=(stop - start, k))
            resp *= (w[start:stop] / resp.sum(axis=1))[:, None]
            if y is not None:
                _one_hot_labelled(resp, y[start:stop], w[start:stop], classes)
            yield start, resp

    def _warm_params(self):
        return {"weights": self.weights_.copy(), "means": self.means_.copy(),
                "covariances": self.covariances_.copy(),
                "prec_chol": self.precisions_cholesky_.copy(),
                "lower_bound": getattr(self, "lower_bound_", -np.inf)}

    def _new_state(self, data, params, rt):
        state = dict(params)
        state["prev"] = params["lower_bound"]
        return state

    @property
    def _params_covariance_type(self):
        # the type the fitted parameters have, even if covariance_type was set since
        return getattr(self, "_fitted_covariance_type", self.covariance_type)

    @staticmethod
    def _log_const(weights, prec_chol, d, covariance_type):
        with np.errstate(divide="ignore"):
            log_w = np.log(weights)
        return np.ascontiguousarray(
            log_w + log_det_cholesky(prec_chol, covariance_type, d) - 0.5 * d * _LOG_2PI,
            dtype=np.float64)

    def _iterate(self, data, state, rt):
        stats = self._pass_statistics(data, state, rt)
        lower_bound = stats.objective / stats.weight
        if lower_bound == -np.inf:
            raise ValueError(
                "Some rows have density 0 under every component: their squared "
                "distances overflow. Scale X (for instance to unit variance) and fit again.")
        state.update(self._params_from_statistics(stats, state, data["eps"]))
        change = lower_bound - state["prev"]
        state["prev"] = lower_bound
        return lower_bound, change, bool(abs(change) < self.tol)

    # ------------------------------------------- sufficient statistics, streaming
    def _block_statistics(self, data, params, rt):
        layout = self._layout_of(data, rt)
        X, w = data["X"], data["sample_weight"]
        k, d = params["means"].shape
        if layout is not None:
            return self._missing_statistics(X, w, params, layout, rt)
        family, prec = kernel_precision(params["prec_chol"], self.covariance_type, k, d)
        log_const = self._log_const(params["weights"], params["prec_chol"], d,
                                    self.covariance_type)
        N, S1 = np.zeros(k), np.zeros((k, d))
        S2 = np.zeros((k, d, d) if family == "full" else (k, d))
        means = np.ascontiguousarray(params["means"], dtype=np.float64)
        total = getattr(rt.kernels, f"em_step_{family}")(
            X, w, means, prec, log_const, N, S1, S2, rt.chunk_size, rt.parallel)
        return SufficientStatistics("gaussian_mixture", {"N": N, "S1": S1, "S2": S2},
                                    total, float(w.sum()), X.shape[0], center=means)

    def _layout_of(self, data, rt):
        """The missing-value layout of the data of a pass (None without NaN); built
        here for data that skipped ``_prepare`` (the chunks of a Dask fit)."""
        if "missing" in data or self.missing != "em":
            return data.get("missing")
        X, w = data["X"], data["sample_weight"]
        if not (X.size and np.isnan(X.sum(dtype=np.float64))):
            data["missing"] = None
            return None
        mask = np.isnan(X)
        empty = mask.all(axis=1)
        if empty.any():  # as _prepare: a row with nothing observed carries nothing
            data["sample_weight"] = w = np.where(empty, 0.0, w)
        data["missing"] = missing_layout(mask, rt.chunk_size, self.n_components,
                                         X.shape[1], rows=np.flatnonzero(~empty & (w > 0)))
        return data["missing"]

    def _missing_statistics(self, X, w, params, layout, rt):
        k, d = params["means"].shape
        ct = self.covariance_type
        means = np.ascontiguousarray(params["means"], dtype=np.float64)
        N, S1 = np.zeros(k), np.zeros((k, d))
        family, prec = kernel_precision(params["prec_chol"], ct, k, d)
        if family != "full":
            # diagonal covariances: nothing to factorise per pattern, the rows are read
            # in order with the missing entries masked (rows with nothing observed
            # carry weight 0 here: _prepare and _layout_of saw to it)
            log_const = self._log_const(params["weights"], params["prec_chol"], d, ct)
            S2 = np.zeros((k, d))
            total = rt.kernels.em_step_diag_missing(X, w, means, prec, log_const, N, S1, S2,
                                                    rt.chunk_size, rt.parallel)
        else:
            cov = full_covariances(params["covariances"], ct, k, d)
            with np.errstate(divide="ignore"):
                log_w = np.log(params["weights"])
            S2 = np.zeros((k, d, d))
            total = rt.kernels.em_step_missing(X, w, means, cov, log_w, *layout.arrays(), N,
                                               S1, S2, rt.parallel)
        # rows with nothing observed are not part of the fit
        weight = float(w[layout.order].sum())
        return SufficientStatistics("gaussian_mixture", {"N": N, "S1": S1, "S2": S2},
                                    total, weight, X.shape[0] - layout.n_empty,
                                    center=means)

    def _params_from_statistics(self, stats, params, eps=None):
        if eps is None:
            eps = getattr(self, "_eps", float(np.finfo(np.float64).eps))
        prior = getattr(self, "prior_params_", None)
        S1 = stats.S1
        if not self.fit_means:
            # the means stay: the covariances are the scatter about them, which is the
            # M-step with the statistics about the fixed means and S1 = 0
            if not np.array_equal(stats.center, params["means"]):
                stats = stats.recentered(params["means"])
            S1 = np.zeros_like(stats.S1)
        weights, means, covariances = m_step(stats.N, S1, stats.S2, stats.center,
                                             self.covariance_type, self.reg_covar, eps,
                                             unit=stats.weight / stats.n_samples,
                                             prior=prior, fixed_means=not self.fit_means)
        if not self.fit_weights:
            weights = params["weights"]
        if not self.fit_means:
            means = params["means"]
        if not self.fit_covariances:
            return {"weights": weights, "means": means,
                    "covariances": params["covariances"], "prec_chol": params["prec_chol"]}
        prec_chol = precision_cholesky(covariances, self.covariance_type, self.reg_covar)
        return {"weights": weights, "means": means, "covariances": covariances,
                "prec_chol": prec_chol}

    def _labelled_statistics(self, labels, params, rt, like):
        """The labelled rows' statistics about the means and their complete-data
        log-likelihood: in closed form for complete rows (with ``W``, ``m`` and ``M``
        a label's weight, mean and scatter, and ``P`` its component's precision,
        ``S1 = W (m - mu)``, ``S2 = M + W (m - mu)(m - mu)^T`` and ``log L = W (log pi +
        log det U - d/2 log 2 pi) - (tr(P M) + W (m - mu)^T P (m - mu)) / 2``), by a
        one-component pass of the model's kernels for rows with holes."""
        k, d = params["means"].shape
        ct = self.covariance_type
        arrays = {key: np.zeros_like(value) for key, value in like.arrays.items()}
        N, S1, S2 = arrays["N"], arrays["S1"], arrays["S2"]
        full = S2.ndim == 3
        classes = np.array([c for c, _ in labels["parts"]], dtype=np.intp)
        log_w = self._log_weights_of_labels(params, classes)
        center = like.center
        objective = weight = 0.0
        n_samples = 0
        closed = [i for i, (_, part) in enumerate(labels["parts"]) if "data" not in part]
        if closed:
            parts = [labels["parts"][i][1] for i in closed]
            cls = classes[closed]
            W = np.array([p["weight"] for p in parts])
            delta = np.array([p["mean"] for p in parts]) - center[cls]
            M = np.array([p["scatter"] for p in parts])
            N[cls] += W
            S1[cls] += W[:, None] * delta
            if full:
                S2[cls] += M + W[:, None, None] * delta[:, :, None] * delta[:, None, :]
            else:
                S2[cls] += np.diagonal(M, axis1=1, axis2=2) + W[:, None] * delta * delta
            P = _full_precisions(params["prec_chol"], ct, k, d)[cls]
            log_det = np.broadcast_to(log_det_cholesky(params["prec_chol"], ct, d), (k,))[cls]
            quad = np.einsum("cij,cij->c", P, M) + W * np.einsum("ci,cij,cj->c", delta, P,
                                                                 delta)
            objective += float(W @ (log_w[closed] + log_det - 0.5 * d * _LOG_2PI)
                               - 0.5 * quad.sum())
            weight += float(W.sum())
            n_samples += sum(p["rows"] for p in parts)
        for i, (c, part) in enumerate(labels["parts"]):
            if "data" not in part:
                continue
            s = self._block_statistics(part["data"], self._component_params(params, c), rt)
            for key, value in s.arrays.items():
                arrays[key][c] += value[0]
            empty = part["empty_weight"]
            if empty:  # nothing observed: at the component's mean, with its covariance
                N[c] += empty
                cov = component_covariance(params["covariances"], ct, c, d)
                S2[c] += empty * (cov if full else np.diag(cov))
            objective += s.objective + (s.weight + empty) * log_w[i]
            weight += s.weight + empty
            n_samples += part["rows"]
        return SufficientStatistics(like.model, arrays, objective, weight, n_samples, center)

    def _component_params(self, params, c):
        """The parameters of component ``c`` alone, as a one-component mixture."""
        shared = self.covariance_type in ("tied",) + SHARED_DIAGONAL
        pick = (lambda a: a) if shared else (lambda a: a[c:c + 1])
        return {"weights": np.ones(1), "means": params["means"][c:c + 1],
                "covariances": pick(params["covariances"]),
                "prec_chol": pick(params["prec_chol"])}

    def _stat_shapes(self, params):
        k, d = params["means"].shape
        full = self.covariance_type in ("full", "tied") and d > 1
        return {"N": (k,), "S1": (k, d), "S2": (k, d, d) if full else (k, d)}

    def _store_params(self, params):
        self.weights_ = params["weights"]
        self.means_ = params["means"]
        self.covariances_ = params["covariances"]
        self.precisions_cholesky_ = params["prec_chol"]
        self.precisions_ = precisions_from_cholesky(params["prec_chol"],
                                                    self.covariance_type)
        self._fitted_covariance_type = self.covariance_type

    def _final_e_step(self, data, state, rt):
        if "dask" in data or data.get("labels"):
            stats = self._pass_statistics(data, state, rt)
            return stats.objective / stats.weight
        lpn = self._e_step(data["X"], state, rt, want="lpn", layout=data.get("missing"))
        w = data["sample_weight"]
        live = w > 0  # a zero-weight row at -inf must not give 0 * -inf
        return float(w[live] @ lpn[live]) / data["wsum"]

    def _e_step(self, X, params, rt, want, layout=None, check=False):
        """One E-step pass for ``want`` ("lpn", "labels", "resp" or "impute"). With
        ``check``, the log-densities are computed too and a row of density 0 under
        every component (its squared distances overflow) is refused."""
        # the covariance type of the parameters: the fitted one when predicting, even if
        # covariance_type was set to another since
        ct = params.get("covariance_type", self.covariance_type)
        k, d = params["means"].shape
        if layout is not None:
            return self._missing_e_step(X, params, ct, rt, want, layout, check)
        family, prec = kernel_precision(params["prec_chol"], ct, k, d)
        log_const = self._log_const(params["weights"], params["prec_chol"], d, ct)
        n = X.shape[0]
        lpn = np.empty(n) if want == "lpn" or check else _EMPTY_F
        labels = np.empty(n, dtype=np.int64) if want == "labels" else _EMPTY_I
        resp = np.empty((n, k), dtype=X.dtype) if want == "resp" else _EMPTY_R.astype(X.dtype)
        getattr(rt.kernels, f"e_step_{family}")(X, params["means"], prec, log_const, lpn,
                                                labels, resp, rt.chunk_size, rt.parallel)
        if check:
            _refuse_unreachable_rows(lpn)
        return {"lpn": lpn, "labels": labels, "resp": resp}[want]

    def _missing_e_step(self, X, params, ct, rt, want, layout, check=False):
        k, d = params["means"].shape
        n = X.shape[0]
        cov = full_covariances(params["covariances"], ct, k, d)
        with np.errstate(divide="ignore"):
            log_w = np.log(params["weights"])
        # rows outside the layout (nothing observed) keep these: density 1
        lpn = np.zeros(n) if want == "lpn" or check else _EMPTY_F
        labels = np.empty(n, dtype=np.int64) if want == "labels" else _EMPTY_I
        resp = np.empty((n, k)) if want == "resp" else _EMPTY_R
        imputed = np.empty((n, d)) if want == "impute" else _EMPTY_R
        rt.kernels.e_step_missing(X, np.ascontiguousarray(params["means"], dtype=np.float64),
                                  cov, log_w, *layout.arrays(), lpn, labels, resp, imputed,
                                  rt.parallel)
        if check:
            _refuse_unreachable_rows(lpn)
        if want == "resp":
            return resp.astype(X.dtype, copy=False)
        return {"lpn": lpn, "labels": labels, "impute": imputed}[want]

    def _snapshot(self, state):
        return {"weights": state["weights"].copy(), "means": state["means"].copy(),
                "covariances": np.array(state["covariances"], copy=True)}

    def _store(self, run, data):
        self._store_params(run.state)
        self.lower_bound_ = float(run.objectives[-1])
        self.lower_bounds_ = np.array(run.objectives, dtype=np.float64)
        if "dask" not in data:
            self._warn_degenerate(int(np.count_nonzero(
                data.get("init_weight", data["sample_weight"]) > 0)))

    def _warn_degenerate(self, n_rows):
        """DegenerateComponentWarning for the components on fewer than d + 1
        effective points (weight x the rows of positive weight: the weights count
        through their ratios, as everywhere) or with a variance at the reg_covar
        floor (at most twice reg_covar: a feature constant within the component).
        The message names the components and features, and the remedies, in at most
        three lines."""
        k, d = self.means_.shape
        ct = self._params_covariance_type
        points = self.weights_ * n_rows
        # the fewest points a component's own covariance needs: d + 1 for a full
        # one, 2 for variances of its own; the shared types estimate theirs from all
        need = {"full": d + 1, "diag": 2, "spherical": 2}.get(ct, 1)
        needs = (f"n_features + 1 = {d + 1}" if ct == "full" else
                 "2, the fewest a variance needs")
        few = [j for j in range(k) if points[j] < need]
        # per component (or the one shared), the variance of each feature
        variances = np.diagonal(full_covariances(self.covariances_, ct, k, d),
                                axis1=1, axis2=2)
        floor = variances <= 2.0 * self.reg_covar if self.reg_covar > 0 else \
            np.zeros(variances.shape, dtype=bool)
        flat = [j for j in range(floor.shape[0]) if floor[j].any()]
        names = getattr(self, "feature_names_in_", None)
        spherical = ct in ("spherical", "tied_spherical")

        def features(js):
            cols = np.flatnonzero(floor[js].any(axis=0))
            shown = [str(names[c]) if names is not None else str(c) for c in cols[:6]]
            return (f" in feature{'s' if len(cols) > 1 else ''} {', '.join(shown)}"
                    f"{', ...' if len(cols) > 6 else ''} (constant within "
                    f"{'it' if len(js) == 1 else 'them'})") if not spherical and d > 1 else ""

        notes = []
        if len(few) == 1:
            notes.append(f"component {few[0]} rests on {points[few[0]]:.3f} effective points "
                         f"(fewer than {needs})")
        elif few:
            notes.append(f"{len(few)} of {k} components rest on fewer effective points than "
                         f"{needs}")
        if flat:
            v = variances[flat].min()
            if floor.shape[0] == 1 and k > 1:
                who = "the shared covariance has a variance"
            elif len(flat) == 1:
                who = f"component {flat[0]} has a variance"
            else:
                who = f"{len(flat)} of {k} components have variances"
            notes.append(f"{who} of {v:.3g}, at the reg_covar floor ({self.reg_covar:g})"
                         f"{features(flat)}")
        if notes:
            remedy = []
            if flat:
                remedy += ["drop features constant within a component", "raise reg_covar"]
            remedy += ["use prior='default'"] + (["fit fewer components"] if few else [])
            warn("GaussianMixture: " + "; ".join(notes) + ".\nSuch a component describes a "
                 "few points, not a cluster: " + ", ".join(remedy[:-1]) + " or "
                 + remedy[-1] + ".", DegenerateComponentWarning)

    # ------------------------------------------------------------- prediction
    def _predict_pass(self, X, want, refuse=True):
        check_is_fitted(self, "means_")
        if is_dask_array(X):
            from ._dask import map_rows

            return map_rows(self, X, {"lpn": "score_samples", "labels": "predict",
                                      "resp": "predict_proba", "impute": "impute"}[want])
        X_checked = self._check_X(X, allow_nan=want == "impute")
        if np.ndim(X) == 1 and self.n_features_in_ > 1:
            raise ValueError(
                f"X has 1 features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input: 1-D X is read as one feature. "
                "Reshape your data with X.reshape(1, -1) if it is a single sample.")
        check_features(self, X, X_checked)
        k, d = self.means_.shape
        n = X_checked.shape[0]
        ct = self._params_covariance_type
        work = n * k * (d * d if ct in ("full", "tied") else d)
        rt = runtime(self.backend, self._kernel_module, work)
        params = {"weights": self.weights_, "means": np.ascontiguousarray(self.means_),
                  "prec_chol": self.precisions_cholesky_, "covariance_type": ct,
                  "covariances": self.covariances_}
        layout = None
        if want == "impute" or np.isnan(X_checked.sum(dtype=np.float64)):
            # every row, also those with nothing observed (density 1: the weights)
            layout = missing_layout(np.isnan(X_checked), rt.chunk_size, k, d)
        # a row far outside the data can have squared distances that overflow: density
        # 0 under every component, no responsibilities. Refused (as fit refuses it);
        # a bound on the distances spares the check where no row can overflow
        check = refuse and not _distances_fit(X_checked, params["means"],
                                              params["prec_chol"], ct)
        with thread_context(rt):
            return self._e_step(X_checked, params, rt, want, layout=layout, check=check)

    def impute(self, X: ArrayLike) -> NDArray:
        """X with each missing value (NaN) replaced by its conditional expectation
        under the fitted mixture, ``sum_c p(c | x_O) E[x_M | x_O, c]`` (the observed
        entries ``x_O`` of the row are kept; a row with nothing observed gets the
        mixture's mean).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,), NaN where missing

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features), float64
        """
        out = self._predict_pass(X, "impute")
        return out[:, 0] if np.ndim(X) == 1 and not is_dask_array(X) else out

    def score_samples(self, X: ArrayLike) -> NDArray:
        """Log-likelihood of each row under the mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
        """
        return self._predict_pass(X, "lpn")

    def score(self, X: ArrayLike, y: ArrayLike | None = None,
              sample_weight: ArrayLike | None = None) -> float:
        """Mean (sample-weighted) log-likelihood per row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional
            A weighted table scores as the expanded rows do.

        Returns
        -------
        score : float
        """
        total, weight = self._log_likelihood(X, sample_weight)
        return total / weight

    def _log_likelihood(self, X, sample_weight):
        """Sum of sample_weight x log-likelihood over the rows of X, and the weights'
        sum (the number of rows without weights). Rows with nothing observed (all
        NaN) count in neither, as in a fit."""
        w = self._observed_weights(X, sample_weight)
        lpn = self._predict_pass(X, "lpn", refuse=False)
        if not is_dask_array(lpn):
            # a row of weight 0 counts nothing, even at density 0; the others must count
            if w is not None:
                w = check_sample_weight(np.asarray(w), lpn.shape[0])
            _refuse_unreachable_rows(lpn if w is None else np.where(w > 0, lpn, 0.0))
        return weighted_total(lpn, w)

    def _observed_weights(self, X, sample_weight, labels=None):
        """The weights a fit counts (see :func:`observed_weights`): sample_weight with
        0 on the unlabelled rows that have nothing observed (all NaN); unchanged
        otherwise (None: unit weights)."""
        if self.missing != "em":
            return sample_weight
        return observed_weights(X, sample_weight, self._check_X, labels)

    def predict(self, X: ArrayLike) -> NDArray:
        """Most probable component of each row, ndarray of shape (n_samples,)."""
        return self._predict_pass(X, "labels")

    def predict_proba(self, X: ArrayLike) -> NDArray:
        """Responsibilities, ndarray of shape (n_samples, n_components)."""
        return self._predict_pass(X, "resp")

    def fit_predict(self, X: ArrayLike, y: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None, *,
                    labels: ArrayLike | None = None) -> NDArray:
        """Fit, then ``predict(X)`` (the final E-step at the fitted parameters); with
        partial ``labels``, a labelled row gets its component. ``y`` is ignored."""
        predicted = self.fit(X, sample_weight=sample_weight, labels=labels).predict(X)
        return self._with_labels(predicted, labels)

    def _n_parameters(self):
        """Free parameters: those held fixed (``fit_weights=False`` ...) count none."""
        k, d = self.means_.shape
        return n_parameters(self._params_covariance_type, k, d, self.fit_weights,
                            self.fit_means, self.fit_covariances)

    def bic(self, X: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Bayesian information criterion on X (lower is better):
        ``-2 log L + n_parameters log(n)``, with the weighted log-likelihood and ``n``
        the sum of the weights, so that a weighted table gives the expanded data's
        value.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        bic : float
        """
        total, weight = self._log_likelihood(X, sample_weight)
        return float(-2.0 * total + self._n_parameters() * np.log(weight))

    def aic(self, X: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Akaike information criterion on X (lower is better):
        ``-2 log L + 2 n_parameters``, with the weighted log-likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        aic : float
        """
        total, _ = self._log_likelihood(X, sample_weight)
        return float(-2.0 * total + 2.0 * self._n_parameters())

    def icl(self, X: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """Integrated complete-data likelihood criterion on X (Biernacki et al. 2000;
        lower is better): ``bic(X) - 2 sum_i w_i log max_k tau_ik``, BIC plus twice
        the entropy of the hard assignment, so that it prefers well-separated
        components. mclust reports it with the opposite sign.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        icl : float
        """
        total, _ = weighted_total(np.log(1.0 - self.uncertainty(X)),
                                  self._observed_weights(X, sample_weight))
        return self.bic(X, sample_weight) - 2.0 * total

    def uncertainty(self, X: ArrayLike) -> NDArray:
        """1 - the largest posterior probability of each row (mclust's uncertainty),
        ndarray of shape (n_samples,), computed by blocks of rows (no n_samples x
        n_components array is kept)."""
        return _uncertainty(self.predict_proba, X,
                            check=lambda X: self._check_X(X, allow_nan=True))

    def sample(self, n_samples: int = 1) -> tuple[NDArray, NDArray]:
        """Draw from the fitted mixture.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,), the component of each draw
        """
        check_is_fitted(self, "means_")
        n_samples = check_int(n_samples, "n_samples", min_value=1)
        rng = np.random.default_rng(seed_sequence(self.random_state))
        k, d = self.means_.shape
        counts = rng.multinomial(n_samples, self.weights_)
        ct = self._params_covariance_type
        parts = []
        for c, (mean, m) in enumerate(zip(self.means_, counts)):
            if ct == "full":
                parts.append(rng.multivariate_normal(mean, self.covariances_[c], m))
            elif ct == "tied":
                parts.append(rng.multivariate_normal(mean, self.covariances_, m))
            elif ct in SHARED_DIAGONAL:  # (d,) variances or one, for every component
                parts.append(mean + rng.standard_normal((m, d)) * np.sqrt(self.covariances_))
            else:  # diag: (d,) variances; spherical: one variance
                parts.append(mean + rng.standard_normal((m, d)) * np.sqrt(self.covariances_[c]))
        y = np.concatenate([np.full(m, c, dtype=np.int64) for c, m in enumerate(counts)])
        return np.vstack(parts), y
