"""Input checks and error messages shared by every model.

Every error names the argument and what was expected. Arrays leave here
C-contiguous, float32 or float64 (other numeric dtypes become float64), finite
and non-empty.
"""

import numbers
import os
import sys
import warnings

import numpy as np

from .exceptions import NotFittedError

__all__ = [
    "check_array", "check_sample_weight", "check_int", "check_float", "check_bool",
    "check_float_array", "check_mixture_weights",
    "check_choice", "check_is_fitted", "check_features", "seed_sequence", "restart_seeds",
    "rescaled_sample_weight", "weight_exponent", "weighted_total", "warn", "check_labels",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message, category=UserWarning):
    """``warnings.warn`` pointing at the first line outside fastem: the user's call
    (or the library's that called fastem), whatever the depth of fastem's own calls."""
    frame = sys._getframe(1)
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, _with_sklearn_twin(category), stacklevel=level)


_TWINS: dict = {}


def _with_sklearn_twin(category):
    """fastem's ConvergenceWarning, as a subclass of scikit-learn's too when
    scikit-learn is loaded (as it is when a filter names its class), so that a filter
    on either catches it; fastem never imports scikit-learn for this."""
    from .exceptions import ConvergenceWarning

    if category is not ConvergenceWarning:
        return category
    theirs = getattr(sys.modules.get("sklearn.exceptions"), "ConvergenceWarning", None)
    if theirs is None:
        return category
    twin = _TWINS.get(theirs)
    if twin is None:
        # named in fastem.exceptions (its module __getattr__ finds it), so that the
        # class and its warnings pickle, to a process pool's parent for instance
        twin = _TWINS[theirs] = type("ConvergenceWarningWithSklearn",
                                     (ConvergenceWarning, theirs), {
                                         "__module__": "fastem.exceptions",
                                         "__doc__": ConvergenceWarning.__doc__})
        # shown as the public class a user filters on; pickle finds the twin by its
        # qualified name
        twin.__name__ = "ConvergenceWarning"
    return twin

FLOAT_DTYPES = (np.float64, np.float32)


def _is_sparse(X):
    module = type(X).__module__ or ""
    return module.startswith("scipy.sparse") or hasattr(X, "tocsr")


def is_dask_array(X):
    """Whether X is a ``dask.array.Array`` (checked without importing dask)."""
    return type(X).__module__.startswith("dask.") and hasattr(X, "chunks") and hasattr(
        X, "map_blocks")


def readonly(a):
    """``a`` as a read-only view (free: no copy). numba compiles a kernel once per
    argument type, and a read-only array is another type than a writeable one: the
    kernels take their data in this one form, whether the caller's array was
    writeable, a pandas 3 DataFrame's read-only values, or a memmap opened for
    reading."""
    if isinstance(a, np.ndarray) and a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def writeable(a):
    """``a`` as a writeable C-contiguous array, copied only when it is not one: the
    one form of the kernels' small parameter arrays (a user's ``means_init`` from a
    DataFrame, or shared variances broadcast over the components, are read-only)."""
    if isinstance(a, np.ndarray) and not (a.flags.writeable and a.flags.c_contiguous):
        a = np.array(a, order="C")
    return a


def _frame_to_numpy(X):
    """A DataFrame or Series as an array. Nullable columns (pandas' Float64, Int64,
    boolean: extension dtypes) become float64 with NaN where they hold ``pd.NA``, so
    that a missing value is missing wherever NaN is (as scikit-learn reads them)."""
    dtypes = getattr(X, "dtypes", None)
    dtypes = [getattr(X, "dtype", None)] if dtypes is None or not hasattr(
        dtypes, "__iter__") else list(dtypes)
    if any(dt is not None and not isinstance(dt, np.dtype) for dt in dtypes):
        try:
            return X.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            pass  # not numbers: refused below with the usual message
    return X.to_numpy()


def data_ndim(X):
    """np.ndim(X), or -1 where X is not an array of one shape (a ragged list): the
    checks of :func:`check_array` then say what is wrong with X."""
    try:
        return np.ndim(X)
    except (TypeError, ValueError):
        return -1


