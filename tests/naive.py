"""Slow, obviously correct versions of fastem's kernels: the oracles of the tests.

Plain Python loops over rows, clusters and features, in float64; no vectorisation
tricks, no chunks.
"""

import math

import numpy as np


def kmeans_step(X, sample_weight, centers):
    """Assign every row to its nearest centre (first one on ties) and accumulate
    weighted sums, weights and inertia.

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
