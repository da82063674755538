"""Vector math for the kernels: exp and log written in numba's subset, so that a loop
over an array of arguments vectorises (numba has no vector math library since 0.62,
and NumPy's float64 exp and log are scalar libm calls on AVX2 machines).

``exp64(x)`` (float64): ``x = n ln 2 + r`` with ``n = floor(x log2 e + 1/2)`` and
``r`` taken off in two steps (a high part of ln 2 with trailing zero bits, so that
``n * LN2_HI`` is exact, and the low part), ``e**r`` by a degree-13 Taylor polynomial
in Horner form on ``|r| <= ln(2) / 2`` (the first neglected term is below 1e-17
relative), and ``2**n`` put together from its exponent bits. Results: within 1 ulp of
``math.exp`` for ``-708.39 <= x <= 709.78``; exactly 0 below, where float64 leaves its
normal range (EM only takes exps of log-probabilities less their maximum, and a
responsibility under 2.2e-308 is 0 to every sum that uses it); ``exp64(0) == 1``,
``exp64(-inf) == 0``, ``inf`` above 709.78 and for ``+inf``, NaN for NaN.

``log64(x)`` (float64, for x > 0 normal): ``x = m 2**e`` with ``m`` in
``[sqrt(1/2), sqrt(2))``, ``log m = 2 atanh(z)``, ``z = (m - 1) / (m + 1)``, by its
odd series to ``z**21`` (``|z| <= 0.172``: the first neglected term is below 1e-17
relative), plus ``e ln 2`` in two parts; within 2 ulp of ``math.log``. ``log64(0) ==
-inf`` and ``log64(inf) == inf``; NaN for a negative or NaN argument. Subnormal
arguments are not supported (the kernels take logs of sums of exps that include
``exp(0) = 1``: always at least 1).

``exp32(x)`` (float32, for float32 tiles): the same steps in float32 arithmetic, a
degree-7 Taylor polynomial (the first neglected term is below 6e-9 relative, a tenth
of a float32 ulp); within 1 ulp of the correctly rounded float32 ``e**x`` for
``-87.33 <= x <= 88.72``, exactly 0 below (the log of the smallest normal float32),
``inf`` above, ``exp32(0) == 1``, ``exp32(-inf) == 0``, NaN for NaN. ``vexp(x)`` is
``exp32`` for a float32 argument and ``exp64`` otherwise, chosen at compile time.

All are branch-free in their main path (selects, not jumps), so that LLVM
vectorises the loops that call them. The kernels' fast-math flags leave out
``reassoc``, which would let LLVM fold the two-step reduction.

This module is imported by the kernel modules; ``fastem._jit`` puts a digest of its
source into every kernel's cache name, so that editing it recompiles them (numba's
cache would not notice edits to a helper in another module).
"""

import math

import numpy as np

from .._jit import bits_of, by_float_type, from_bits, jit

__all__ = ["exp64", "exp32", "vexp", "log64", "EXP64_MIN", "EXP64_MAX", "EXP32_MIN",
           "EXP32_MAX"]

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01  # 0x3fe62e42fee00000: n * LN2_HI exact, |n| < 2**11
LN2_LO = 1.90821492927058770002e-10
EXP64_MIN = -708.3964185322641  # log of the smallest normal float64
EXP64_MAX = 709.782712893384    # log of the largest float64
_SHIFT64 = 4503599627371519.0   # 2**52 + 1023: adds the exponent bias in the mantissa

# float32 (numba types a global np.float32 as float32, a Python float as float64)
EXP32_MIN = np.float32(-87.33654)  # log of the smallest normal float32, rounded up
EXP32_MAX = np.float32(88.72283)   # log of the largest float32, rounded down
_LOG2E32 = np.float32(LOG2E)
_LN2_HI32 = np.float32(0.693359375)        # 0x3f318000: n * _LN2_HI32 exact, |n| < 2**8
_LN2_LO32 = np.float32(-2.12194440e-4)     # ln 2 - _LN2_HI32
_SHIFT32 = np.float32(8388735.0)           # 2**23 + 127
_HALF32 = np.float32(0.5)
_ONE32 = np.float32(1.0)
_TWO32 = np.float32(2.0)
_ZERO32 = np.float32(0.0)
_INF32 = np.float32(np.inf)
_TOP32 = np.float32(127.0)
_C32 = tuple(np.float32(1.0 / math.factorial(j)) for j in range(8))

