"""Readers: turn the files partners send (CSV, XLSX, DECP JSON) into typed, validated tables."""

import pyarrow as pa

# Arrow's allocator. Its default, mimalloc, asks Linux for transparent huge pages: the first touch
# of every 2 MiB it maps zeroes all of it, or waits for the kernel to compact memory into a free
# huge page; a fresh process reading a million-lot CSV took 0.26 s or 0.80 s by chance. The C
# library's allocator is steady but slow for the reader's threads (0.41 s, and 850 MiB at its peak
# against 570 MiB). jemalloc is steady and the fastest of the three (0.33 s), and keeps Arrow's
# memory out of the C library's, whose freed memory ``freed_memory`` hands back
# (bench/bench_ingest.py). A pyarrow built without it falls back to the C library's.
try:
    pa.set_memory_pool(pa.jemalloc_memory_pool())
except NotImplementedError:
    pa.set_memory_pool(pa.system_memory_pool())
