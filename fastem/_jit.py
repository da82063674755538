"""The only module that imports numba.

It provides the house decorator :func:`jit` (nogil, cache with a fallback,
fast-math without ``nnan``/``ninf``, because EM uses ``-inf`` log-probabilities on
purpose, and without ``reassoc``, so that results do not depend on memory
alignment) and the intrinsics the kernels use. Without numba (or with
``FASTEM_DISABLE_NUMBA=1``) ``HAS_NUMBA`` is False, and kernels modules are never
imported: the backend resolver falls back to ``fastem._reference``.

Every kernel is compiled serial: parallel passes run a kernel's blocks function on
Python threads (``fastem._parallel``), so numba's threading layer is never started.
"""

import hashlib
import os
import sys
import threading
import types
import warnings
from typing import Any

from .exceptions import FastEMWarning


try:
    if os.environ.get("FASTEM_DISABLE_NUMBA", "").strip().lower() in ("1", "true", "yes"):
        raise ImportError("numba disabled by FASTEM_DISABLE_NUMBA")
    import numba
    import numba.core.event

    HAS_NUMBA = True
except ImportError:  # pragma: no cover - exercised by the numba-disabled CI leg
    numba = None  # type: ignore[assignment]
    HAS_NUMBA = False

__all__ = ["HAS_NUMBA", "FASTMATH", "jit", "prefetch_row", "by_float_type", "bits_of",
           "from_bits", "compiled_count", "runtime_info", "default_threads"]

# Fast-math flags, but never nnan/ninf (-inf log-probabilities must survive) nor
# reassoc: with reassoc LLVM may split a reduction by the data's memory alignment,
# and the same fit gave results differing in the last bit from run to run.
FASTMATH = frozenset({"nsz", "arcp", "contract", "afn"})

_cache_warned = False

# Sources that kernels use without numba's cache seeing them: this module's
# intrinsics and the vector math the kernel modules import. numba keys a cached
# kernel by its own file only, so a kernel compiled against an older helper would be
# served; their digest goes into every kernel's cached name instead.
_HELPER_SOURCES = ("_jit.py", os.path.join("_kernels", "_vmath.py"),
                   os.path.join("_kernels", "_tiles.py"))


def _helpers_digest():
    h = hashlib.sha1()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _HELPER_SOURCES:
        try:
            with open(os.path.join(here, name), "rb") as fh:
                h.update(fh.read())
        except OSError:  # pragma: no cover - an installation without sources
            h.update(name.encode())
    return h.hexdigest()


_HELPERS = _helpers_digest()


def _options_tag(fastmath):
    # numba's cache key is the kernel's name and source, not its compile options: a
    # change of flags here would be served machine code compiled with the old ones.
    # The options, and the digest of the helpers' sources, go into the cached name.
    text = f"{sorted(FASTMATH) if fastmath else None}|numpy|serial|{_HELPERS}"
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def jit(func=None, *, fastmath=True, inline=False):
    """Compile ``func`` lazily with fastem's settings (serial, ``nogil``: see
    ``fastem._parallel`` for the parallel passes).

    Parameters
    ----------
    func : callable
        A plain Python function written in numba's subset.
    fastmath : bool
        Use :data:`FASTMATH` (never ``nnan``/``ninf``).
    inline : bool
        Inline the function into its jitted callers at numba's level (numba's
        ``inline="always"``): it is then typed and optimised as part of each caller
        instead of being compiled, optimised and linked as a library of its own. For
        small helpers: numba compiles every function it is given with the code of
        everything it calls, so each level of calls costs again.
    """
    if func is None:
        return lambda f: jit(f, fastmath=fastmath, inline=inline)
    if not HAS_NUMBA:
        return func
    options = dict(nogil=True, error_model="numpy", inline="always" if inline else "never",
                   fastmath=set(FASTMATH) if fastmath else False)
    func = _renamed(func, "__" + _options_tag(fastmath))
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
    options such as the fast-math flags: two variants compiled from
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


# One line on stderr whenever numba compiles one of fastem's kernels for longer than
# this: compiling (a new machine, a fresh cache, new argument types) takes seconds,
# loading from the cache well under one, so a call that is silent for long is
# compiling. numba's "numba:compile" event fires only when it compiles (not when it
# loads from the cache), so calls that do not compile pay nothing.
COMPILE_NOTICE_SECONDS = 2.0
_compiles = {"count": 0}  # kernels compiled in this process (the outermost only)
_compile_state = threading.local()


def compiled_count():
    """How many times this process compiled one of fastem's kernels (a kernel for
    some argument types; helpers compiled with it do not count): what a test reads
    to check that a call compiled nothing new."""
    return _compiles["count"]


