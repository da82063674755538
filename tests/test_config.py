"""Settings, backend resolution, threads, import cost, the house jit decorator."""

import ast
import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import fastem
from fastem import _backend
from conftest import requires_numba

ROOT = pathlib.Path(fastem.__file__).parent


def _run(code, **env):
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full, check=True).stdout.strip()


def test_defaults_and_set_config():
    cfg = fastem.get_config()
    assert set(cfg) == {"backend", "n_threads", "chunk_size", "parallel"}
    fastem.set_config(backend="python", chunk_size=64)
    assert fastem.get_config()["backend"] == "python"
    assert fastem.get_config()["chunk_size"] == 64
    fastem.set_config(n_threads=1)
    assert fastem.get_config()["backend"] == "python"  # unchanged by a later call


def test_config_context_nests_and_restores():
    fastem.set_config(backend="auto")
    with fastem.config_context(backend="python"):
        assert fastem.get_config()["backend"] == "python"
        with fastem.config_context(parallel="serial", chunk_size=32):
            assert fastem.get_config()["parallel"] == "serial"
            assert fastem.get_config()["backend"] == "python"
        assert fastem.get_config()["parallel"] == "auto"
    assert fastem.get_config()["backend"] == "auto"


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(backend="gpu"), ValueError, "backend must be one of"),
    (dict(n_threads=0), ValueError, "n_threads must be a positive integer"),
    (dict(n_threads=1.5), TypeError, "n_threads must be a positive integer"),
    (dict(chunk_size=-3), ValueError, "chunk_size must be a positive integer"),
    (dict(parallel="yes"), ValueError, "parallel must be one of"),
])
def test_bad_settings(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fastem.set_config(**kwargs)
    with pytest.raises(exc, match=match):
        with fastem.config_context(**kwargs):
            pass


def test_unknown_setting():
    with pytest.raises(TypeError, match="unknown fastem setting 'threads'"):
        with fastem.config_context(threads=2):
            pass


def test_environment_variables(monkeypatch):
    monkeypatch.setenv("FASTEM_BACKEND", "python")
    monkeypatch.setenv("FASTEM_NUM_THREADS", "1")
    monkeypatch.setenv("FASTEM_CHUNK_SIZE", "128")
    monkeypatch.setenv("FASTEM_PARALLEL", "serial")
    assert fastem.get_config() == {"backend": "python", "n_threads": 1, "chunk_size": 128,
                                   "parallel": "serial"}
    km = fastem.KMeans(2, random_state=0).fit(np.arange(20.0).reshape(10, 2))
    assert km.backend_ == "python"
    # explicit settings beat the environment
    fastem.set_config(backend="auto")
    assert fastem.get_config()["backend"] == "auto"
    monkeypatch.setenv("FASTEM_BACKEND", "cuda")
    fastem._config._global_config.clear()
    with pytest.raises(ValueError, match="environment variable FASTEM_BACKEND"):
        fastem.KMeans(2).fit(np.arange(20.0).reshape(10, 2))
    monkeypatch.setenv("FASTEM_BACKEND", "auto")
    monkeypatch.setenv("FASTEM_CHUNK_SIZE", "many")
    with pytest.raises(ValueError, match="FASTEM_CHUNK_SIZE must be a positive integer"):
        fastem.get_config()


def test_estimator_backend_beats_config():
    X = np.arange(40.0).reshape(20, 2)
    with fastem.config_context(backend="python"):
        assert fastem.KMeans(2, random_state=0).fit(X).backend_ == "python"
        if _backend.numba_available():
            assert fastem.KMeans(2, backend="numba", random_state=0).fit(X).backend_ == "numba"


def test_auto_falls_back_to_python_with_one_warning(monkeypatch):
    monkeypatch.setattr(_backend, "numba_available", lambda: False)
    monkeypatch.setattr(_backend, "_fallback_warned", False)
    X = np.arange(40.0).reshape(20, 2)
    with pytest.warns(fastem.FastEMWarning, match="numba is not available"):
        km = fastem.KMeans(2, random_state=0).fit(X)
    assert km.backend_ == "python"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fastem.KMeans(2, random_state=0).fit(X)  # no second warning
    with pytest.raises(ValueError, match="backend='numba' was asked for but numba"):
        fastem.KMeans(2, backend="numba").fit(X)


def test_numba_can_be_disabled_by_environment():
    out = _run("import numpy as np, fastem, sys;"
               "km = fastem.KMeans(2, random_state=0).fit(np.arange(20.).reshape(10, 2));"
               "print(km.backend_, 'numba' in sys.modules)",
               FASTEM_DISABLE_NUMBA="1", PYTHONWARNINGS="ignore")
    assert out == "python False"


def test_import_compiles_nothing_and_is_fast():
    out = _run("import time, sys; t = time.perf_counter(); import fastem; "
               "dt = time.perf_counter() - t; "
               "print(dt, 'numba' in sys.modules, 'sklearn' in sys.modules, "
               "'matplotlib' in sys.modules)")
    seconds, numba_loaded, sklearn_loaded, mpl_loaded = out.split()
    assert (numba_loaded, sklearn_loaded, mpl_loaded) == ("False", "False", "False")
    # generous bound for a loaded CI machine; the usual figure is about 0.15 s
    assert float(seconds) < 2.0


@requires_numba
def test_threads_set_for_fit_and_restored(monkeypatch):
    from fastem import _parallel
    from fastem._parallel import current_threads, max_threads, thread_limit

    before = current_threads()
    assert before == max_threads()
    with thread_limit(1) as n:
        assert n == 1 and current_threads() == 1
        with thread_limit(None) as inner:  # None keeps the setting in force
            assert inner == 1
    assert current_threads() == before
    with thread_limit(10**6) as n:  # clipped to what the machine offers
        assert n == max_threads()
    # a fit runs its passes on the configured count, and the setting is restored
    seen = []
    real = _parallel.run_blocks

    def spy(fn, n_blocks, args, n_threads):
        seen.append(n_threads)
        return real(fn, n_blocks, args, n_threads)

    for module in ("kmeans", "gaussian_mixture"):
        monkeypatch.setattr(f"fastem._kernels.{module}.run_blocks", spy)
    X = np.random.default_rng(0).normal(size=(5000, 3))
    with fastem.config_context(n_threads=1, parallel="parallel"):
        fastem.KMeans(3, random_state=0).fit(X)
    assert seen and set(seen) == {1}
    assert current_threads() == before


@requires_numba
def test_parallel_choice_by_size():
    small = _backend.runtime("numba", "kmeans", work=1000)
    assert small.parallel is False
    big = _backend.runtime("numba", "kmeans", work=10**8)
    from fastem._parallel import max_threads

    assert big.parallel is (max_threads() > 1)
    with fastem.config_context(parallel="parallel"):
        assert _backend.runtime("numba", "kmeans", work=10).parallel is True
    with fastem.config_context(parallel="serial"):
        assert _backend.runtime("numba", "kmeans", work=10**9).parallel is False
    assert _backend.runtime("python", "kmeans", work=10**9).parallel is False


# ------------------------------------------------------------------ jit layer

def test_fastmath_keeps_nan_and_inf_semantics_and_order():
    from fastem._jit import FASTMATH

    for flag in ("nnan", "ninf", "fast", "reassoc"):
        assert flag not in FASTMATH


def _misaligned_copy(a, offset_bytes):
    """A copy of ``a`` at ``offset_bytes`` past a 64-byte boundary."""
    raw = np.empty(a.nbytes + 64 + offset_bytes, dtype=np.uint8)
    start = (-raw.ctypes.data) % 64 + offset_bytes
    out = raw[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


@pytest.mark.parametrize("d", [2, 8, 40])
def test_kernel_results_do_not_depend_on_memory_alignment(d):
    # bitwise: the same data at other addresses gives the same numbers
    if not _backend.numba_available():
        pytest.skip("numba not available")
    from fastem._kernels import gaussian_mixture as gk
    from fastem._kernels import kmeans as kk

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3001, d))
    w = rng.uniform(0.5, 2.0, size=3001)
    C = X[:5].copy()
    results = []
    for offset in (0, 8, 16, 24):
        Xo, wo = _misaligned_copy(X, offset), _misaligned_copy(w, offset)
        labels = np.full(3001, -1, dtype=np.int32)
        sums, wsums = np.empty((5, d)), np.empty(5)
        offset = np.zeros(d)
        inertia, _ = kk.lloyd_iter(Xo, wo, C, offset, labels, sums, wsums, 256, False)
        inertia2 = kk.assign(Xo, wo, C, offset, labels, np.empty(0), 256, False)
        N, S1, S2 = np.empty(5), np.empty((5, d)), np.empty((5, d))
        ll = gk.em_step_diag(Xo, wo, C, np.ones((5, d)), np.zeros(5), N, S1, S2, 256, False)
        results.append((inertia, inertia2, sums.tobytes(), ll, S2.tobytes()))
    assert all(r == results[0] for r in results[1:])


