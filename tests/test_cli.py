"""The ``fastem`` command line, through a subprocess."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastem
import fastem.datasets  # noqa: F401  (fastem.datasets is a submodule, loaded on demand)
from fastem.commands.bench import scipy_binomial_em


def _fastem(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "fastem", *args], capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ))


def _strict_json(text):
    """json.loads that refuses the non-standard NaN, Infinity and -Infinity."""
    def refuse(token):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


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


def test_bench_grid_covers_the_rounds_shapes_and_summarises_them():
    from fastem.commands.bench import GRID_GMM, GRID_KMEANS, grid_cases

    cases = grid_cases()
    ds = {c[4] for c in cases if c[2] == "kmeans"}
    assert min(ds) == 2 and max(ds) == 128
    assert {c[5] for c in cases if c[2] == "kmeans"} == {3, 16, 64, 256}
    assert {c[0] for c in cases} == {"kmeans", "gmm-full", "gmm-tied", "gmm-diag",
                                     "gmm-spherical"}
    assert len(cases) == len(GRID_KMEANS) + 4 * len(GRID_GMM) - 2 * 5
    res = _fastem("bench", "--grid", "--quick", "--only", "kmeans-d3-k3", "gmm-diag-d2-k2")
    assert res.returncode == 0, res.stderr
    rows = [ln.split() for ln in res.stdout.splitlines()
            if ln.startswith(("kmeans ", "gmm-diag "))]
    assert [r[0] for r in rows] == ["kmeans", "gmm-diag"]
    for row in rows:
        assert row[1] == "1" and float(row[2].rstrip("x")) > 0


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
    X, files = blob_files
    res = _fastem("fit", str(files[kind]), "--model", "kmeans", "-k", "3", "--json",
                  "--seed", "5")
    assert res.returncode == 0, res.stderr
    out = _strict_json(res.stdout)
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
    heads, _ = fastem.datasets.make_coin_trials((0.6, 0.2), 10, 500, random_state=0)
    path = tmp_path / "coins.csv"
    path.write_text("heads,tosses\n" + "\n".join(f"{h},10" for h in heads))
    res = _fastem("fit", str(path), "--model", "binomial", "-k", "2", "--n-init", "5",
                  "--n-trials-column", "tosses", "--json")
    assert res.returncode == 0, res.stderr
    out = _strict_json(res.stdout)
    bm = fastem.BinomialMixture(2, n_trials=10, n_init=5, random_state=0).fit(heads)
    np.testing.assert_allclose(np.ravel(out["probs"]), bm.probs_, rtol=1e-10)
    assert out["columns"] == ["heads"]
    table = _fastem("fit", str(path), "--model", "binomial", "-k", "2", "--n-trials", "10",
                    "--columns", "heads")
    assert table.returncode == 0 and "p heads" in table.stdout


OK = "a,b\n1,2\n3,4\n"


@pytest.mark.parametrize("content,args,status,message", [
    # 1: the run failed (the file, its contents, the fit)
    (None, [], 1, "no such file"),
    ("", [], 1, "the file is empty"),
    ("a,b\n1,2\n3,x\n", [], 1, "line 3, column 'b': 'x' is not a number"),
    ("a,b\n1,2\n3\n", [], 1, "line 3 has 1 fields, expected 2"),
    # line numbers are physical lines: blank lines and the header count
    ("a,b\n\n1,2\n\n\n3,x\n", [], 1, "line 6, column 'b': 'x' is not a number"),
    ("\n\na,b\n1,2\n   \n3\n", [], 1, "line 6 has 1 fields, expected 2"),
    ("a,b\r\n\r\n1,2\r\n3,x\r\n", [], 1, "line 4, column 'b': 'x' is not a number"),
    ('a,b\n"1\n",2\n3,x\n', [], 1, "line 4, column 'b': 'x' is not a number"),
    (OK, ["--columns", "c"], 1, "no column 'c'"),
    (OK, ["-k", "5"], 1, "n_samples=2 should be >= n_clusters=5"),
    # 2: usage errors, found by argparse or by fastem, with the same prefix
    (OK, ["--model", "binomial"], 2, "needs --n-trials"),
    (OK, ["--model", "gmm", "--n-trials-column", "a"], 2,
     "--n-trials-column is for --model binomial"),
    (OK, ["--n-trials-column", "a"], 2, "--n-trials-column is for --model binomial"),
    (OK, ["--n-trials", "10"], 2, "--n-trials is for --model binomial"),
    (OK, ["--model", "gmm", "--n-trials", "10"], 2, "--n-trials is for --model binomial"),
    (OK, ["--covariance-type", "diag"], 2, "--covariance-type is for --model gmm"),
    (OK, ["--covariance-type", "full"], 2, "--covariance-type is for --model gmm"),
    (OK, ["--model", "binomial", "--covariance-type", "full", "--n-trials", "4"], 2,
     "--covariance-type is for --model gmm"),
    (OK, ["--model", "nope"], 2, "argument --model: invalid choice: 'nope'"),
    (OK, ["-k", "0"], 2, "argument -k: counts must be at least 1, got '0'"),
    (OK, ["-k", "two"], 2, "argument -k: invalid value 'two'"),
    (OK, ["--model", "binomial", "--n-trials", "4", "--n-trials-column", "a"], 2,
     "not allowed with argument"),
    (None, ["--model", "kmeans", "--n-trials", "4"], 2, "--n-trials is for --model binomial"),
])
def test_fit_errors_are_one_line(tmp_path, content, args, status, message):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_bytes(content.encode())  # as written: no newline translation
    base = ["fit", str(path)]
    if "--model" not in args:
        base += ["--model", "kmeans"]
    if "-k" not in args:
        base += ["-k", "2"]
    res = _fastem(*base, *args)
    assert res.returncode == status, res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("fastem: error: ") and message in lines[0], res.stderr


@pytest.mark.parametrize("args,message", [
    (["fit"], "fastem: error: the following arguments are required: file, --model, -k"),
    (["nope"], "fastem: error: argument COMMAND: invalid choice: 'nope'"),
    (["demo", "--seed", "x"], "fastem: error: argument --seed: invalid int value: 'x'"),
])
def test_usage_errors_have_the_same_format_and_status_2(args, message):
    res = _fastem(*args)
    assert res.returncode == 2
    assert res.stderr.startswith(message) and res.stderr.count("\n") == 1, res.stderr


def test_fit_json_is_standard_json_with_null_for_non_finite(tmp_path, monkeypatch, capsys):
    # a real fit rarely ends with inf or NaN in its parameters, so the fitted model is
    # given some here; the command is run in-process to see what --json makes of them
    from fastem.commands import cli

    class KMeans(fastem.KMeans):
        def fit(self, X, *args, **kwargs):
            super().fit(X, *args, **kwargs)
            self.inertia_ = np.inf
            self.cluster_centers_ = self.cluster_centers_.copy()
            self.cluster_centers_[0, 0] = np.nan
            self.cluster_centers_[1, 1] = -np.inf
            return self

    monkeypatch.setattr(fastem, "KMeans", KMeans)
    path = tmp_path / "data.csv"
    path.write_text("a,b\n0,0\n0,1\n10,10\n10,11\n")
    assert cli.main(["fit", str(path), "--model", "kmeans", "-k", "2", "--json"]) == 0
    text = capsys.readouterr().out
    assert "Infinity" not in text and "NaN" not in text
    out = _strict_json(text)
    assert out["inertia"] is None
    assert out["cluster_centers"][0][0] is None and out["cluster_centers"][1][1] is None
    assert all(isinstance(v, float) for v in (out["cluster_centers"][0][1],
                                              out["cluster_centers"][1][0]))
    assert sorted(out["cluster_sizes"]) == [2, 2] and out["n_samples"] == 4


def test_fit_json_into_a_closed_pipe_exits_quietly(tmp_path):
    # 10 full 30x30 covariances are 9000 numbers, one per line with indent=2: about
    # 280 kB, far more than a pipe holds (64 kB on Linux), so the writer blocks until
    # the pipe is closed and then gets EPIPE. Exit status 141 (not 0) shows it did.
    X = np.random.default_rng(0).normal(size=(400, 30))
    path = tmp_path / "wide.npy"
    np.save(path, X)
    proc = subprocess.Popen([sys.executable, "-m", "fastem", "fit", str(path), "--model",
                             "gmm", "-k", "10", "--max-iter", "2", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ))
    try:
        first = proc.stdout.readline()  # what `| head -1` does
        proc.stdout.close()
        _, stderr = proc.communicate(timeout=600)
    finally:
        proc.kill()
    assert first == b"{\n"
    assert b"Traceback" not in stderr and b"BrokenPipeError" not in stderr, stderr
    # warnings, and the notice of a first call that compiles (or loads the cache) for
    # longer than 2 s, are the only lines allowed on stderr
    assert [ln for ln in stderr.decode().splitlines()
            if not ln.startswith(("fastem: warning: ", "fastem: compiling"))] == []
    assert proc.returncode == 141


def test_fit_bad_npy_and_unknown_type(tmp_path):
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"not numpy")
    res = _fastem("fit", str(bad), "--model", "kmeans", "-k", "2")
    assert res.returncode == 1 and "not a readable .npy file" in res.stderr
    other = tmp_path / "data.xlsx"
    other.write_text("1,2")
    res = _fastem("fit", str(other), "--model", "kmeans", "-k", "2")
    assert res.returncode == 1 and "unknown file type .xlsx" in res.stderr


def test_fit_chooses_k_and_covariance_type_by_bic(tmp_path):
    from fastem.datasets import load_faithful

    X = load_faithful()
    path = tmp_path / "faithful.csv"
    np.savetxt(path, X, delimiter=",", header="eruptions,waiting", comments="")
    res = _fastem("fit", str(path), "--model", "gmm", "-k", "1:4", "--covariance-type",
                  "all", "--n-init", "3")
    assert res.returncode == 0, res.stderr
    want = fastem.ModelSelection(fastem.GaussianMixture(n_init=3, random_state=0),
                                 {"n_components": [1, 2, 3, 4],
                                  "covariance_type": list(fastem.gaussian_mixture
                                                          .COVARIANCE_TYPES)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want.fit(X)
    lines = res.stdout.splitlines()
    assert lines[0].startswith("BIC") and "tied_spherical" in lines[1]
    row3 = [float(v.rstrip("*")) for v in lines[4].split()[1:]]  # k = 3, six types
    np.testing.assert_allclose(row3, want.results_["bic"][12:18], rtol=1e-6)
    assert "chosen: n_components=3, covariance_type=tied" in res.stdout
    res = _fastem("fit", str(path), "--model", "gmm", "-k", "2,3", "--covariance-type",
                  "tied,full", "--criterion", "icl", "--json")
    report = _strict_json(res.stdout)
    sel = report["selection"]
    assert sel["criterion"] == "icl" and len(sel["table"]) == 4
    best = min(sel["table"], key=lambda row: row["icl"])
    assert sel["best"] == {"n_components": best["n_components"],
                           "covariance_type": best["covariance_type"]}
    assert report["n_components"] == best["n_components"]
    assert report["covariance_type"] == best["covariance_type"]


@pytest.mark.parametrize("argv,message", [
    (["--model", "kmeans", "-k", "1:3"], "likelihood criterion"),
    (["--model", "gmm", "-k", "0:3"], "at least 1"),
    (["--model", "gmm", "-k", "a:b"], "invalid value 'a:b'"),
    (["--model", "gmm", "-k", "2", "--covariance-type", "bogus"], "invalid covariance type"),
])
def test_fit_selection_usage_errors(tmp_path, argv, message):
    path = tmp_path / "x.csv"
    np.savetxt(path, np.random.default_rng(0).normal(size=(50, 2)), delimiter=",")
    res = _fastem("fit", str(path), *argv)
    assert res.returncode == 2 and message in res.stderr


@pytest.fixture
def iris_csv(tmp_path):
    """R's iris as write.csv(iris, row.names = FALSE) writes it: a text column."""
    from fastem.datasets import IRIS_SPECIES, load_iris

    X, species = load_iris()
    path = tmp_path / "iris.csv"
    lines = ['"Sepal.Length","Sepal.Width","Petal.Length","Petal.Width","Species"']
    lines += [",".join(f"{v:g}" for v in x) + f',"{IRIS_SPECIES[s]}"'
              for x, s in zip(X, species)]
    path.write_text("\n".join(lines) + "\n")
    return path, X, species