def check_array(X, *, name="X", allow_1d=False, dtype=FLOAT_DTYPES, min_samples=1,
                estimator=None, allow_nan=False, nan_hint=""):
    """Validate a data array and return it as a C-contiguous floating array.

    Parameters
    ----------
    X : array-like
        The data.
    name : str
        Argument name used in error messages.
    allow_1d : bool
        Accept 1-D input as one feature (returned with shape (n, 1)).
    dtype : tuple of dtypes
        Kept when X already has one of them; otherwise X becomes ``dtype[0]``.
    min_samples : int
        Minimum number of rows.
    estimator : str, optional
        Estimator name for messages.
    allow_nan : bool
        Accept NaN (missing values); infinity is refused all the same.
    nan_hint : str
        Appended to the message that refuses NaN (for instance the option that
        accepts them).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    """
    if _is_sparse(X):
        raise TypeError(f"{name} is a sparse matrix, but fastem needs dense data: "
                        f"convert it with {name}.toarray().")
    if hasattr(X, "iloc") or hasattr(X, "to_numpy"):
        X = _frame_to_numpy(X)
    try:
        X = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers: {exc}") from None
    if X.dtype.kind == "O":
        try:
            X = X.astype(dtype[0])
        except (TypeError, ValueError) as exc:
            # keeps numpy's own wording, e.g. "argument must be a string or a number"
            raise type(exc)(f"{name} must hold numbers: {exc}") from None
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} must hold real numbers.")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {X.dtype}.")
    if X.ndim == 0:
        raise ValueError(f"Expected 2D array for {name}, got scalar array instead.")
    if X.ndim == 1:
        if not allow_1d:
            raise ValueError(
                f"Expected 2D array for {name}, got 1D array instead. Reshape your data "
                "either using array.reshape(-1, 1) if your data has a single feature or "
                "array.reshape(1, -1) if it contains a single sample.")
        X = X.reshape(-1, 1)
    if X.ndim > 2:
        raise ValueError(f"{name} must be {'1-D or ' if allow_1d else ''}2-D, "
                         f"got an array with {X.ndim} dimensions (shape {X.shape}).")
    n_samples, n_features = X.shape
    if n_samples < min_samples:
        who = f" by {estimator}" if estimator else ""
        raise ValueError(f"{name} is empty or too small: found array with {n_samples} "
                         f"sample(s) (shape={X.shape}) while a minimum of {min_samples} "
                         f"is required{who}.")
    if n_features == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={X.shape}) while a minimum of 1 "
                         "is required.")
    if X.dtype not in dtype:
        X = X.astype(dtype[0])
    X = np.ascontiguousarray(X)
    # One sum is cheap; NaN and inf propagate through it. A finite array whose sum
    # overflows is checked element-wise.
    with np.errstate(over="ignore", invalid="ignore"):
        total = X.sum(dtype=np.float64)
    if not np.isfinite(total) and not np.isfinite(X).all():
        if np.isinf(X).any():
            raise ValueError(f"{name} contains infinity; fastem needs finite values.")
        if not allow_nan:
            raise ValueError(f"{name} contains NaN; fastem needs finite values (remove "
                             f"or impute them first{nan_hint}).")
    return X


def check_sample_weight(sample_weight, n_samples, *, name="sample_weight",
                        allow_zero_sum=False):
    """Validate sample weights: float64 of shape (n_samples,), finite, >= 0, sum > 0
    (or 0 with ``allow_zero_sum``: the statistics of a chunk may be empty).

    None gives unit weights and a scalar gives constant weights.
    """
    if sample_weight is None:
        return np.ones(n_samples)
    if _is_sparse(sample_weight):
        raise TypeError(f"{name} must be a dense 1-D array, got a sparse matrix.")
    if np.iscomplexobj(sample_weight):
        raise ValueError(f"Complex data not supported: {name} must hold real numbers.")
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(f"{name}.shape == {w.shape}, expected ({n_samples},): one "
                         "weight per sample.")
    if not np.isfinite(w).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    if (w < 0).any():
        raise ValueError(f"{name} must be non-negative; found {np.sum(w < 0)} negative "
                         "value(s).")
    with np.errstate(over="ignore"):
        total = w.sum()
    if not np.isfinite(total):
        raise ValueError(f"{name} sums to infinity: scale the weights down.")
    if not total > 0 and not allow_zero_sum:
        raise ValueError(f"{name} sums to zero: at least one sample needs a positive "
                         "weight.")
    return np.ascontiguousarray(w)


def check_label_layout(dtype, shape, n_samples, name="labels"):
    """The dtype and shape partial labels need (a Dask array's are checked here before
    its values are read)."""
    if dtype.kind == "b" or dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold integer component indices (-1 for an unlabelled "
                        f"row), got dtype {dtype}.")
    if len(shape) != 1 or shape[0] != n_samples:
        raise ValueError(f"{name}.shape == {tuple(shape)}, expected ({n_samples},): one "
                         "label per sample (-1 for an unlabelled one).")


