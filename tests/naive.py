"""Slow, obviously correct versions of fastem's kernels: the oracles of the tests.

Plain Python loops over rows, clusters and features, in float64; no vectorisation
tricks, no chunks.
"""

import math

import numpy as np


def _fix_label(joint, labels, i):
    """A labelled row (partial labels, -1: unlabelled) is in its component only."""
    if labels is None or labels[i] < 0:
        return joint
    return [v if c == labels[i] else -math.inf for c, v in enumerate(joint)]


def kmeans_step(X, sample_weight, centers, labels_fixed=None):
    """Assign every row to its nearest centre (first one on ties), or a row labelled
    in ``labels_fixed`` (-1: unlabelled) to its label, and accumulate weighted sums,
    weights and inertia.

    Returns labels (n,), sums (k, d), wsums (k,), inertia, mindist (n,).
    """
    n, d = X.shape
    k = centers.shape[0]
    labels = np.empty(n, dtype=np.int64)
    mindist = np.empty(n)
    sums = [[0.0] * d for _ in range(k)]
    wsums = [0.0] * k
    inertia = 0.0
    for i in range(n):
        best, best_j = math.inf, 0
        for j in range(k):
            dist = 0.0
            for f in range(d):
                t = float(X[i, f]) - float(centers[j, f])
                dist += t * t
            if dist < best:
                best, best_j = dist, j
            if labels_fixed is not None and labels_fixed[i] == j:
                best, best_j = dist, j
                break
        labels[i] = best_j
        mindist[i] = best
        w = float(sample_weight[i])
        inertia += w * best
        wsums[best_j] += w
        for f in range(d):
            sums[best_j][f] += w * float(X[i, f])
    return labels, np.array(sums), np.array(wsums), inertia, mindist


def kmeans_lloyd(X, sample_weight, centers, max_iter=300):
    """Lloyd's algorithm to a fixed point of the labels (no empty clusters expected).

    Returns centers, labels, inertia, n_iter.
    """
    centers = np.array(centers, dtype=np.float64)
    labels_old = None
    for it in range(1, max_iter + 1):
        labels, sums, wsums, _, _ = kmeans_step(X, sample_weight, centers)
        assert (wsums > 0).all(), "the naive oracle does not relocate empty clusters"
        centers = sums / wsums[:, None]
        if labels_old is not None and (labels == labels_old).all():
            break
        labels_old = labels
    labels, _, _, inertia, _ = kmeans_step(X, sample_weight, centers)
    return centers, labels, inertia, it


def gmm_step(X, sample_weight, weights, means, covariances, labels=None):
    """E-step and centred sufficient statistics of a Gaussian mixture, one row and one
    component at a time with scipy.stats.multivariate_normal.

    ``covariances`` is (k, d, d), full matrices; ``labels``: partial labels (-1:
    unlabelled), a labelled row's responsibility is 1 for its label. Returns lpn (n,)
    (a labelled row's: log weight + log density of its component), resp (n, k),
    N (k,), S1 (k, d), S2 (k, d, d) with statistics centred on ``means``, and the
    weighted log-likelihood.
    """
    from scipy.stats import multivariate_normal

    n, d = X.shape
    k = means.shape[0]
    lpn = np.empty(n)
    resp = np.empty((n, k))
    N = np.zeros(k)
    S1 = np.zeros((k, d))
    S2 = np.zeros((k, d, d))
    total = 0.0
    dists = [multivariate_normal(means[c], covariances[c]) for c in range(k)]
    for i in range(n):
        x = np.asarray(X[i], dtype=np.float64)
        joint = [math.log(weights[c]) + float(dists[c].logpdf(x)) if weights[c] > 0
                 else -math.inf for c in range(k)]
        joint = _fix_label(joint, labels, i)
        top = max(joint)
        s = sum(math.exp(v - top) for v in joint)
        lpn[i] = top + math.log(s)
        total += float(sample_weight[i]) * lpn[i]
        for c in range(k):
            r = math.exp(joint[c] - lpn[i])
            resp[i, c] = r
            rw = r * float(sample_weight[i])
            diff = x - means[c]
            N[c] += rw
            S1[c] += rw * diff
            S2[c] += rw * np.outer(diff, diff)
    return lpn, resp, N, S1, S2, total