COLUMNS = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]


def test_fit_iris_by_column_name_writes_a_labels_file(iris_csv, tmp_path):
    import csv

    path, X, species = iris_csv
    out = tmp_path / "labels.csv"
    res = _fastem("fit", str(path), "--model", "gmm", "-k", "3", "--columns", *COLUMNS,
                  "--output", str(out), "--keep", "Species", "Sepal.Length")
    assert res.returncode == 0, res.stderr
    # full column names in the table, never cut
    for name in COLUMNS:
        assert f"mean {name}" in res.stdout and f"sd {name}" in res.stdout
    gm = fastem.GaussianMixture(3, random_state=0).fit(X)
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Species", "Sepal.Length", "label", "prob_0", "prob_1", "prob_2",
                       "log_density"]
    body = rows[1:]
    assert len(body) == 150
    assert [r[0] for r in body] == [("setosa", "versicolor", "virginica")[s] for s in species]
    assert [r[1] for r in body] == [f"{v:g}" for v in X[:, 0]]  # as written
    np.testing.assert_array_equal([int(r[2]) for r in body], gm.predict(X))
    np.testing.assert_allclose([[float(v) for v in r[3:6]] for r in body],
                               gm.predict_proba(X), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose([float(r[6]) for r in body], gm.score_samples(X), rtol=1e-12)
    # without --columns the text column is an error that says what to do
    res = _fastem("fit", str(path), "--model", "gmm", "-k", "3")
    assert res.returncode == 1
    assert "column 'Species': 'setosa' is not a number (choose the columns" in res.stderr


def test_fit_reads_stdin_and_writes_rows_to_stdout(iris_csv):
    import csv
    import io

    path, X, _ = iris_csv
    text = path.read_text().replace(",", ";")
    res = subprocess.run([sys.executable, "-m", "fastem", "fit", "-", "--model", "kmeans",
                          "-k", "3", "--delimiter", ";", "--columns", *COLUMNS,
                          "--init", "random", "--tol", "0", "--output", "-"],
                         input=text, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == ["label", "distance"] and len(rows) == 151
    km = fastem.KMeans(3, init="random", tol=0, random_state=0).fit(X)
    np.testing.assert_array_equal([int(r[0]) for r in rows[1:]], km.labels_)
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]],
                               km.transform(X).min(axis=1), rtol=1e-10)
    assert "KMeans with 3 components" in res.stderr  # the report, out of the way


