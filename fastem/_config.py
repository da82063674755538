"""Process-wide settings: backend, threads, chunk size, serial/parallel choice.

Defaults come from the environment (``FASTEM_BACKEND``, ``FASTEM_NUM_THREADS``,
``FASTEM_CHUNK_SIZE``, ``FASTEM_PARALLEL``); :func:`set_config` changes them for
the process and :func:`config_context` for a block of code (per thread and per
asyncio task, through a context variable). Values are checked when they are set,
and environment values when a fit reads them, so a typo names the variable.
"""

from __future__ import annotations

import contextvars
import numbers
import os
from contextlib import contextmanager
from typing import Any, Iterator

__all__ = ["get_config", "set_config", "config_context"]

BACKENDS = ("auto", "numba", "python")
PARALLEL_MODES = ("auto", "serial", "parallel")

_ENV = {
    "backend": "FASTEM_BACKEND",
    "n_threads": "FASTEM_NUM_THREADS",
    "chunk_size": "FASTEM_CHUNK_SIZE",
    "parallel": "FASTEM_PARALLEL",
}
_DEFAULTS = {"backend": "auto", "n_threads": None, "chunk_size": 256, "parallel": "auto"}

_global_config: dict = {}
_local_config = contextvars.ContextVar("fastem_config", default=None)


def _check_value(key, value, source):
    if key == "backend":
        if not isinstance(value, str) or value not in BACKENDS:
            raise ValueError(f"{source} must be one of {BACKENDS}, got {value!r}.")
        return value
    if key == "parallel":
        if not isinstance(value, str) or value not in PARALLEL_MODES:
            raise ValueError(f"{source} must be one of {PARALLEL_MODES}, got {value!r}.")
        return value
    if key == "n_threads" and value is None:
        return None
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise ValueError(f"{source} must be a positive integer, got {value!r}.") from None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{source} must be a positive integer, got {value!r}.")
    value = int(value)
    if value < 1:
        raise ValueError(f"{source} must be a positive integer, got {value}.")
    return value


def _from_env(key):
    raw = os.environ.get(_ENV[key])
    if raw is None or raw == "":
        return _DEFAULTS[key]
    return _check_value(key, raw.strip().lower() if key in ("backend", "parallel") else raw,
                        f"environment variable {_ENV[key]}")


def get_config() -> dict:
    """Return the settings in force, as a new dict.

    Returns
    -------
    config : dict
        ``backend`` ("auto", "numba" or "python"), ``n_threads`` (None for
        ``NUMBA_NUM_THREADS``, by default the CPU count), ``chunk_size`` (rows per
        kernel chunk) and ``parallel`` ("auto", "serial" or "parallel").
    """
    config = {key: _from_env(key) for key in _DEFAULTS}
    config.update(_global_config)
    local = _local_config.get()
    if local:
        config.update(local)
    return config


def _checked(kwargs):
    out = {}
    for key, value in kwargs.items():
        if key not in _DEFAULTS:
            raise TypeError(f"unknown fastem setting {key!r}; expected one of {tuple(_DEFAULTS)}.")
        out[key] = _check_value(key, value, key)
    return out


def set_config(*, backend: str | None = None, n_threads: int | None = None,
               chunk_size: int | None = None, parallel: str | None = None) -> None:
    """Change fastem's settings for the whole process.

    Parameters
    ----------
    backend : {"auto", "numba", "python"}, optional
        Kernel implementation. "auto" uses numba when it imports and the NumPy
        reference otherwise (with one warning).
    n_threads : int, optional
        Threads of a parallel pass (the calling thread and worker threads of
        fastem's own pool; at most ``NUMBA_NUM_THREADS``, by default the CPU count).
    chunk_size : int, optional
        Rows per kernel chunk (the unit of work and of partial sums).
    parallel : {"auto", "serial", "parallel"}, optional
        Serial or parallel kernels; "auto" chooses by problem size.

    Arguments left as None keep their current value.
    """
    given = {k: v for k, v in dict(backend=backend, n_threads=n_threads,
                                   chunk_size=chunk_size, parallel=parallel).items()
             if v is not None}
    _global_config.update(_checked(given))


@contextmanager
def config_context(**settings: Any) -> Iterator[None]:
    """Change fastem's settings inside a ``with`` block (this thread/task only).

    Takes the same keywords as :func:`set_config`; ``n_threads=None`` inside a
    context means the default thread count (``NUMBA_NUM_THREADS``).

    Examples
    --------
    >>> import fastem
    >>> with fastem.config_context(backend="python"):
    ...     fastem.get_config()["backend"]
    'python'
    """
    new = dict(_local_config.get() or {})
    new.update(_checked(settings))
    token = _local_config.set(new)
    try:
        yield
    finally:
        _local_config.reset(token)