def check_labels(y, n_samples, n_components, *, name="labels"):
    """Partial labels for a semi-supervised fit, in scikit-learn's convention: a
    component index in ``0 .. n_components - 1`` for a labelled row, -1 for an
    unlabelled one. Integers, or whole floats (as pandas stores them); NaN and
    anything else is refused.

    Returns
    -------
    y : ndarray of shape (n_samples,), int64, or None when no row is labelled
    """
    if y is None:
        return None
    if _is_sparse(y):
        raise TypeError(f"{name} must be a dense 1-D array of component indices (-1 for "
                        "an unlabelled row), got a sparse matrix.")
    try:
        arr = np.asarray(y)
    except ValueError:  # ragged nesting
        raise ValueError(f"{name} must be a 1-D array of component indices (-1 for an "
                         "unlabelled row), one per sample.") from None
    if arr.dtype == object:
        if any(isinstance(v, (str, bytes)) for v in arr.ravel()):
            raise TypeError(f"{name} must hold integer component indices (-1 for an "
                            "unlabelled row), got strings.")
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold integer component indices (-1 for an "
                            "unlabelled row), got values that are not numbers.") from None
    check_label_layout(arr.dtype, arr.shape, n_samples, name)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinity; mark an unlabelled row "
                             "with -1.")
        if not np.all(arr == np.floor(arr)):
            raise TypeError(f"{name} must hold whole component indices, got "
                            f"{arr[arr != np.floor(arr)][0].item()!r}.")
    bad = (arr < -1) | (arr >= n_components)
    if bad.any():
        raise ValueError(f"{name} must hold component indices in 0..{n_components - 1} or "
                         f"-1 (unlabelled), got {arr[bad][0].item()!r} at row "
                         f"{int(np.flatnonzero(bad)[0])}.")
    arr = arr.astype(np.int64)
    return arr if (arr >= 0).any() else None


def encode_labels(labels, classes=None, n_components=None, *, name="labels"):
    """Partial labels as component indices: ``(codes, classes)``.

    ``labels`` holds one class label per row (numbers or strings, any values a user
    has: R's 1..k, species names) and marks an unlabelled row with -1, None or NaN.
    ``classes`` (a model's ``classes_``: the label of component j is ``classes[j]``)
    maps known labels; a label it lacks takes the next free component (at most
    ``n_components``). Without ``classes``, the labels' sorted distinct values.

    Returns
    -------
    codes : ndarray of shape (n_samples,), int64: the component of each row, -1 for an
        unlabelled one
    classes : ndarray of shape (n_classes,): the label of each labelled component
    """
    what = (f"{name} must be a 1-D array of class labels, one per sample (-1, None or "
            "NaN for an unlabelled row)")
    if _is_sparse(labels):
        raise TypeError(f"{what}, got a sparse matrix.")
    if hasattr(labels, "iloc") or hasattr(labels, "to_numpy"):
        labels = _frame_to_numpy(labels)  # pd.NA in a nullable column: unlabelled
    try:
        arr = np.asarray(labels)
    except ValueError:  # ragged nesting
        raise ValueError(f"{what}.") from None
    if arr.ndim != 1:
        raise ValueError(f"{what}, got shape {arr.shape}.")
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} holds booleans, which cannot mark an unlabelled row: "
                        "give the classes as numbers or strings.")
    if arr.dtype.kind == "c" or arr.dtype.kind not in "iufOUS":
        raise TypeError(f"{name} must hold numbers or strings, got dtype {arr.dtype}.")
    if arr.dtype.kind in "iuf":
        with np.errstate(invalid="ignore"):
            unlabelled = (arr == -1) | np.isnan(arr) if arr.dtype.kind == "f" else arr == -1
        if arr.dtype.kind == "f" and np.isinf(arr).any():
            raise ValueError(f"{name} contains infinity; mark an unlabelled row with -1.")
    elif arr.dtype.kind == "O":
        unlabelled = np.array([v is None or (isinstance(v, (float, np.floating)) and
                                             v != v) or (isinstance(v, (int, np.integer))
                                                         and not isinstance(v, bool)
                                                         and v == -1)
                               for v in arr], dtype=bool)
        if any(isinstance(v, (bool, np.bool_)) for v in arr):
            raise TypeError(f"{name} holds booleans, which cannot mark an unlabelled "
                            "row: give the classes as numbers or strings.")
    else:
        unlabelled = np.zeros(arr.shape[0], dtype=bool)
    values = arr[~unlabelled]
    if arr.dtype.kind == "O" and values.size:
        kinds = {isinstance(v, (str, bytes, np.str_)) for v in values}
        if len(kinds) > 1:
            raise TypeError(f"{name} mixes strings and numbers: give every class label "
                            "of one kind.")
        values = values.astype(str if kinds == {True} else np.float64)
    codes = np.full(arr.shape[0], -1, dtype=np.int64)
    if classes is None or len(classes) == 0:
        classes, inverse = np.unique(values, return_inverse=True)
        codes[~unlabelled] = inverse.reshape(-1)
    else:
        classes = np.asarray(classes)
        seen = np.unique(values)
        try:
            known = np.isin(seen, classes)
        except TypeError:
            raise TypeError(f"{name} holds labels of another kind than the model's "
                            f"classes_ ({classes.dtype}).") from None
        if not known.all():  # new classes take the next free components
            classes = np.concatenate([classes, seen[~known]])
        order = np.argsort(classes, kind="stable")
        codes[~unlabelled] = order[np.searchsorted(classes, values, sorter=order)]
    if n_components is not None and len(classes) > n_components:
        raise ValueError(f"{name} has {len(classes)} classes ({_few(classes)}) but the "
                         f"model has {n_components} components: one class per "
                         "component at most.")
    return codes, classes


