"""Hand memory the C library's allocator keeps after it was freed back to the system.

numpy and pandas allocate through the C library's ``malloc`` (Arrow through jemalloc, see
``clauses.readers``). glibc keeps freed memory for later allocations, in one arena per thread: the
temporaries of a column-by-column validation, made in two threads, stay counted in the process's
memory once freed. ``malloc_trim`` returns them (a few tens of milliseconds); on a C library
without it, nothing is done.
"""

from __future__ import annotations

import ctypes

try:
    _MALLOC_TRIM = ctypes.CDLL(None).malloc_trim
except (AttributeError, OSError):  # not glibc
    _MALLOC_TRIM = None


def release_freed_memory() -> None:
    """Return the memory freed so far to the system, where the C library can."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
