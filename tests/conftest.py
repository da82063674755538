import contextlib
import os
import warnings

import numpy as np
import pytest

import fastem
from fastem._backend import numba_available

BACKENDS = ["python"] + (["numba"] if numba_available() else [])

if not numba_available():
    # the numba-disabled leg: the one-time fallback warning is tested on its own
    # (test_config.py) and would otherwise fail whichever test fits first
    fastem._backend._fallback_warned = True


def pytest_report_header(config):
    lines = [f"fastem backends under test: {BACKENDS}"]
    if numba_available():
        import numba

        lines.append(f"numba {numba.__version__}, threads {numba.config.NUMBA_NUM_THREADS}, "
                     f"NUMBA_CACHE_DIR={os.environ.get('NUMBA_CACHE_DIR')}")
    return lines


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def dtype(request):
    return request.param


@pytest.fixture(autouse=True)
def _clean_config():
    # every test starts from the environment's defaults
    saved = dict(fastem._config._global_config)
    yield
    fastem._config._global_config.clear()
    fastem._config._global_config.update(saved)


def rtol_for(dtype):
    return 1e-4 if np.dtype(dtype) == np.float32 else 1e-7


requires_numba = pytest.mark.skipif(not numba_available(), reason="numba not available")


@contextlib.contextmanager
def quiet():
    """Silence convergence warnings of fastem and scikit-learn (tests that fix max_iter)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastem.ConvergenceWarning)
        try:
            from sklearn.exceptions import ConvergenceWarning as SKWarning

            warnings.simplefilter("ignore", SKWarning)
        except ImportError:  # pragma: no cover
            pass
        yield
