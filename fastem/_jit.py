"""The only module that imports numba.

It provides the house decorator :func:`jit` (nogil, cache with a fallback,
fast-math without ``nnan``/``ninf``, because EM uses ``-inf`` log-probabilities on
purpose, and without ``reassoc``, so that results do not depend on memory
alignment), ``prange``, and :func:`thread_limit`. Without numba (or with
``FASTEM_DISABLE_NUMBA=1``) ``HAS_NUMBA`` is False, and kernels modules are never
imported: the backend resolver falls back to ``fastem._reference``.
"""

import hashlib
import os
import types
import warnings
from contextlib import contextmanager

from .exceptions import FastEMWarning

# Passive waiting keeps OpenMP worker threads from spinning between kernel calls,
# which on a 2-core machine slowed small problems 5-200x; the user's choice wins.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

try:
    if os.environ.get("FASTEM_DISABLE_NUMBA", "").strip().lower() in ("1", "true", "yes"):
        raise ImportError("numba disabled by FASTEM_DISABLE_NUMBA")
    import numba

    HAS_NUMBA = True
    prange = numba.prange
except ImportError:  # pragma: no cover - exercised by the numba-disabled CI leg
    numba = None
    HAS_NUMBA = False
    prange = range

__all__ = ["HAS_NUMBA", "FASTMATH", "jit", "jit_variants", "prange", "thread_limit",
           "max_threads", "prefetch_row"]

# Fast-math flags, but never nnan/ninf (-inf log-probabilities must survive) nor
# reassoc: with reassoc LLVM may split a reduction by the data's memory alignment,
# and the same fit gave results differing in the last bit from run to run.
FASTMATH = frozenset({"nsz", "arcp", "contract", "afn"})

_cache_warned = False


def _options_tag(parallel, fastmath):
    # numba's cache key is the kernel's name and source, not its compile options: a
    # change of flags here would be served machine code compiled with the old ones.
    # The options go into the cached name instead.
    text = f"{sorted(FASTMATH) if fastmath else None}|numpy|{parallel}"
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def jit(func=None, *, parallel=False, fastmath=True):
    """Compile ``func`` lazily with fastem's settings.

    Parameters
    ----------
    func : callable
        A plain Python function written in numba's subset.
    parallel : bool
        Compile ``prange`` loops as parallel loops.
    fastmath : bool
        Use :data:`FASTMATH` (never ``nnan``/``ninf``).
    """
    if func is None:
        return lambda f: jit(f, parallel=parallel, fastmath=fastmath)
    if not HAS_NUMBA:
        return func
    options = dict(nogil=True, parallel=parallel, error_model="numpy",
                   fastmath=set(FASTMATH) if fastmath else False)
    func = _renamed(func, "__" + _options_tag(parallel, fastmath))
    global _cache_warned
    try:
        return numba.njit(cache=True, **options)(func)
    except RuntimeError as exc:  # read-only install and no NUMBA_CACHE_DIR
        if "cannot cache" not in str(exc):
            raise
        if not _cache_warned:
            _cache_warned = True
            warnings.warn(
                f"numba cannot cache compiled kernels ({exc}); they will be compiled "
                "again in every process. Set NUMBA_CACHE_DIR to a writable folder.",
                FastEMWarning, stacklevel=2)
        return numba.njit(cache=False, **options)(func)


def _renamed(func, suffix):
    """A copy of ``func`` under another qualified name.

    numba's on-disk cache is keyed by qualified name and bytecode, not by compile
    options such as ``parallel`` or the fast-math flags: two variants compiled from
    one function would load each other's machine code. A name that carries the
    options gives each variant its own cache entry.
    """
    code = func.__code__.replace(co_name=func.__name__ + suffix)
    if hasattr(code, "co_qualname"):  # Python >= 3.11
        code = code.replace(co_qualname=func.__qualname__ + suffix)
    new = types.FunctionType(code, func.__globals__, func.__name__ + suffix,
                             func.__defaults__, func.__closure__)
    new.__qualname__ = func.__qualname__ + suffix
    new.__module__ = func.__module__
    new.__doc__ = func.__doc__
    return new


def jit_variants(func, fastmath=True):
    """Compile ``func`` twice: serial (``prange`` runs as ``range``) and parallel.

    Returns
    -------
    serial, parallel : callables
        Both take the same arguments. Without numba both are ``func`` itself.
    """
    if not HAS_NUMBA:
        return func, func
    return (jit(func, fastmath=fastmath), jit(func, parallel=True, fastmath=fastmath))


def runtime_info():
    """numba's version, thread count and threading layer, as a short string."""
    if not HAS_NUMBA:
        return "numba not available"
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "not started yet"
    return (f"numba {numba.__version__} ({numba.get_num_threads()} threads, threading "
            f"layer {layer})")


def max_threads():
    """Number of threads numba's parallel kernels may use (1 without numba)."""
    return numba.config.NUMBA_NUM_THREADS if HAS_NUMBA else 1


@contextmanager
def thread_limit(n_threads):
    """Set numba's thread count for this thread inside the block, then restore it.

    Yields the thread count in force.
    """
    if not HAS_NUMBA:
        yield 1
        return
    old = numba.get_num_threads()
    if n_threads is None:
        yield old
        return
    n = max(1, min(int(n_threads), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)
    try:
        yield n
    finally:
        numba.set_num_threads(old)


def _make_prefetch_row():
    """``prefetch_row(X, i)``: ask the CPU to load the start of row ``i`` of a 2-D
    array into cache (LLVM's prefetch intrinsic: read, high locality, data). A
    prefetch never faults, so ``i`` needs no bounds check; it changes no result.
    Streaming K-Means chunks from RAM, it took the row copy from 10.7 to 4.2 ns per
    row of 8 float64 features."""
    import llvmlite.binding as llvm
    import llvmlite.ir as ir
    from numba.core import cgutils
    from numba.core import types as nbtypes
    from numba.extending import intrinsic

    # opaque pointers from LLVM 15 on: the intrinsic's name lost its pointee type
    name = "llvm.prefetch.p0" if llvm.llvm_version_info[0] >= 15 else "llvm.prefetch.p0i8"

    @intrinsic
    def prefetch_row(typingctx, arr, row):
        if not (isinstance(arr, nbtypes.Array) and arr.ndim == 2
                and isinstance(row, nbtypes.Integer)):
            return None

        def codegen(context, builder, signature, args):
            aryty, rowty = signature.args
            ary = context.make_array(aryty)(context, builder, args[0])
            strides = cgutils.unpack_tuple(builder, ary.strides, aryty.ndim)
            offset = builder.mul(context.cast(builder, args[1], rowty, nbtypes.intp),
                                 strides[0])
            base = builder.bitcast(ary.data, ir.IntType(8).as_pointer())
            ptr = builder.gep(base, [offset])
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
            fn = cgutils.get_or_insert_function(builder.module, fnty, name)
            builder.call(fn, [ptr, i32(0), i32(3), i32(1)])
            return context.get_dummy_value()

        return nbtypes.void(arr, row), codegen

    return prefetch_row


if HAS_NUMBA:
    prefetch_row = _make_prefetch_row()
else:  # pragma: no cover - kernels modules are not imported without numba
    def prefetch_row(arr, row):
        return None
