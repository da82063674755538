"""Exceptions and warnings raised by fastem."""

__all__ = ["NotFittedError", "ConvergenceWarning", "FastEMWarning",
           "IdentifiabilityWarning", "DegenerateComponentWarning"]


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted estimator is called before ``fit``.

    It subclasses both ``ValueError`` and ``AttributeError``, like scikit-learn's
    exception of the same name, so code written for scikit-learn catches it.
    """


class FastEMWarning(UserWarning):
    """Base class of fastem's warnings."""


class ConvergenceWarning(FastEMWarning):
    """The best EM run stopped before converging, or the fit is weaker than asked
    (for instance fewer distinct clusters than requested)."""


class IdentifiabilityWarning(FastEMWarning):
    """The model cannot be identified from data of this shape (for instance a mixture
    of K binomials with n trials needs n >= 2K - 1): several parameter sets fit
    equally well, and the one returned is arbitrary."""


class DegenerateComponentWarning(FastEMWarning):
    """A fitted Gaussian component rests on fewer than n_features + 1 effective
    points, or its smallest variance is down at the ``reg_covar`` floor: its
    covariance (and the likelihood it gives) describes a few points, not a cluster.
    Fewer components, a larger ``reg_covar``, or another covariance type help."""


def __getattr__(name):
    # ConvergenceWarningWithSklearn: fastem's ConvergenceWarning as a subclass of
    # scikit-learn's too, made when a warning is raised with scikit-learn loaded
    # (fastem._validation.warn); here so that pickles of it find it. Without
    # scikit-learn, fastem's own class stands in.
    if name == "ConvergenceWarningWithSklearn":
        from . import _validation

        try:
            import sklearn.exceptions  # noqa: F401
        except ImportError:
            return ConvergenceWarning
        return _validation._with_sklearn_twin(ConvergenceWarning)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
