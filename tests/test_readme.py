"""The README's examples and examples/chunked_em.py run as written."""

import pathlib
import re
import runpy

import numpy as np
import pytest

from conftest import quiet

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _python_blocks(section):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {section}")
    end = text.find("\n## ", start + 3)
    body = text[start:end if end > 0 else None]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_scaling_section_runs():
    blocks = _python_blocks("Scaling")
    assert len(blocks) == 3
    by_hand, on_dask, streaming = blocks
    scope = {}
    with quiet():
        exec(compile(by_hand, "README:by-hand", "exec"), scope)
    gm = scope["gm"]
    # three well-separated clusters 5 apart: EM by hand finds them
    np.testing.assert_allclose(np.sort(gm.means_[:, 0]), [0.0, 5.0, 10.0], atol=0.05)
    assert gm.n_iter_ >= 2
    scope = {}
    with quiet():
        exec(compile(streaming, "README:streaming", "exec"), scope)
    assert scope["km"].n_steps_ == 50 and scope["gm"].n_steps_ == 50
    np.testing.assert_allclose(np.sort(scope["km"].cluster_centers_[:, 0]),
                               [0.0, 4.0, 8.0, 12.0], atol=0.2)
    pytest.importorskip("distributed")
    scope = {"__name__": "__main__"}
    with quiet():
        exec(compile(on_dask, "README:dask", "exec"), scope)
    assert scope["km"].cluster_centers_.shape == (8, 4)
    # standard normal data: the mean log-density of 4 features is near -4 * 1.419
    assert scope["log_density"] == pytest.approx(-4 * 0.5 * np.log(2 * np.pi * np.e),
                                                 abs=0.05)


def test_chunked_em_example_matches_the_in_memory_fit():
    module = runpy.run_path(str(ROOT / "examples" / "chunked_em.py"))
    with quiet():
        gm, ref = module["main"]()
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(gm, name), getattr(ref, name), rtol=1e-7)


def _all_python_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for match in re.finditer(r"```python\n(.*?)```", text, flags=re.S):
        line = text[:match.start()].count("\n") + 2
        out.append(pytest.param(match.group(1), id=f"line{line}"))
    return out


@pytest.mark.parametrize("block", _all_python_blocks())
def test_every_readme_block_runs_as_a_script(block, tmp_path):
    # pasted into a file and run as it is, in a new process: every block is complete
    # (no undefined names), needs no __main__ trick it does not show, and raises no
    # warning of fastem's (FastEMWarning is a UserWarning: errors here)
    import os
    import subprocess
    import sys

    if "dask" in block:
        pytest.importorskip("distributed")
    if "plotting" in block:
        pytest.importorskip("matplotlib")
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg")
    cmd = [sys.executable, "-W", "error::UserWarning", "-W", "error::RuntimeWarning",
           # the numba-disabled leg: the fallback's own notice is expected there
           "-W", "ignore:numba is not available", str(script)]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_readme_families_of_twelve_do_not_depend_on_the_seed():
    # the example's settings reach the same maximum-likelihood fit from any start;
    # the direct optimum (Nelder-Mead on the observed-data likelihood) is about
    # weight 0.720 on p = 0.4814 and 0.280 on p = 0.6164
    import fastem

    boys = np.arange(13)
    families = [3, 24, 104, 286, 670, 1033, 1343, 1112, 829, 478, 181, 45, 7]
    for seed in range(6):
        bm = fastem.BinomialMixture(2, n_trials=12, tol=1e-12, max_iter=100_000,
                                    random_state=seed).fit(boys, sample_weight=families)
        order = np.argsort(bm.probs_)
        assert bm.converged_
        np.testing.assert_allclose(bm.probs_[order], [0.4814, 0.6164], atol=5e-4)
        np.testing.assert_allclose(bm.weights_[order], [0.720, 0.280], atol=3e-3)


def test_missing_values_section_says_what_its_example_does():
    (block,) = _python_blocks("Missing values")
    scope = {}
    with quiet():
        exec(compile(block, "README:missing", "exec"), scope)
    X, gm, cc, filled = scope["X"], scope["gm"], scope["cc"], scope["filled"]
    assert np.isnan(X).sum(axis=0).tolist() == [37, 7, 0, 0]
    assert np.isnan(X).any(axis=1).sum() == 42
    assert (~np.isnan(X).any(axis=1)).sum() == 111
    # "the two fits are close": the largest gap, solar radiation of the low-ozone
    # component, 82.5 against 73.4
    low, cc_low = np.argmin(gm.means_[:, 0]), np.argmin(cc.means_[:, 0])
    order, cc_order = np.argsort(gm.means_[:, 0]), np.argsort(cc.means_[:, 0])
    gap = np.abs(gm.means_[order] / cc.means_[cc_order] - 1)
    assert np.unravel_index(np.argmax(gap), gap.shape) == (0, 1) and gap.max() < 0.13
    assert round(gm.means_[low, 1], 1) == 82.5 and round(cc.means_[cc_low, 1], 1) == 73.4
    # "two days are imputed below 0"
    assert int((filled[:, 0] < 0).sum()) == 2


def test_labels_section_says_what_its_example_does():
    from fastem import GaussianMixture

    (block,) = _python_blocks("Partial labels")
    scope = {}
    with quiet():
        exec(compile(block, "README:labels", "exec"), scope)
    X, y, species = scope["X"], scope["y"], scope["species"]
    assert round((scope["gm"].predict(X) == species).mean(), 3) == 0.967
    assert round((scope["km"].labels_ == species).mean(), 2) == 0.90
    assert scope["sup"].n_iter_ == 1
    np.testing.assert_allclose(scope["sup"].weights_, [1 / 3] * 3, rtol=1e-12)
    np.testing.assert_array_equal(scope["bm"].probs_, [0.8, 0.5])
    assert scope["bm"].weights_.round(2).tolist() == [0.53, 0.47]
    assert scope["eq"].bic(X) < scope["gm"].bic(X)
    assert scope["gm"]._n_parameters() - scope["eq"]._n_parameters() == 2
    # "the unsupervised fit reaches the same 96.7% only after its components are
    # matched"; tied_diag: 90.7% (best matching) against 94.7%
    from itertools import permutations

    def best(pred):
        return max(np.mean(np.array(p)[pred] == species) for p in permutations(range(3)))

    plain = GaussianMixture(3, random_state=0).fit(X).predict(X)
    assert round(best(plain), 3) == 0.967
    td = dict(covariance_type="tied_diag", random_state=0)
    assert round(best(GaussianMixture(3, **td).fit(X).predict(X)), 3) == 0.907
    assert round((GaussianMixture(3, **td).fit(X, labels=y).predict(X) == species).mean(),
                 3) == 0.947
