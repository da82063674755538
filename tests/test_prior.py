"""GaussianMixture(prior="default"): mclust's conjugate prior and the MAP M-step
(Fraley & Raftery 2007), against R's mclust 6.0.0 (numbers recorded below), and its
checks."""

import warnings

import numpy as np
import pytest

import fastem
from fastem import GaussianMixture, ModelSelection
from fastem.datasets import load_faithful
from fastem.gaussian_mixture import default_prior, m_step

# R: mstep(data = faithful, modelName = m, z = z, prior = priorControl()), z below; the
# means (3 x 2, by component) and the covariances (full for VVV and EEE, the
# diagonals otherwise), by component
R_MEANS = [2.03240536256, 53.3982290938, 4.34372350554, 81.9545083564, 3.71911411626,
           71.7714849426]
R_MSTEP = {
    "full": [0.085787015636, 0.448434896106, 0.448434896106, 23.9638496546,
             0.146552447285, 0.444896364364, 0.444896364364, 23.7423539664,
             0.700155443604, 3.8126192045, 3.8126192045, 32.6038301196],  # VVV
    "tied": [0.250554808745, 1.16595156741, 1.16595156741, 26.4812522679],  # EEE
    "diag": [0.414358855124, 23.8929033825, 0.366938594343, 23.693273251,
             1.21989977391, 32.6373380103],  # VVI
    "spherical": [12.3855085841, 12.1809266917, 17.5453559159],  # VII
    "tied_diag": [0.36029615683, 26.4666419059],  # EEI (its means differ a little)
}
# EII: mclust gives 13.4466331538, the scatter over the degrees of freedom without the
# prior's scale; the posterior mode adds the scale (see the README)


def _fixed_responsibilities(X):
    c = np.array([[2.0, 55.0], [4.3, 80.0], [3.5, 70.0]])
    d2 = ((X[:, None, :] - c[None]) ** 2).sum(-1) / 50.0
    z = np.exp(-(d2 - d2.min(axis=1, keepdims=True)))
    return z / z.sum(axis=1, keepdims=True)


def _statistics(X, z, covariance_type):
    N = z.sum(axis=0)
    centers = (z.T @ X) / N[:, None]
    if covariance_type in ("full", "tied"):
        S2 = np.stack([(z[:, k, None] * (X - centers[k])).T @ (X - centers[k])
                       for k in range(z.shape[1])])
    else:
        S2 = np.stack([z[:, k] @ (X - centers[k]) ** 2 for k in range(z.shape[1])])
    return N, np.zeros_like(centers), S2, centers


@pytest.mark.parametrize("covariance_type", list(R_MSTEP))
def test_map_m_step_is_mclusts(covariance_type):
    X = load_faithful()
    z = _fixed_responsibilities(X)
    prior = default_prior(X, np.ones(len(X)), 3, covariance_type)
    _, means, cov = m_step(*_statistics(X, z, covariance_type), covariance_type, 0.0, 0.0,
                           prior=prior)
    if covariance_type != "tied_diag":
        np.testing.assert_allclose(means.ravel(), R_MEANS, rtol=1e-10)
    want = np.array(R_MSTEP[covariance_type])
    got = np.ravel(cov) if covariance_type in ("full", "tied", "diag") else np.ravel(cov)
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_default_prior_is_mclusts():
    X = load_faithful()
    p = default_prior(X, np.ones(len(X)), 3, "full")
    np.testing.assert_allclose(p["mean"], X.mean(axis=0))
    np.testing.assert_allclose(p["scale"], np.cov(X.T) * (1 / 3) ** (2 / 2))
    assert p["shrinkage"] == 0.01 and p["dof"] == 4.0
    q = default_prior(X, np.ones(len(X)), 3, "diag")
    assert q["scale"] == pytest.approx(np.trace(np.cov(X.T)) / 3 / 2)
    one = default_prior(X[:, :1], np.ones(len(X)), 4, "full")  # one feature: var / G^2
    assert one["scale"] == pytest.approx(X[:, 0].var(ddof=1) / 16) and one["dof"] == 3.0


# R: Mclust(faithful, G, modelNames = m, prior = priorControl())$loglik
R_MAP_LOGLIK = {("tied", 2): -1140.26094487, ("tied", 3): -1126.4427098,
                ("full", 2): -1130.51114832, ("spherical", 3): -1637.52795278}


