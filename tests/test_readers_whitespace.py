"""Trimming only the columns that need it gives exactly Arrow's trim."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from clauses.readers.whitespace import trim


def arrow_whitespace() -> list[str]:
    """Every character Arrow's Unicode trim removes, found by asking Arrow about each one."""
    characters = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    trimmed = pc.utf8_trim_whitespace(pa.array(characters, pa.large_string()))
    return [character for character, left in zip(characters, trimmed.to_pylist()) if left == ""]


WHITESPACE = arrow_whitespace()


def test_arrow_trims_the_spaces_french_exports_carry():
    assert {" ", "\t", "\u00a0", "\u202f", "\u2009", "\u3000"} <= set(WHITESPACE)


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_every_whitespace_character_at_either_end_is_trimmed(kind):
    for space in WHITESPACE:
        for cell in (space + "Aubière", "Aubière" + space, space, "é" + space, space + "é"):
            for cells in (["Gerzat", cell, "Cébazat"], ["", cell, ""], [cell], ["", "", cell]):
                column = pa.array(cells, kind)
                assert trim(column).to_pylist() == pc.utf8_trim_whitespace(column).to_pylist(), (hex(ord(space)), cells)
                alone = column.slice(cells.index(cell), 1)
                assert trim(alone).to_pylist() == [cell.strip("".join(WHITESPACE))], (hex(ord(space)), cells)


def test_a_column_without_surrounding_spaces_is_returned_as_it_is():
    column = pa.chunked_array([pa.array(["Clermont-Ferrand", "Hôtel de ville", "été", "", "Lot n° 3 – façade"], pa.large_string())] * 3)
    assert trim(column) is column


def test_one_chunk_needing_a_trim_trims_the_column():
    column = pa.chunked_array([pa.array(["Aubière"]), pa.array(["Gerzat\u00a0"])])
    assert trim(column).to_pylist() == ["Aubière", "Gerzat"]
