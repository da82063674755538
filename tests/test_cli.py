"""The ``fastem`` command line, through a subprocess."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastem
import fastem.datasets  # noqa: F401  (fastem.datasets is a submodule, loaded on demand)
from fastem._bench import scipy_binomial_em


def _fastem(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "fastem", *args], capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ))


def test_no_command_prints_help():
    res = _fastem()
    assert res.returncode == 2
    assert "bench" in res.stdout


def test_bench_quick_runs_a_case():
    res = _fastem("bench", "--quick", "--only", "gmm-1d-3000", "binomial-1e6-n10-k2-distinct")
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith(("gmm-1d-3000",
                                                                    "binomial-1e6"))]
    assert len(lines) == 2
    for line in lines:
        ratio = float(line.split()[4].rstrip("x"))
        assert ratio > 0
    assert "machine:" in res.stdout and "numba" in res.stdout


def test_scipy_baseline_is_the_same_em():
    # the bench compares like with like: the SciPy EM reaches fastem's parameters
    rng = np.random.default_rng(0)
    x = rng.binomial(10, np.where(rng.integers(2, size=2000) == 0, 0.6, 0.2))
    probs, weights = scipy_binomial_em(x.astype(float), 10.0, np.array([0.4, 0.5]),
                                       np.array([0.5, 0.5]), 25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastem.ConvergenceWarning)
        bm = fastem.BinomialMixture(2, n_trials=10, probs_init=[0.4, 0.5], max_iter=25,
                                    tol=0).fit(x)
    np.testing.assert_allclose(bm.probs_, probs, rtol=1e-9)
    np.testing.assert_allclose(bm.weights_, weights, rtol=1e-9)


# ------------------------------------------------------------------------ demo

def test_demo_recovers_everything_and_writes_real_pictures(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.image

    res = _fastem("demo", "--plots", str(tmp_path), "--seed", "0")
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("recovered") == 3 and "NOT recovered" not in res.stdout
    assert "(0.713, 0.581)   textbook (0.713, 0.581)" in res.stdout
    assert "(0.797, 0.520)   textbook (0.797, 0.520)" in res.stdout
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    for example in ("kmeans", "coins", "gmm"):
        assert any(name.startswith(example) for name in pngs), pngs
    for name in pngs:
        img = matplotlib.image.imread(tmp_path / name)
        assert img.shape[0] > 200 and img.shape[1] > 300
        colours = np.unique(img.reshape(-1, img.shape[-1])[::7], axis=0)
        assert len(colours) > 20, f"{name} looks blank"


# ------------------------------------------------------------------------- fit

@pytest.fixture
def blob_files(tmp_path):
    X, _, _ = fastem.datasets.make_blobs(random_state=3)
    csv = tmp_path / "blobs.csv"
    csv.write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in X))
    tsv = tmp_path / "blobs.tsv"
    tsv.write_text("\n".join(f"{a}\t{b}" for a, b in X))
    npy = tmp_path / "blobs.npy"
    np.save(npy, X)
    return X, {"csv": csv, "tsv": tsv, "npy": npy}


@pytest.mark.parametrize("kind", ["csv", "tsv", "npy"])
def test_fit_kmeans_json_matches_the_library(blob_files, kind):
    import json

    X, files = blob_files
    res = _fastem("fit", str(files[kind]), "--model", "kmeans", "-k", "3", "--json",
                  "--seed", "5")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    km = fastem.KMeans(3, random_state=5).fit(X)
    np.testing.assert_allclose(out["cluster_centers"], km.cluster_centers_, rtol=1e-12)
    assert out["inertia"] == pytest.approx(km.inertia_, rel=1e-12)
    assert out["n_samples"] == 600 and sum(out["cluster_sizes"]) == 600
    assert out["columns"] == (["x", "y"] if kind == "csv" else ["0", "1"])


def test_fit_gmm_table_and_verbose(blob_files):
    X, files = blob_files
    res = _fastem("fit", str(files["csv"]), "--model", "gmm", "-k", "3",
                  "--covariance-type", "diag", "-v")
    assert res.returncode == 0, res.stderr
    gm = fastem.GaussianMixture(3, covariance_type="diag", random_state=0).fit(X)
    assert f"mean log-likelihood {gm.lower_bound_:.6g}" in res.stdout
    rows = [ln.split() for ln in res.stdout.splitlines() if ln.strip()[:1].isdigit()]
    assert len(rows) == 3
    weights = sorted(float(r[1]) for r in rows)
    np.testing.assert_allclose(weights, np.sort(gm.weights_), atol=1e-4)
    assert res.stderr.count("Iteration") == gm.n_iter_  # progress on stderr


def test_fit_binomial_with_trials_column(tmp_path):
    import json

    heads, _ = fastem.datasets.make_coin_trials((0.6, 0.2), 10, 500, random_state=0)
    path = tmp_path / "coins.csv"
    path.write_text("heads,tosses\n" + "\n".join(f"{h},10" for h in heads))
    res = _fastem("fit", str(path), "--model", "binomial", "-k", "2", "--n-init", "5",
                  "--n-trials-column", "tosses", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    bm = fastem.BinomialMixture(2, n_trials=10, n_init=5, random_state=0).fit(heads)
    np.testing.assert_allclose(np.ravel(out["probs"]), bm.probs_, rtol=1e-10)
    assert out["columns"] == ["heads"]
    table = _fastem("fit", str(path), "--model", "binomial", "-k", "2", "--n-trials", "10",
                    "--columns", "heads")
    assert table.returncode == 0 and "p heads" in table.stdout


@pytest.mark.parametrize("content,args,message", [
    (None, [], "no such file"),
    ("", [], "the file is empty"),
    ("a,b\n1,2\n3,x\n", [], "line 3, column 'b': 'x' is not a number"),
    ("a,b\n1,2\n3\n", [], "line 3 has 1 fields, expected 2"),
    ("a,b\n1,2\n3,4\n", ["--columns", "c"], "no column 'c'"),
    ("a,b\n1,2\n3,4\n", ["-k", "5"], "n_samples=2 should be >= n_clusters=5"),
    ("a,b\n1,2\n3,4\n", ["--model", "binomial"], "needs --n-trials"),
    ("a,b\n1,2\n3,4\n", ["--model", "gmm", "--n-trials-column", "a"], "for --model binomial"),
    ("a,b\n1,2\n3,4\n", ["--model", "nope"], "invalid choice"),
])
def test_fit_errors_are_one_line(tmp_path, content, args, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    base = ["fit", str(path)]
    if "--model" not in args:
        base += ["--model", "kmeans"]
    if "-k" not in args:
        base += ["-k", "2"]
    res = _fastem(*base, *args)
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], res.stderr


def test_fit_bad_npy_and_unknown_type(tmp_path):
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not numpy")
    res = _fastem("fit", str(bad), "--model", "kmeans", "-k", "2")
    assert res.returncode == 1 and "not a readable .npy file" in res.stderr
    other = tmp_path / "data.xlsx"
    other.write_text("1,2")
    res = _fastem("fit", str(other), "--model", "kmeans", "-k", "2")
    assert res.returncode == 1 and "unknown file type .xlsx" in res.stderr