def test_fit_weights_column_tol_init_and_version(tmp_path):
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(5, 1, (100, 2))])
    w = rng.integers(1, 4, 200)
    path = tmp_path / "w.tsv"
    path.write_text("x\ty\tweight\n" + "\n".join(f"{a}\t{b}\t{c}" for (a, b), c in zip(X, w)))
    res = _fastem("fit", str(path), "--model", "gmm", "-k", "2", "--weights-column",
                  "weight", "--init", "random_from_data", "--tol", "1e-8", "--json")
    assert res.returncode == 0, res.stderr
    out = _strict_json(res.stdout)
    gm = fastem.GaussianMixture(2, init_params="random_from_data", tol=1e-8,
                                random_state=0).fit(X, sample_weight=w.astype(float))
    np.testing.assert_allclose(out["means"], gm.means_, rtol=1e-10)
    assert out["columns"] == ["x", "y"]
    res = _fastem("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"fastem {fastem.__version__}"
    for args, message in (
            (["--init", "kmeans"], "--init kmeans is not an initialisation of --model "
                                   "kmeans: choose from k-means++, random"),
            (["--keep", "x"], "--keep chooses the input columns written by --output"),
            (["--tol", "-1"], "argument --tol: must be a finite number >= 0"),
            (["--delimiter", "ab"], "--delimiter must be one character")):
        res = _fastem("fit", str(path), "--model", "kmeans", "-k", "2", *args)
        assert res.returncode == 2 and message in res.stderr, res.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("x,w\n1,1\n2,\n")
    res = _fastem("fit", str(bad), "--model", "kmeans", "-k", "1", "--columns", "x",
                  "--weights-column", "w")
    assert res.returncode == 1
    assert "line 3, column 'w': a missing value ('')" in res.stderr
    assert "the weight cannot be missing" in res.stderr


def test_fit_reads_awkward_real_files(tmp_path):
    import csv
    import io

    def run(content, *args, binary=False, stdin=None):
        path = tmp_path / "f.csv"
        if content is not None:
            path.write_bytes(content if binary else content.encode())
        argv = [sys.executable, "-m", "fastem", "fit", "-" if stdin else str(path), *args]
        return subprocess.run(argv, input=stdin, capture_output=True, timeout=600)

    # one column, as pandas writes a NaN: the empty cell is a row, not a blank line
    res = run('x\n1.0\n""\n3.0\n', "--model", "gmm", "-k", "1")
    assert res.returncode == 1 and b"line 3, column 'x': a missing value" in res.stderr
    res = run('x\n1.0\n""\n3.0\n', "--model", "gmm", "-k", "1", "--missing", "em",
              "--output", "-")
    assert res.returncode == 0 and len(res.stdout.decode().splitlines()) == 4
    # no header, a text column: every row is data
    res = run("a,1.0,2.0\nb,1.5,2.5\nc,8.0,9.0\nd,8.5,9.5\n", "--model", "kmeans", "-k", "2",
              "--columns", "1", "2", "--keep", "0", "--output", "-")
    rows = list(csv.reader(io.StringIO(res.stdout.decode())))
    assert rows[0] == ["0", "label", "distance"] and [r[0] for r in rows[1:]] == list("abcd")
    res = run("x,y\n1,2\n3,4\n5,6\n", "--model", "kmeans", "-k", "2", "--header", "no",
              "--columns", "0")
    assert res.returncode == 1 and b"'x' is not a number" in res.stderr
    # a byte order mark on standard input
    res = run(None, "--model", "kmeans", "-k", "2", "--columns", "x", "y", "--json",
              stdin="\ufeffx,y\n1,2\n3,4\n5,6\n".encode("utf-8"))
    assert res.returncode == 0, res.stderr
    assert _strict_json(res.stdout.decode())["columns"] == ["x", "y"]
    # repeated and empty names
    res = run("x,x,,y\n1,10,0,2\n2,20,1,3\n3,30,2,5\n4,40,3,4\n", "--model", "kmeans",
              "-k", "2", "--json")
    assert _strict_json(res.stdout.decode())["columns"] == ["x", "x.1", "column 2", "y"]
    # a trailing delimiter's empty column is left out; a --keep name that clashes, or
    # that does not exist, fails before the fit; the wrong delimiter says so
    res = run("a,b,\n1,2,\n3,4,\n5,6,\n", "--model", "kmeans", "-k", "2", "--json")
    assert _strict_json(res.stdout.decode())["columns"] == ["a", "b"]
    res = run("x,label\n1,q\n2,r\n9,s\n", "--model", "kmeans", "-k", "2", "--columns",
              "x", "--keep", "label", "--output", "-")
    assert res.returncode == 1 and b"--keep column 'label' has the name of an --output" \
        in res.stderr
    res = run("x,y\n1,2\n3,4\n5,6\n", "--model", "kmeans", "-k", "2", "--keep", "nope",
              "--output", "-", "-v")
    assert res.returncode == 1 and b"Iteration" not in res.stderr
    assert b"no column 'nope'" in res.stderr
    res = run("a;b\n1;2\n3;4\n", "--model", "kmeans", "-k", "1")
    assert res.returncode == 1 and b"delimited by another character? --delimiter" in \
        res.stderr


def test_fit_weights_column_reports_the_weighted_bic(tmp_path):
    # the report's BIC is the weighted one: the API's bic(X, sample_weight=w), and the
    # value of the same model in the command's own -k criterion table
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(0, 1, (40, 2)), rng.normal(4, 1, (40, 2))])
    w = rng.integers(1, 6, 80).astype(float)
    path = tmp_path / "w.csv"
    path.write_text("a,b,w\n" + "\n".join(f"{p},{q},{c}" for (p, q), c in zip(X, w)))
    res = _fastem("fit", str(path), "--model", "gmm", "-k", "2", "--weights-column", "w",
                  "--json")
    assert res.returncode == 0, res.stderr
    out = _strict_json(res.stdout)
    gm = fastem.GaussianMixture(2, random_state=0).fit(X, sample_weight=w)
    np.testing.assert_allclose(out["means"], gm.means_, rtol=1e-10)
    np.testing.assert_allclose(out["bic"], gm.bic(X, sample_weight=w), rtol=1e-10)
    assert abs(out["bic"] - gm.bic(X)) > 1.0  # the unweighted value is another number
    res = _fastem("fit", str(path), "--model", "gmm", "-k", "1:3", "--weights-column", "w",
                  "--json")
    table = _strict_json(res.stdout)["selection"]
    row = [r for r in table["table"] if r["n_components"] == 2][0]
    np.testing.assert_allclose(row["bic"], out["bic"], rtol=1e-10)


def test_demo_times_say_when_they_include_compiling(monkeypatch):
    from fastem import _jit
    from fastem.commands import demo

    counts = iter([5, 7, 7, 7])
    monkeypatch.setattr(_jit, "compiled_count", lambda: next(counts))
    value, text = demo._timed(lambda: 42)
    assert value == 42 and text.endswith(" s (including compiling 2 kernels, once per "
                                         "machine)")
    _, text = demo._timed(lambda: None)  # nothing compiled: the time alone
    assert text.endswith(" s") and "compiling" not in text
