"""Trim surrounding whitespace from a column of text, only when some cell has any.

Arrow's Unicode trim reads and copies every cell, about as long as reading the CSV file itself,
while most exported columns have no surrounding space at all. The first and last byte of every cell
tell, from the column's buffers and without decoding, whether a cell may start or end with
whitespace; only a column where one may is trimmed, by Arrow, so the result is always Arrow's.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Bytes a cell may start with when it starts with whitespace: ASCII whitespace and control
# characters (all at or below the space), and the UTF-8 lead bytes of every whitespace character
# above ASCII that Arrow trims: U+0085 and U+00A0 (0xC2), U+1680 and U+180E (0xE1), U+2000–U+205F
# (0xE2), U+3000 (0xE3). A wider net only costs a trim that changes nothing.
_SPACE = 0x20
_LEADS = np.zeros(256, dtype=bool)
_LEADS[[0xC2, 0xE1, 0xE2, 0xE3]] = True
_MAY_START_SPACE = _LEADS.copy()
_MAY_START_SPACE[: _SPACE + 1] = True
# The last byte of each of those characters (é ends in one of them too: its cells are looked at closer).
_MAY_END_SPACE = np.zeros(256, dtype=bool)
_MAY_END_SPACE[[0x85, 0xA0, *range(0x80, 0x8B), 0x8E, 0x9F, 0xA8, 0xA9, 0xAF]] = True


def _may_have_edge_space(array: pa.Array) -> bool:
    """Whether a cell of ``array`` (string or large_string) may start or end with whitespace.

    An empty cell's "first byte" is the next cell's first and its "last byte" the previous cell's
    last (or a byte outside the array for a slice): never a miss, at worst a needless trim. Columns
    are looked at in Arrow's chunks of a few thousand cells, so the number of numpy calls counts
    more than their size: byte tables are only consulted when a byte beyond ASCII is there."""
    if len(array) == 0:
        return False
    _, offsets_buffer, data_buffer = array.buffers()
    if data_buffer is None or data_buffer.size == 0:
        return False
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    first = data.take(offsets[:-1], mode="clip")
    if first.min() <= _SPACE or (first.max() >= 0xC2 and _MAY_START_SPACE[first].any()):
        return True
    ends = offsets[1:]
    last = data.take(ends - 1, mode="clip")
    if last.min() <= _SPACE:
        return True
    if last.max() < 0x80:
        return False
    # Cells ending in a character of two or three bytes that may be a space: its lead byte.
    ends = ends[_MAY_END_SPACE[last]]
    return bool(len(ends)) and bool(_LEADS[data.take(ends - 2, mode="clip")].any() or _LEADS[data.take(ends - 3, mode="clip")].any())


def trim(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``column`` with surrounding whitespace removed from every cell, as ``utf8_trim_whitespace``
    does; the column itself, uncopied, when no cell has any."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if any(_may_have_edge_space(chunk) for chunk in chunks):
        return pc.utf8_trim_whitespace(column)
    return column
