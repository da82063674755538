"""Parallel passes on Python threads.

A kernel's pass over the rows is cut into blocks, fixed by the data's shape and never
by the thread count, and written as a *blocks function* ``fn(first, last, *args)``:
it runs blocks first..last-1 and writes each block's results into that block's own
slot of the partial buffers, which are added in block order afterwards. The serial
pass is ``fn(0, n_blocks, *args)``; :func:`run_blocks` runs the same function on
several threads at once, the calling thread among them (the kernels are compiled
``nogil``).

Both run one machine code: numba compiles a pass once, where a ``prange`` kernel
would be a second compilation of everything the pass calls (about as long again),
and the results are the same bit for bit whichever thread took which block.
"""

import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

__all__ = ["run_blocks", "block_sum", "max_threads", "current_threads", "thread_limit",
           "TASKS_PER_THREAD"]

# Blocks are handed out in this many ranges per thread, taken in turn by whichever
# thread is free: a thread slowed by another process on its core takes fewer.
TASKS_PER_THREAD = 4

_pool = None
_pool_lock = threading.Lock()
_limit = threading.local()  # this thread's setting of thread_limit


def max_threads():
    """Most threads a parallel pass may use: numba's ``NUMBA_NUM_THREADS`` (its
    environment variable, or the CPU count); 1 without numba."""
    from ._jit import default_threads

    return default_threads()


def current_threads():
    """The thread count of a parallel pass started by this thread: what
    :func:`thread_limit` set, or :func:`max_threads`."""
    n = getattr(_limit, "n", None)
    return max_threads() if n is None else n


@contextmanager
def thread_limit(n_threads):
    """Parallel passes started by this thread run on ``n_threads`` threads (clipped
    to 1..max_threads()) inside the block; None leaves the setting as it is. Yields
    the thread count in force."""
    old = getattr(_limit, "n", None)
    if n_threads is not None:
        _limit.n = max(1, min(int(n_threads), max_threads()))
    try:
        yield current_threads()
    finally:
        _limit.n = old


def _workers(n):
    """The process's worker threads, at least ``n`` of them."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers < n:
            old, _pool = _pool, ThreadPoolExecutor(n, thread_name_prefix="fastem")
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def _after_fork_in_child():
    # a forked child has the parent's pool object but none of its threads
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def run_blocks(fn, n_blocks, args, n_threads):
    """``fn(first, last, *args)`` over blocks 0..n_blocks-1 on ``n_threads`` threads
    (the calling thread and ``n_threads - 1`` workers); returns when every block is
    done, and raises the first exception a block raised."""
    n_threads = min(int(n_threads), n_blocks)
    if n_threads <= 1:
        fn(0, n_blocks, *args)
        return
    n_tasks = min(n_blocks, TASKS_PER_THREAD * n_threads)
    tasks = queue.SimpleQueue()
    for i in range(n_tasks):
        tasks.put((n_blocks * i // n_tasks, n_blocks * (i + 1) // n_tasks))
    done = threading.Semaphore(0)
    errors = []

    def work():
        while True:
            try:
                first, last = tasks.get_nowait()
            except queue.Empty:
                return
            try:
                fn(first, last, *args)
            except BaseException as exc:  # noqa: BLE001 - raised by the caller below
                errors.append(exc)
            finally:
                done.release()

    pool = _workers(n_threads - 1)
    for _ in range(n_threads - 1):
        pool.submit(work)
    work()
    # wait for the tasks, not for the workers: a worker still busy with another
    # caller's pass finds the queue empty when it gets here
    for _ in range(n_tasks):
        done.acquire()
    if errors:
        raise errors[0]


def block_sum(partials):
    """The blocks' partial results (block along the first axis) added in block order:
    the same rounding whatever the layout of the other axes (``sum`` would add some
    shapes pairwise), in float64. A sum past float64's range is inf, without a
    warning: the estimators check their results."""
    if partials.shape[0] == 0:
        return np.zeros(partials.shape[1:])
    with np.errstate(over="ignore", invalid="ignore"):  # inf as the kernels' sums give
        return np.add.accumulate(partials, axis=0, dtype=np.float64)[-1]