def binomial_step(X, n_trials, sample_weight, weights, probs, labels=None):
    """E-step and statistics of a binomial mixture with scipy.stats.binom, one row and
    one component at a time. X (n, d); n_trials broadcastable to X; probs (k, d).

    Returns lpn (n,) with binomial coefficients, resp (n, k), N (k,), SX (k, d),
    SN (k, d), and the weighted log-likelihood. A NaN count (missing) is left out of
    its row's likelihood and of the statistics. ``labels``: as in :func:`gmm_step`.
    """
    from scipy.stats import binom

    n, d = X.shape
    k = len(weights)
    nt = np.broadcast_to(n_trials, X.shape)
    lpn = np.empty(n)
    resp = np.empty((n, k))
    N, SX, SN = np.zeros(k), np.zeros((k, d)), np.zeros((k, d))
    total = 0.0
    for i in range(n):
        joint = []
        for c in range(k):
            v = math.log(weights[c]) if weights[c] > 0 else -math.inf
            for f in range(d):
                if not math.isnan(X[i, f]):  # a missing count is left out
                    v += float(binom.logpmf(X[i, f], nt[i, f], probs[c, f]))
            joint.append(v)
        joint = _fix_label(joint, labels, i)
        top = max(joint)
        s = sum(math.exp(v - top) for v in joint)
        lpn[i] = top + math.log(s)
        total += float(sample_weight[i]) * lpn[i]
        for c in range(k):
            r = math.exp(joint[c] - lpn[i])
            resp[i, c] = r
            rw = r * float(sample_weight[i])
            N[c] += rw
            for f in range(d):
                if not math.isnan(X[i, f]):
                    SX[c, f] += rw * X[i, f]
                    SN[c, f] += rw * nt[i, f]
    return lpn, resp, N, SX, SN, total


def gmm_missing_step(X, sample_weight, weights, means, covariances, labels=None):
    """As :func:`gmm_step` for X with NaN where missing, one row at a time by direct
    linear algebra: the marginal density of the observed coordinates (SciPy), the
    conditional mean mu_M + S_MO inv(S_OO) (x_O - mu_O) and covariance S_MM - S_MO
    inv(S_OO) S_OM of the missing ones. Returns lpn, resp, N, S1, S2 (expected
    complete-data statistics centred on ``means``), the weighted log-likelihood, and
    the imputed rows (sum_c resp_c E[x_M | x_O, c]). ``labels``: as in
    :func:`gmm_step`."""
    from scipy.stats import multivariate_normal

    n, d = X.shape
    k = means.shape[0]
    lpn = np.empty(n)
    resp = np.empty((n, k))
    imputed = np.empty((n, d))
    N = np.zeros(k)
    S1 = np.zeros((k, d))
    S2 = np.zeros((k, d, d))
    total = 0.0
    for i in range(n):
        x = np.asarray(X[i], dtype=np.float64)
        O = np.flatnonzero(~np.isnan(x))
        M = np.flatnonzero(np.isnan(x))
        joint, cmeans, ccovs = [], [], []
        for c in range(k):
            S = covariances[c]
            if O.size:
                logpdf = float(multivariate_normal(means[c, O], S[np.ix_(O, O)]).logpdf(
                    x[O]))
                inv = np.linalg.inv(S[np.ix_(O, O)])
                cm = means[c, M] + S[np.ix_(M, O)] @ inv @ (x[O] - means[c, O])
                cc = S[np.ix_(M, M)] - S[np.ix_(M, O)] @ inv @ S[np.ix_(O, M)]
            else:
                logpdf = 0.0
                cm, cc = means[c].copy(), S.copy()
            joint.append(math.log(weights[c]) + logpdf)
            cmeans.append(cm)
            ccovs.append(cc)
        joint = _fix_label(joint, labels, i)
        top = max(joint)
        lpn[i] = top + math.log(sum(math.exp(v - top) for v in joint))
        total += float(sample_weight[i]) * lpn[i]
        imputed[i] = x
        imputed[i, M] = 0.0
        for c in range(k):
            r = math.exp(joint[c] - lpn[i])
            resp[i, c] = r
            imputed[i, M] += r * cmeans[c]
            full = x.copy()
            full[M] = cmeans[c]
            diff = full - means[c]
            extra = np.zeros((d, d))
            extra[np.ix_(M, M)] = ccovs[c]
            rw = r * float(sample_weight[i])
            N[c] += rw
            S1[c] += rw * diff
            S2[c] += rw * (np.outer(diff, diff) + extra)
    return lpn, resp, N, S1, S2, total, imputed