def test_only_jit_module_imports_numba_and_no_kernel_hardcodes_flags():
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text())
        imports = {alias.name.split(".")[0] for node in ast.walk(tree)
                   if isinstance(node, (ast.Import, ast.ImportFrom))
                   for alias in getattr(node, "names", [])}
        modules = {node.module.split(".")[0] for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module}
        if path.name != "_jit.py":
            assert "numba" not in imports | modules, f"{path} imports numba"
        if path.name != "_jit.py":
            assert "fastmath=" not in path.read_text().replace("fastmath=fastmath", ""), path
    for path in (ROOT / "_reference").glob("*.py"):
        assert "_jit" not in path.read_text(), f"{path} must stay numba-free"


def test_reference_and_kernels_have_the_same_interface():
    import inspect

    for ref_path in (ROOT / "_reference").glob("[!_]*.py"):
        name = ref_path.stem
        ref = __import__(f"fastem._reference.{name}", fromlist=["x"])
        assert (ROOT / "_kernels" / f"{name}.py").exists(), name
        if not _backend.numba_available():
            continue
        ker = __import__(f"fastem._kernels.{name}", fromlist=["x"])
        for fn in ref.__all__:
            assert fn in ker.__all__
            assert (inspect.signature(getattr(ref, fn)).parameters.keys()
                    == inspect.signature(getattr(ker, fn)).parameters.keys()), fn


