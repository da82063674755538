"""Exceptions and warnings raised by fastem."""

__all__ = ["NotFittedError", "ConvergenceWarning", "FastEMWarning"]


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
