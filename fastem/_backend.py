"""Resolve ``backend="auto" | "numba" | "python"`` to a kernel module, at fit time.

``fastem._kernels.<model>`` (numba) and ``fastem._reference.<model>`` (NumPy)
expose the same functions with the same arguments; estimators only ever talk to
the module returned here, so the two are interchangeable.
"""

import importlib
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from ._config import BACKENDS, get_config
from .exceptions import FastEMWarning

__all__ = ["Runtime", "resolve_backend", "kernel_module", "numba_available", "runtime",
           "thread_context"]

_fallback_warned = False

# Work (rows x components x features) under which the serial kernel is used: on two
# busy cores a parallel loop over a small problem costs more than it saves.
PARALLEL_MIN_WORK = 2_000_000


def numba_available():
    """True when numba imports and is not disabled by ``FASTEM_DISABLE_NUMBA``."""
    from . import _jit

    return _jit.HAS_NUMBA


def resolve_backend(backend):
    """Return "numba" or "python" for an estimator's ``backend`` parameter.

    None means the configured default (:func:`fastem.get_config`).
    """
    global _fallback_warned
    if backend is None:
        backend = get_config()["backend"]
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}.")
    if backend == "auto":
        backend = get_config()["backend"]
    if backend == "python":
        return "python"
    if numba_available():
        return "numba"
    if backend == "numba":
        raise ValueError("backend='numba' was asked for but numba cannot be imported; "
                         "install numba or use backend='python'.")
    if not _fallback_warned:
        _fallback_warned = True
        from ._validation import warn

        warn("numba is not available: fastem falls back to its pure NumPy reference "
             "kernels, which are much slower.", FastEMWarning)
    return "python"


def kernel_module(backend, model):
    """The kernel module of ``model`` ("kmeans", ...) for a resolved backend."""
    package = "_kernels" if backend == "numba" else "_reference"
    return importlib.import_module(f"fastem.{package}.{model}")


@dataclass(frozen=True)
class Runtime:
    """What a fit needs to call kernels: the module, rows per chunk, parallel flag."""

    backend: str
    kernels: object
    chunk_size: int
    parallel: bool
    n_threads: object  # int or None (numba's default)


def runtime(backend, model, work):
    """Resolve everything a fit needs to call its kernels.

    Parameters
    ----------
    backend : str or None
        The estimator's ``backend`` parameter.
    model : str
        Kernel module name.
    work : int
        Problem size (rows x components x features) for the serial/parallel choice.
    """
    name = resolve_backend(backend)
    config = get_config()
    mode = config["parallel"]
    n_threads = config["n_threads"]
    if name == "python":
        parallel = False
    elif mode == "auto":
        from ._parallel import max_threads

        threads = max_threads() if n_threads is None else n_threads
        parallel = threads > 1 and work >= PARALLEL_MIN_WORK
    else:
        parallel = mode == "parallel"
    return Runtime(name, kernel_module(name, model), config["chunk_size"], parallel, n_threads)


_blas_controller = None


def _blas():
    """One threadpoolctl controller per process (building one scans the loaded
    libraries, about 0.5 ms; using it costs about 15 us)."""
    global _blas_controller
    if _blas_controller is None:
        import scipy.linalg.cython_blas  # noqa: F401  the BLAS that numba's np.dot calls
        from threadpoolctl import ThreadpoolController

        _blas_controller = ThreadpoolController()
    return _blas_controller


@contextmanager
def thread_context(rt):
    """Around numba kernel calls: the thread count of parallel passes set to the
    configured ``n_threads`` (a setting per calling thread, ``fastem._parallel``) and
    BLAS held to one thread, because BLAS calls inside parallel passes, or BLAS threads
    woken between kernel calls, fight the passes' threads for the cores. Both are
    restored after."""
    if rt.backend != "numba":
        yield
        return
    from ._parallel import thread_limit

    if getattr(_held, "blas", False):  # held by blas_held around many calls already
        with thread_limit(rt.n_threads):
            yield
        return
    with thread_limit(rt.n_threads), _blas().limit(limits=1, user_api="blas"):
        yield


_held = threading.local()


@contextmanager
def blas_held():
    """BLAS held to one thread once around many fits on this thread (a grid of small
    fits: ModelSelection), so that each kernel call does not set and restore the
    limit again (about 15 us a call)."""
    if getattr(_held, "blas", False):
        yield
        return
    with _blas().limit(limits=1, user_api="blas"):
        _held.blas = True
        try:
            yield
        finally:
            _held.blas = False