@requires_numba
def test_kernels_compile_serial_code_only():
    # parallel passes run the serial blocks functions on threads (fastem._parallel):
    # no kernel is compiled with numba's parallel=True, which would start numba's
    # threading layer and compile every pass a second time
    import numba

    from fastem._kernels import binomial_mixture, gaussian_mixture, kmeans

    jitted = [obj for mod in (kmeans, gaussian_mixture, binomial_mixture)
              for obj in vars(mod).values() if isinstance(obj, numba.core.dispatcher.Dispatcher)]
    assert len(jitted) > 20
    assert all(not fn.targetoptions.get("parallel") for fn in jitted)
    assert all(fn.targetoptions.get("nogil") for fn in jitted)


@requires_numba
def test_cache_falls_back_with_one_warning(monkeypatch):
    import numba

    from fastem import _jit

    real = numba.njit

    def failing_njit(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", failing_njit)
    monkeypatch.setattr(_jit, "_cache_warned", False)

    def f(x):
        return x + 1

    with pytest.warns(fastem.FastEMWarning, match="cannot cache"):
        g = _jit.jit(f)
    assert g(1) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _jit.jit(f)(2) == 3


@requires_numba
def test_second_process_loads_kernels_from_cache(tmp_path):
    code = ("import numpy as np, fastem;"
            "fastem.KMeans(2, backend='numba', random_state=0).fit(np.arange(40.).reshape(20, 2));"
            "from fastem._kernels import kmeans;"
            "print(sum(kmeans._lloyd_blocks.stats.cache_hits.values()),"
            " sum(kmeans._lloyd_blocks.stats.cache_misses.values()))")
    first = _run(code, NUMBA_CACHE_DIR=str(tmp_path))
    second = _run(code, NUMBA_CACHE_DIR=str(tmp_path))
    assert first.split() == ["0", "1"]
    assert second.split() == ["1", "0"]


def test_after_warmup_the_common_paths_compile_nothing():
    # the scripts of a first hour: every covariance type, 1-D, missing values, labels,
    # ModelSelection, K-Means on 1..128 features, binomial mixtures; after warmup they
    # load machine code only
    from fastem import _jit

    if not _jit.HAS_NUMBA:
        pytest.skip("numba not available")
    import warnings

    from fastem.gaussian_mixture import COVARIANCE_TYPES

    assert fastem.warmup(dtypes=("float64",)) >= 0.0
    before = _jit.compiled_count()
    rng = np.random.default_rng(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for d in (1, 3, 5, 17, 30, 50, 128):
            X = rng.normal(size=(300, d))
            fastem.KMeans(4, random_state=0).fit(X).transform(X[:5])
            fastem.KMeans(40, random_state=0).fit(X).predict(X[:5])
        X = rng.normal(size=(400, 4))
        for ct in COVARIANCE_TYPES:
            gm = fastem.GaussianMixture(3, covariance_type=ct, random_state=0).fit(X)
            gm.predict_proba(X), gm.score_samples(X)
        fastem.GaussianMixture(2, random_state=0).fit(X[:, 0]).predict(X[:, 0])
        labels = np.where(np.arange(400) < 20, np.arange(400) % 3, -1)
        fastem.GaussianMixture(3, random_state=0).fit(X, labels=labels)
        Xm = X.copy()
        Xm[rng.random(X.shape) < 0.1] = np.nan
        fastem.GaussianMixture(3, missing="em", random_state=0).fit(Xm).impute(Xm)
        fastem.ModelSelection(fastem.GaussianMixture(random_state=0),
                              {"n_components": [1, 2, 3]}).fit(X)
        fastem.BinomialMixture(2, n_trials=10, random_state=0).fit(
            rng.binomial(10, 0.3, (200, 3)))
    assert _jit.compiled_count() == before


def test_warmup_command_prints_a_line_per_group(tmp_path):
    import subprocess
    import sys

    from fastem import _jit

    if not _jit.HAS_NUMBA:
        pytest.skip("numba not available: warmup has nothing to compile")

    res = subprocess.run([sys.executable, "-m", "fastem", "warmup", "--jobs", "2"],
                         capture_output=True, text=True, timeout=1800,
                         env={**os.environ, "NUMBA_CACHE_DIR": os.environ.get(
                             "NUMBA_CACHE_DIR", str(tmp_path))})
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("fastem warmup: ")]
    assert len(lines) == 8 and any("K-Means: every search form" in ln for ln in lines)
    assert not any(ln.startswith("fastem: compiling") for ln in res.stderr.splitlines())
    assert "kernels compiled or loaded from the cache in" in res.stdout


def test_every_long_compilation_says_what_and_why_and_is_counted(monkeypatch, capsys):
    import time

    from fastem import _jit

    if not _jit.HAS_NUMBA:
        pytest.skip("numba not available")
    import numba

    monkeypatch.setattr(_jit, "COMPILE_NOTICE_SECONDS", 0.0)  # announce at once

    def kernel(x):  # a stand-in for one of fastem's kernels
        total = 0.0
        for i in range(x.shape[0]):
            total += np.exp(x[i]) * np.sin(x[i]) / (1.0 + x[i] * x[i])
        return total

    kernel.__module__ = "fastem._compile_probe"
    probe = numba.njit(kernel)
    before = _jit.compiled_count()
    probe(np.ones(3))
    time.sleep(0.05)
    err = capsys.readouterr().err
    assert err.count("fastem: compiling kernel for array(float64, 1d, C)") == 1
    assert "no machine code for this machine" in err and "fastem warmup" in err
    assert _jit.compiled_count() == before + 1
    probe(np.zeros(5))  # the same types: nothing compiled, nothing said
    assert _jit.compiled_count() == before + 1
    ro = np.ones(3)
    ro.flags.writeable = False
    probe(ro)  # a read-only array is another type: compiled, and said why
    time.sleep(0.05)
    err = capsys.readouterr().err
    assert "for readonly array(float64, 1d, C): these argument types were not " \
           "compiled before" in err
    assert _jit.compiled_count() == before + 2
    other = numba.njit(lambda x: x + 1)  # not fastem's: neither said nor counted
    other(1.0)
    time.sleep(0.05)
    assert capsys.readouterr().err == "" and _jit.compiled_count() == before + 2

@pytest.mark.parametrize("make", [
    lambda: fastem.GaussianMixture(3, random_state=0),
    lambda: fastem.GaussianMixture(3, covariance_type="diag", random_state=0),
    lambda: fastem.KMeans(3, random_state=0),
    lambda: fastem.BinomialMixture(3, n_trials=20, random_state=0, max_iter=1000)],
    ids=["gmm-full", "gmm-diag", "kmeans", "binomial"])
def test_any_form_of_the_same_data_compiles_nothing_new(make, tmp_path):
    # after a fit on a writeable C-ordered ndarray, the same data read-only, from a
    # pandas 3 DataFrame (read-only values), Fortran-ordered or memory-mapped for
    # reading reach the kernels in the same form: no new machine code
    from fastem import _jit

    if not _jit.HAS_NUMBA:
        pytest.skip("numba not available")
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = np.abs(np.round(rng.normal(5, 2, (3000, 3))))
    w = rng.uniform(0.5, 2.0, len(X))
    ref = make().fit(X, sample_weight=w)
    ro = X.copy()
    ro.flags.writeable = False
    w_ro = w.copy()
    w_ro.flags.writeable = False
    path = tmp_path / "X.npy"
    np.save(path, X)
    forms = {"read-only": ro, "DataFrame": pd.DataFrame(X, columns=["a", "b", "c"]),
             "Fortran": np.asfortranarray(X), "memmap": np.load(path, mmap_mode="r"),
             "to_numpy": pd.DataFrame(X).to_numpy()}
    before = _jit.compiled_count()
    for name, data in forms.items():
        got = make().fit(data, sample_weight=w_ro)
        for attr in ("means_", "cluster_centers_", "probs_"):
            if hasattr(ref, attr):
                np.testing.assert_allclose(getattr(got, attr), getattr(ref, attr),
                                           rtol=1e-12, err_msg=name)
        got.predict(data)
    assert _jit.compiled_count() == before


def test_parameters_in_any_form_compile_nothing_new():
    # one component of a shared-variance type (its broadcast variances are contiguous
    # and read-only) and a read-only means_init reach the kernels as k > 1 and a
    # writeable array do
    from fastem import _jit

    if not _jit.HAS_NUMBA:
        pytest.skip("numba not available")
    X = np.random.default_rng(2).normal(size=(500, 3))
    for ct in ("tied_diag", "tied_spherical", "full"):
        fastem.GaussianMixture(2, covariance_type=ct, random_state=0).fit(X).predict(X)
    before = _jit.compiled_count()
    means = X[:2].copy()
    means.flags.writeable = False
    for ct in ("tied_diag", "tied_spherical", "full"):
        fastem.GaussianMixture(1, covariance_type=ct, random_state=0).fit(X).predict(X)
        fastem.GaussianMixture(2, covariance_type=ct, means_init=means).fit(X).predict(X)
    assert _jit.compiled_count() == before