def _describe_types(args):
    """The array argument types of a compile, as a short text: their dtype, layout
    and read-only flag are what make numba compile again."""
    seen = []
    for a in args:
        text = str(a)
        if "array(" in text and text not in seen:
            seen.append(text)
    return ", ".join(seen[:3]) + (", ..." if len(seen) > 3 else "")


def _compile_notice(name, types, first):
    cache = numba.config.CACHE_DIR or "the package's __pycache__"
    why = ("its cache holds no machine code for this machine" if first else
           "these argument types were not compiled before or cached")
    print(f"fastem: compiling {name} for {types}: {why} ({cache}). It is cached once "
          "compiled; `fastem warmup` compiles the common cases ahead.",
          file=sys.stderr, flush=True)


_ListenerBase: Any = numba.core.event.Listener if HAS_NUMBA else object


class _CompileListener(_ListenerBase):
    """Counts the compilations of fastem's kernels and announces each that runs
    past COMPILE_NOTICE_SECONDS: what is compiled and why (a timer thread per
    compilation, cancelled when it ends)."""

    @staticmethod
    def _ours(event):
        func = getattr(event.data["dispatcher"], "py_func", None)
        return getattr(func, "__module__", "").startswith("fastem.")

    def on_start(self, event):
        if not self._ours(event):
            return
        depth = getattr(_compile_state, "depth", 0)
        _compile_state.depth = depth + 1
        if depth:
            return  # a helper compiled inside a kernel: the kernel's compile counts
        _compile_state.timer = None
        if COMPILE_NOTICE_SECONDS is None:  # silenced (fastem warmup reports by group)
            return
        dispatcher = event.data["dispatcher"]
        name = dispatcher.py_func.__name__.split("__")[0].lstrip("_") or "a kernel"
        timer = threading.Timer(COMPILE_NOTICE_SECONDS, _compile_notice,
                                (name, _describe_types(event.data["args"]),
                                 not dispatcher.overloads))
        timer.daemon = True
        timer.start()
        _compile_state.timer = timer

    def on_end(self, event):
        if not self._ours(event):
            return
        _compile_state.depth -= 1
        if _compile_state.depth == 0:
            if _compile_state.timer is not None:
                _compile_state.timer.cancel()
            _compiles["count"] += 1


if HAS_NUMBA:
    numba.core.event.register("numba:compile", _CompileListener())


def default_threads():
    """The thread count of parallel passes unless configured (``n_threads``): numba's
    ``NUMBA_NUM_THREADS`` (the environment variable, or the CPU count), 1 without
    numba."""
    return numba.config.NUMBA_NUM_THREADS if HAS_NUMBA else 1


def runtime_info():
    """numba's version and the thread count of parallel passes, as a short string."""
    if not HAS_NUMBA:
        return "numba not available"
    return f"numba {numba.__version__} ({default_threads()} threads)"


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


def _make_bit_casts():
    """``bits_of(x)``: the bit pattern of a float64 (float32) as an int64 (int32);
    ``from_bits(i)``: the float64 (float32) with the bit pattern of an int64 (int32).
    One LLVM bitcast each, which vectorises (an int <-> float conversion would not: AVX2
    has no packed float64 -> int64 conversion). The vector exp builds 2**n with them."""
    from numba.core import types as nbtypes
    from numba.extending import intrinsic

    pairs = {nbtypes.float64: nbtypes.int64, nbtypes.float32: nbtypes.int32}

    @intrinsic
    def bits_of(typingctx, x):
        if x not in pairs:
            return None
        out = pairs[x]

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(out))

        return out(x), codegen

    back = {v: k for k, v in pairs.items()}

    @intrinsic
    def from_bits(typingctx, i):
        if i not in back:
            return None
        out = back[i]

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(out))

        return out(i), codegen

    return bits_of, from_bits


def by_float_type(float64_impl, float32_impl):
    """One function for kernels: ``float32_impl(x)`` for a float32 ``x``,
    ``float64_impl(x)`` for anything else, chosen when numba types the call (no branch
    at run time). The vector math gives float32 tiles their own exp this way."""
    from numba.core import types as nbtypes
    from numba.extending import overload

    def by_type(x):  # pragma: no cover - only ever compiled
        raise NotImplementedError

    @overload(by_type, jit_options={"fastmath": set(FASTMATH)})
    def _typed(x):
        if x == nbtypes.float32:
            return lambda x: float32_impl(x)
        return lambda x: float64_impl(x)

    return by_type


if HAS_NUMBA:
    prefetch_row = _make_prefetch_row()
    bits_of, from_bits = _make_bit_casts()
else:  # pragma: no cover - kernels modules are not imported without numba
    def prefetch_row(arr, row):
        return None

    bits_of = from_bits = None

    def by_float_type(float64_impl, float32_impl):
        return float64_impl