def _few(values, most=5):
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:most])
    return shown + (", ..." if len(values) > most else "")


def weight_exponent(top):
    """The exponent ``e`` with ``top * 2**-e`` in [1, 2) for the largest weight
    ``top``; 0 where ``top`` is not a finite positive number (left to the checks)."""
    if not (np.isfinite(top) and top > 0):
        return 0
    return int(np.frexp(top)[1]) - 1


def rescaled_sample_weight(sample_weight):
    """Weights multiplied by the power of two that brings the largest into [1, 2), and
    that power's exponent: ``(weights * 2**-e, e)``.

    A weighted EM fit depends on the weights through their ratios only; fitting on
    rescaled weights makes it independent of their scale (weights of 1e-320 or 1e300
    neither underflow nor overflow in the sums), and a power of two changes no digit
    (``np.ldexp`` scales subnormal weights too). Unit weights are returned as they
    are. Anything that is not an array of finite real numbers with a positive maximum
    is returned untouched (``e = 0``), for :func:`check_sample_weight` to refuse.
    """
    if sample_weight is None or _is_sparse(sample_weight) or is_dask_array(sample_weight):
        return sample_weight, 0
    try:
        w = np.asarray(sample_weight)
    except (TypeError, ValueError):
        return sample_weight, 0
    if w.dtype.kind not in "biuf" or w.size == 0:
        return sample_weight, 0
    w = w.astype(np.float64)
    with np.errstate(invalid="ignore"):
        top = np.max(w)
    if not (np.isfinite(top) and top > 0):
        return sample_weight, 0
    exponent = weight_exponent(top)
    return (np.ldexp(w, -exponent), exponent) if exponent else (w, 0)


def weighted_total(values, sample_weight):
    """``(sum(w * values), sum(w))`` over the rows, unit weights when None. Rows of
    weight 0 are left out (a row of log-likelihood -inf and weight 0 counts nothing,
    where 0 * -inf would be NaN). A Dask array of values is computed."""
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is None:
        return float(values.sum()), float(values.shape[0])
    w = check_sample_weight(np.asarray(sample_weight), values.shape[0])
    live = w > 0
    return float(w[live] @ values[live]), float(w.sum())


def check_float_array(value, name):
    """A user-given array of parameters (initial weights, means, ...) as finite
    float64, or a TypeError/ValueError naming it."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def check_mixture_weights(value, n_components, name="weights_init"):
    """Mixing weights of shape (n_components,), in [0, 1], summing to 1 (to 1e-6);
    returned renormalised to sum exactly to 1."""
    w = check_float_array(value, name)
    if w.shape != (n_components,):
        raise ValueError(f"{name} must have shape (n_components,) = ({n_components},), "
                         f"got {w.shape}.")
    if (w < 0).any() or (w > 1).any():
        raise ValueError(f"{name} must lie in [0, 1], got min {w.min():.4g} and max "
                         f"{w.max():.4g}.")
    if not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-6):
        raise ValueError(f"{name} must sum to 1, got sum = {w.sum():.6g}.")
    return w / w.sum()


def check_int(value, name, *, min_value=None, max_value=None):
    """An integer parameter (bool is refused) within optional bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} "
                        f"({type(value).__name__}).")
    value = int(value)
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}.")
    if max_value is not None and value > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {value}.")
    return value


