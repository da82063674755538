"""The floor estimates of ``fastem bench``: the machine's rates, the per-iteration
lower bound, and how the tables report them."""

import math

import pytest

from fastem.commands.bench import floor_ms, measure_machine, run, run_grid, run_large_k

# rates of a made-up machine: 10 GB/s, 100 GFLOP/s matrix products, 50 GFLOP/s vector
# multiply-adds, 1e9 exps/s
RATES = {"bandwidth": 1e10, "gemm": 1e11, "exp": 1e9, "fma": 5e10}


@pytest.mark.parametrize("model, n, d, k, extra, expected", [
    # K-Means, d = 8, k = 16: read 1e6 * 8 * 8 B = 6.4 ms; 3 * 1e6 * 16 * 8 flops at
    # 5e10 = 7.68 ms; no exps
    ("kmeans", 1_000_000, 8, 16, {}, 7.68),
    # the same in float32: 3.2 ms to read; the flops at twice the rate, 3.84 ms
    ("kmeans", 1_000_000, 8, 16, {"dtype": "float32"}, 3.84),
    # d = 2, k = 3: read 1.6e7 B = 1.6 ms; 1.8e7 flops = 0.36 ms: memory-bound
    ("kmeans", 1_000_000, 2, 3, {}, 1.6),
    # d = 64 >= 32, a matrix product: 2 * 2e5 * 64 * 64 flops at 1e11 = 16.384 ms
    # (read 2e5 * 64 * 8 B = 10.24 ms)
    ("kmeans", 200_000, 64, 64, {}, 16.384),
    # full: (2 + 2) * 1e6 * 16 * 64 flops at 1e11 = 40.96 ms, plus 1.6e7 exps = 16 ms
    ("gmm", 1_000_000, 8, 16, {"cov": "full"}, 56.96),
    # tied: (2 * 1e6 * 64 + 2 * 1e6 * 16 * 64) flops at 1e11 = 21.76 ms, plus 16 ms
    ("gmm", 1_000_000, 8, 16, {"cov": "tied"}, 37.76),
    # diag and spherical: (3 + 4) * 1e6 * 16 * 8 flops at 5e10 = 17.92 ms, plus 16 ms
    ("gmm", 1_000_000, 8, 16, {"cov": "diag"}, 33.92),
    ("gmm", 1_000_000, 8, 16, {"cov": "spherical"}, 33.92),
    # one feature, full: counted as diagonal, 7 * 3e6 flops = 0.42 ms, plus 3e6 exps
    # = 3 ms (read 8e6 B = 0.8 ms)
    ("gmm", 1_000_000, 1, 3, {"cov": "full"}, 3.42),
    # binomial, one feature, k = 2: 1e6 * 2 * 8 flops = 0.32 ms, plus 2e6 exps = 2 ms
    ("binomial", 1_000_000, 1, 2, {"compress": False}, 2.32),
    ("binomial", 1_000_000, 1, 2, {"compress": True}, 2.32),
])
def test_floor_ms_matches_the_documented_counts(model, n, d, k, extra, expected):
    assert floor_ms(model, n, d, k, extra, RATES) == pytest.approx(expected, rel=1e-12)


def test_floor_ms_reads_per_row_trials():
    slow_memory = dict(RATES, bandwidth=1e9)
    # counts and trials, 8e6 B each, at 1e9 B/s: 16 ms, above the 2.32 ms of compute
    assert floor_ms("binomial", 1_000_000, 1, 2, {"trials_per_row": True},
                    slow_memory) == pytest.approx(16.0, rel=1e-12)
    assert floor_ms("binomial", 1_000_000, 1, 2, {}, slow_memory) == pytest.approx(
        8.0, rel=1e-12)


def test_measure_machine_rates_are_plausible_and_measured_once():
    rates = measure_machine(quick=True)
    assert set(rates) == {"bandwidth", "gemm", "fma", "exp"}
    assert all(math.isfinite(v) and v > 0 for v in rates.values())
    assert rates["bandwidth"] > 1e8
    assert rates["gemm"] > 1e8
    assert rates["fma"] > 1e8
    assert rates["exp"] > 1e6
    rates["gemm"] = -1.0  # the caller's copy: the process's measurement is kept
    assert measure_machine(quick=True)["gemm"] > 1e8


