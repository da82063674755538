"""Pure NumPy twins of every numba kernel: the fallback backend and the test oracle.

Each module here has the same functions, arguments and IN/OUT buffers as its
namesake in ``fastem._kernels``. Nothing here imports numba.
"""