SQRT_HALF_BITS = 0x3FE6A09E667F3BCD  # bits of sqrt(1/2)
_MAGIC = 6755399441055744.0          # 1.5 * 2**52: int64 <-> float64 through the bits
_MAGIC_BITS = 0x4338000000000000


@jit
def exp64(x):
    """e**x for a float64 ``x``; see the module docstring for its range and edges."""
    xc = min(max(x, EXP64_MIN), EXP64_MAX)
    n = np.floor(xc * LOG2E + 0.5)
    r = (xc - n * LN2_HI) - n * LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    # 2**n: n + 1023 lands in the low mantissa bits of 2**52 + 1023 + n; at the top
    # (n = 1024, x near 709.78) as 2**(n - 1) * 2, since 2**1024 is not a float64
    top = n > 1023.0
    scale = from_bits(bits_of((n - 1.0 if top else n) + _SHIFT64) << 52)
    y = (p * scale) * (2.0 if top else 1.0)
    y = 0.0 if x < EXP64_MIN else y
    y = np.inf if x > EXP64_MAX else y
    return x if x != x else y


@jit
def exp32(x):
    """e**x for a float32 ``x``, in float32 arithmetic; see the module docstring."""
    xc = min(max(x, EXP32_MIN), EXP32_MAX)
    n = np.floor(xc * _LOG2E32 + _HALF32)
    r = (xc - n * _LN2_HI32) - n * _LN2_LO32
    p = _C32[7]
    p = p * r + _C32[6]
    p = p * r + _C32[5]
    p = p * r + _C32[4]
    p = p * r + _C32[3]
    p = p * r + _C32[2]
    p = p * r + _C32[1]
    p = p * r + _C32[0]
    # 2**n from the exponent bits (numba shifts in int64: back to int32 for the
    # float32 bit cast); at the top (n = 128) as 2**127 * 2
    top = n > _TOP32
    scale = from_bits(np.int32(bits_of((n - _ONE32 if top else n) + _SHIFT32) << 23))
    y = (p * scale) * (_TWO32 if top else _ONE32)
    y = _ZERO32 if x < EXP32_MIN else y
    y = _INF32 if x > EXP32_MAX else y
    return x if x != x else y


vexp = by_float_type(exp64, exp32)


@jit
def log64(x):
    """Natural log of a float64 ``x`` (positive, normal, or 0 or inf)."""
    bits = bits_of(x)
    # m in [sqrt(1/2), sqrt(2)): take the exponent relative to sqrt(1/2)'s bits
    e = (bits - SQRT_HALF_BITS) >> 52
    m = from_bits(bits - (e << 52))
    z = (m - 1.0) / (m + 1.0)
    z2 = z * z
    q = 2.0 / 21.0
    q = q * z2 + 2.0 / 19.0
    q = q * z2 + 2.0 / 17.0
    q = q * z2 + 2.0 / 15.0
    q = q * z2 + 2.0 / 13.0
    q = q * z2 + 2.0 / 11.0
    q = q * z2 + 2.0 / 9.0
    q = q * z2 + 2.0 / 7.0
    q = q * z2 + 2.0 / 5.0
    q = q * z2 + 2.0 / 3.0
    ef = from_bits(e + _MAGIC_BITS) - _MAGIC  # float(e), without a scalar conversion
    # log m = 2z + z^3 q(z^2); the small terms first, then the exact-ish 2z and e ln 2
    y = (ef * LN2_LO + z * z2 * q) + 2.0 * z + ef * LN2_HI
    y = -np.inf if x == 0.0 else y
    y = np.inf if x == np.inf else y
    return np.nan if not (x >= 0.0) else y