def test_run_reports_the_floor_and_the_whole_fit():
    lines = []
    rows = run(quick=True, only=["gmm-1d-3000"], out=lines.append)
    assert lines[1].startswith("rates:") and "GB/s" in lines[1] and "Gexp/s" in lines[1]
    case_lines = [ln for ln in lines if ln.startswith("gmm-1d-3000")]
    assert case_lines and all("floor" in ln for ln in case_lines)
    (row,) = rows
    assert row["floor_ms"] > 0 and row["x_floor"] > 0
    assert row["x_floor"] == pytest.approx(row["fastem_ms"] / row["floor_ms"])
    # 50 iterations at n = 3000; one iteration is a share of the whole fit
    assert row["n_iter"] == 50 and 0 < 50 * row["fastem_ms"] <= row["fit_ms"] * (1 + 1e-12)
    assert row["overhead"] == pytest.approx(row["fit_ms"] / (50 * row["fastem_ms"]) - 1)
    assert row["sklearn_fit_ratio"] == pytest.approx(row["sklearn_fit_ms"] / row["fit_ms"])
    assert f"{row['x_floor']:6.1f}x floor" in case_lines[0]


def test_run_grid_keeps_its_summary_and_adds_the_rows():
    lines = []
    summary = run_grid(quick=True, only=["gmm-diag-d2-k2"], out=lines.append)
    family = summary["gmm-diag"]
    assert family["cases"] == 1 and family["geo_mean"] > 0 and family["min"] > 0
    (row,) = family["rows"]
    assert (row["case"], row["d"], row["k"]) == ("gmm-diag-d2-k2", 2, 2)
    assert row["floor_ms"] > 0
    assert row["x_floor"] == pytest.approx(row["fastem_ms"] / row["floor_ms"])
    assert family["x_floor_geo_mean"] == pytest.approx(row["x_floor"])
    assert any(ln.startswith("gmm-diag-d2-k2") and "floor" in ln for ln in lines)


@pytest.mark.filterwarnings("ignore::fastem.ConvergenceWarning")
def test_run_large_k_times_every_method_against_scikit_learn():
    lines = []
    (row,) = run_large_k(quick=True, only=["kmeans-5e4-d2-k1000"], out=lines.append)
    assert row["case"] == "kmeans-5e4-d2-k1000" and row["target"] == 5.0
    assert 1 <= row["n_iter"] <= 300 and row["sklearn_ms"] > 0
    for m in ("auto", "lloyd", "hamerly", "yinyang"):
        assert row[f"{m}_ms"] > 0
        assert row[f"{m}_ratio"] == pytest.approx(row["sklearn_ms"] / row[f"{m}_ms"])
    assert any(ln.startswith("kmeans-5e4-d2-k1000") for ln in lines)


def test_run_missing_times_the_incomplete_against_the_complete_fit():
    from fastem.commands.bench import MISSING_CASES, run_missing

    lines = []
    (row,) = run_missing(quick=True, only=["d8-k5-full-10%"], out=lines.append, repeats=1)
    assert row["case"] == MISSING_CASES[0][0] and row["target"] == 3.0
    assert 1 < row["patterns"] <= 256
    assert row["complete_ms"] > 0 and row["missing_ms"] > 0
    assert row["ratio"] == pytest.approx(row["missing_ms"] / row["complete_ms"])
    assert any(ln.startswith(row["case"]) for ln in lines)


def test_run_labels_times_the_labelled_against_the_unlabelled_fit():
    from fastem.commands.bench import LABEL_CASES, run_labels

    lines = []
    rows = run_labels(quick=True, only=["kmeans-1e5-d2-k8-10%", "binomial-1e5-d4-k5-1%"],
                      out=lines.append, repeats=1)
    assert [r["case"] for r in rows] == ["kmeans-1e5-d2-k8-10%", "binomial-1e5-d4-k5-1%"]
    assert {c[0] for c in LABEL_CASES} >= {r["case"] for r in rows}
    for row in rows:
        assert row["unlabelled_ms"] > 0 and row["labelled_ms"] > 0
        assert row["ratio"] == pytest.approx(row["labelled_ms"] / row["unlabelled_ms"])
        assert any(ln.startswith(row["case"]) for ln in lines)