def test_map_fits_reach_mclusts_modes():
    X = load_faithful()
    for (ct, k), loglik in R_MAP_LOGLIK.items():
        gm = GaussianMixture(k, covariance_type=ct, prior="default", n_init=5, tol=1e-10,
                             max_iter=5000, reg_covar=0.0, random_state=0).fit(X)
        got = gm.score(X) * len(X)
        assert got >= loglik - 0.03, (ct, k)
        assert gm.bic(X) == pytest.approx(-2 * got + gm._n_parameters() * np.log(len(X)))
        assert "shrinkage" in gm.prior_params_


def test_model_selection_with_the_prior_chooses_mclusts_model():
    X = load_faithful()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ms = ModelSelection(GaussianMixture(prior="default", n_init=3, random_state=0)).fit(X)
    assert ms.best_params_ == {"n_components": 3, "covariance_type": "tied"}  # EEE,3


def test_prior_keeps_a_component_off_two_points():
    rng = np.random.default_rng(4)
    X = np.vstack([rng.normal(0, 1, (150, 2)), rng.normal(8, 1, (150, 2)),
                   [[40.0, 40.0], [40.0, 40.001]]])
    means = np.array([[0.0, 0.0], [8.0, 8.0], [40.0, 40.0]])
    with pytest.warns(fastem.DegenerateComponentWarning, match="reg_covar floor"):
        ml = GaussianMixture(3, means_init=means).fit(X)
    # still two points (and said so), but no longer at the floor
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gm = GaussianMixture(3, means_init=means, prior="default").fit(X)
    text = " ".join(str(w.message) for w in caught)
    assert "2.000 effective points" in text and "floor" not in text
    # the prior's scale keeps the two-point component's variances far above the floor
    assert np.linalg.eigvalsh(gm.covariances_[2]).min() > 100 * np.linalg.eigvalsh(
        ml.covariances_[2]).min()


def test_integer_weights_count_as_repeated_rows_under_the_prior():
    X = load_faithful()
    w = np.random.default_rng(0).integers(1, 4, size=len(X))
    kw = dict(covariance_type="tied", prior="default", random_state=0, tol=1e-10,
              max_iter=500, means_init=X[[0, 1, 2]])
    a = GaussianMixture(3, **kw).fit(X, sample_weight=w.astype(float))
    b = GaussianMixture(3, **kw).fit(np.repeat(X, w, axis=0))
    np.testing.assert_allclose(a.means_, b.means_, rtol=1e-6)
    np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-6)


def test_one_feature_models_agree():
    x = np.concatenate([np.random.default_rng(1).normal(0, 1, 300),
                        np.random.default_rng(2).normal(5, 2, 200)])
    fits = {ct: GaussianMixture(2, covariance_type=ct, prior="default", tol=1e-10,
                                max_iter=1000, means_init=[[0.0], [5.0]]).fit(x)
            for ct in fastem.gaussian_mixture.COVARIANCE_TYPES}
    for group in (("full", "diag", "spherical"), ("tied", "tied_diag", "tied_spherical")):
        ref = fits[group[0]]
        for ct in group[1:]:
            assert fits[ct].score(x) == pytest.approx(ref.score(x), rel=1e-9), ct


def test_prior_arguments_are_checked():
    X = load_faithful()
    with pytest.raises(ValueError, match="prior"):
        GaussianMixture(2, prior="mclust").fit(X)
    with pytest.raises(TypeError, match="prior"):
        GaussianMixture(2, prior=3).fit(X)
    with pytest.raises(ValueError, match="unknown key 'strength'"):
        GaussianMixture(2, prior={"strength": 1}).fit(X)
    with pytest.raises(ValueError, match=r"prior\['mean'\]"):
        GaussianMixture(2, prior={"mean": [1.0]}).fit(X)
    with pytest.raises(ValueError, match=r"prior\['scale'\]"):
        GaussianMixture(2, prior={"scale": 1.0}).fit(X)
    with pytest.raises(ValueError, match="partial_fit"):
        GaussianMixture(2, prior="default").partial_fit(X)
    gm = GaussianMixture(2, prior={"shrinkage": 0.5, "dof": 10}).fit(X)
    assert gm.prior_params_["shrinkage"] == 0.5 and gm.prior_params_["dof"] == 10.0
    assert not hasattr(GaussianMixture(2).fit(X), "prior_params_")
