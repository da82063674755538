"""Numba kernels. Same module names, function names and arguments as
``fastem._reference``; imported only when a fit resolves ``backend="numba"``."""