def check_float(value, name, *, min_value=None, include_min=True):
    """A real parameter, finite, with an optional lower bound."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} "
                        f"({type(value).__name__}).")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    if min_value is not None:
        if value < min_value or (not include_min and value == min_value):
            op = ">=" if include_min else ">"
            raise ValueError(f"{name} must be {op} {min_value}, got {value}.")
    return value


def check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}.")
    return value


_sklearn_not_fitted: dict = {}


def _not_fitted_error_class():
    """fastem's NotFittedError; when scikit-learn is already imported, a subclass
    that is scikit-learn's NotFittedError too, so ``except`` clauses written for
    either catch it. (Importing scikit-learn just for this would cost 0.8 s.)"""
    sk = sys.modules.get("sklearn.exceptions")
    if sk is None:
        return NotFittedError
    if "cls" not in _sklearn_not_fitted:
        _sklearn_not_fitted["cls"] = type("NotFittedError", (NotFittedError, sk.NotFittedError),
                                          {"__module__": "fastem.exceptions"})
    return _sklearn_not_fitted["cls"]


def check_is_fitted(estimator, attribute):
    if not hasattr(estimator, attribute):
        raise _not_fitted_error_class()(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' "
            "with appropriate arguments before using this estimator.")


def _feature_names(X):
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = np.asarray(list(columns), dtype=object)
    if len(names) and all(isinstance(c, str) for c in names):
        return names
    return None


def record_features(estimator, X_raw, X):
    """Set ``n_features_in_`` (and ``feature_names_in_`` for string-named columns)."""
    estimator.n_features_in_ = X.shape[1]
    names = _feature_names(X_raw)
    if names is not None:
        estimator.feature_names_in_ = names
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def check_features(estimator, X_raw, X):
    """At predict time: same number of features, and the same names if fitted with
    names (a warning when names are missing now, as scikit-learn does)."""
    cls = type(estimator).__name__
    fitted = getattr(estimator, "feature_names_in_", None)
    names = _feature_names(X_raw)
    if fitted is not None and names is None:
        warn(f"X does not have valid feature names, but {cls} was fitted with feature "
             "names", UserWarning)
    elif fitted is None and names is not None:
        warn(f"X has feature names, but {cls} was fitted without feature names",
             UserWarning)
    elif fitted is not None and (len(fitted) != len(names) or (fitted != names).any()):
        raise ValueError("The feature names should match those that were passed during "
                         f"fit: expected {list(fitted)}, got {list(names)}.")
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but {cls} is expecting "
                         f"{estimator.n_features_in_} features as input.")


def seed_sequence(random_state):
    """Turn ``random_state`` into a :class:`numpy.random.SeedSequence`.

    None draws fresh entropy; an int or a SeedSequence is used as is; a Generator
    or a RandomState is asked for one 63-bit integer (so it is advanced).
    """
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError(f"random_state must be None, an int, a SeedSequence, a "
                        f"Generator or a RandomState, got {random_state!r}.")
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got "
                             f"{random_state}.")
        return np.random.SeedSequence(int(random_state))
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(int(random_state.integers(2**63)))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(2**31 - 1)))
    raise TypeError(f"random_state must be None, an int, a SeedSequence, a Generator "
                    f"or a RandomState, got {type(random_state).__name__}.")


def restart_seeds(random_state, n_init):
    """The seed of each of ``n_init`` restarts.

    With ``n_init == 1`` the stream is ``SeedSequence(random_state)`` itself; with
    more, restart ``i`` uses ``SeedSequence(random_state).spawn(n_init)[i]``. So
    ``random_state=np.random.SeedSequence(s).spawn(n)[i], n_init=1`` replays restart
    ``i`` of ``random_state=s, n_init=n`` alone. The children are built directly, so
    a SeedSequence passed in is not advanced.
    """
    root = seed_sequence(random_state)
    if n_init == 1:
        return [root]
    return [np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (i,),
                                   pool_size=root.pool_size)
            for i in range(n_init)]
