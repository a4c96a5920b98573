"""Readers: turn the files partners send (CSV, XLSX, DECP JSON) into typed, validated tables."""

import pyarrow as pa

# Arrow's default allocator (mimalloc) asks Linux for transparent huge pages: the first touch of
# every 2 MiB it maps zeroes all of it, or waits for the kernel to compact memory into a free huge
# page. Reading and validating a 100,000-lot file in a fresh process spent a quarter to a third of
# its time there. The C library's allocator maps ordinary pages, touched only when used: the same
# file is read and validated 10-25 % faster, with far less variance (bench/bench_ingest.py; its
# pandas.read_csv, which imports this package too, is unchanged).
pa.set_memory_pool(pa.system_memory_pool())
