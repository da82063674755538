"""covariance_type="tied_diag" (one diagonal covariance for every component, mclust's
EEI) and "tied_spherical" (one variance for every component, EII): EM against the
naive loop, against the existing types where they coincide, against R's mclust on
Old Faithful, and their shapes, counts and draws."""

import numpy as np
import pytest

from conftest import quiet
from naive import gmm_step

from fastem import GaussianMixture
from fastem.datasets import load_faithful
from fastem.gaussian_mixture import component_covariance, n_parameters

SHARED = ["tied_diag", "tied_spherical"]


def _naive_em(X, w, weights, means, cov, covariance_type, n_iter, reg=1e-6):
    """EM by the naive E-step (scipy, one row at a time) and the textbook M-step of a
    shared diagonal (or scalar) covariance: the within-component weighted squared
    deviations about the new means, pooled over the components, over the weight."""
    k, d = means.shape
    for _ in range(n_iter):
        full = np.stack([component_covariance(cov, covariance_type, j, d) for j in range(k)])
        _, resp, _, _, _, _ = gmm_step(X, w, weights, means, full)
        rw = resp * w[:, None]
        Nk = rw.sum(axis=0)
        weights = Nk / Nk.sum()
        means = (rw.T @ X) / Nk[:, None]
        pooled = sum((rw[:, j, None] * (X - means[j]) ** 2).sum(axis=0)
                     for j in range(k)) / Nk.sum()
        cov = pooled + reg if covariance_type == "tied_diag" else np.asarray(pooled.mean() + reg)
    return weights, means, cov


@pytest.mark.parametrize("covariance_type", SHARED)
def test_em_steps_equal_the_naive_loop(backend, covariance_type):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal([0, 0, 0], [1, 2, 0.5], (150, 3)),
                   rng.normal([4, -3, 1], [1, 2, 0.5], (120, 3))])
    w = rng.uniform(0.3, 2.0, len(X))
    means0 = X[[0, 200]].copy()
    prec0 = np.ones(3) if covariance_type == "tied_diag" else np.asarray(1.0)
    gm = GaussianMixture(2, covariance_type=covariance_type, weights_init=[0.5, 0.5],
                         means_init=means0, precisions_init=prec0, max_iter=6, tol=0,
                         backend=backend)
    with quiet():
        gm.fit(X, sample_weight=w)
    weights, means, cov = _naive_em(X, w, np.array([0.5, 0.5]), means0, 1.0 / prec0,
                                    covariance_type, 6)
    np.testing.assert_allclose(gm.weights_, weights, rtol=1e-9)
    np.testing.assert_allclose(gm.means_, means, rtol=1e-9)
    np.testing.assert_allclose(gm.covariances_, cov, rtol=1e-9)
    assert np.shape(gm.covariances_) == ((3,) if covariance_type == "tied_diag" else ())
    np.testing.assert_allclose(gm.precisions_, 1.0 / cov, rtol=1e-9)


@pytest.mark.parametrize("shared,own", [("tied_diag", "diag"), ("tied_spherical", "spherical")])
def test_one_component_is_the_unshared_type(shared, own):
    X = load_faithful()
    a = GaussianMixture(1, covariance_type=shared).fit(X)
    b = GaussianMixture(1, covariance_type=own).fit(X)
    np.testing.assert_allclose(np.ravel(a.covariances_), np.ravel(b.covariances_), rtol=1e-12)
    assert a.score(X) == pytest.approx(b.score(X), rel=1e-12)
    assert a._n_parameters() == b._n_parameters()


def test_one_feature_is_tied():
    x = np.concatenate([np.random.default_rng(1).normal(0, 1, 300),
                        np.random.default_rng(2).normal(5, 1, 200)])
    fits = {ct: GaussianMixture(2, covariance_type=ct, random_state=0).fit(x)
            for ct in ("tied", "tied_diag", "tied_spherical")}
    for ct in ("tied_diag", "tied_spherical"):
        assert fits[ct].score(x) == pytest.approx(fits["tied"].score(x), rel=1e-9)
        assert float(np.ravel(fits[ct].covariances_)[0]) == pytest.approx(
            float(fits["tied"].covariances_[0, 0]), rel=1e-7)


# mclust 6.0.0, Mclust(faithful, G = g, modelNames = m): log-likelihood and df
MCLUST_EEI = {1: (-1516.705827, 4), 2: (-1157.680015, 7), 3: (-1133.478195, 10)}
MCLUST_EII = {1: (-2003.952037, 3), 2: (-1709.681820, 6), 3: (-1663.624563, 9)}


@pytest.mark.parametrize("covariance_type,table", [("tied_diag", MCLUST_EEI),
                                                   ("tied_spherical", MCLUST_EII)])
def test_faithful_against_mclust(covariance_type, table):
    X = load_faithful()
    for k, (loglik, df) in table.items():
        with quiet():
            gm = GaussianMixture(k, covariance_type=covariance_type, n_init=3, tol=1e-8,
                                 max_iter=1000, random_state=0).fit(X)
        assert gm.score(X) * len(X) >= loglik - 1e-3  # other starts may find more
        assert gm._n_parameters() == df == n_parameters(covariance_type, k, 2)


@pytest.mark.parametrize("covariance_type", SHARED)
def test_sample_precisions_init_and_partial_fit(covariance_type):
    X = load_faithful()
    gm = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    draws, labels = gm.sample(20_000)
    for j in range(2):
        spread = draws[labels == j].var(axis=0)
        want = np.diag(component_covariance(gm.covariances_, covariance_type, j, 2))
        np.testing.assert_allclose(spread, want, rtol=0.1)
    shape = (2,) if covariance_type == "tied_diag" else ()
    with pytest.raises(ValueError, match=r"precisions_init.*shape"):
        GaussianMixture(2, covariance_type=covariance_type,
                        precisions_init=np.ones((2, 2))).fit(X)
    ok = GaussianMixture(2, covariance_type=covariance_type, precisions_init=np.ones(shape))
    assert ok.fit(X).converged_
    streamed = GaussianMixture(2, covariance_type=covariance_type, random_state=0)
    for part in np.array_split(X, 4):
        streamed.partial_fit(part)
    assert np.shape(streamed.covariances_) == shape and np.all(streamed.covariances_ > 0)
