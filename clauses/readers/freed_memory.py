"""Hand memory the C library's allocator keeps after it was freed back to the system.

Arrow allocates through the C library's ``malloc`` (see ``clauses.readers``), and so do numpy and
pandas. glibc keeps freed memory for later allocations, in one arena per thread: the 1 MiB blocks
Arrow's reader threads parse a large CSV in, and the temporaries of a column-by-column validation,
stay counted in the process's memory once freed. At a million lots that is about 200 MiB left
after the parse, on top of which the validation then allocates. ``malloc_trim`` returns it (a few
tens of milliseconds); on a C library without it, nothing is done.
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
