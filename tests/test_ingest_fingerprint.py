"""Lot fingerprints stay those earlier ingestions stored: ``hash_pandas_object`` of the stored fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from clauses.ingest.fingerprint import content_fingerprints, text_hashes


def lots_like() -> pd.DataFrame:
    """The kinds of columns a validated pipeline holds: Arrow strings (some missing), objects,
    categoricals, floats (some NaN) and dates."""
    return pd.DataFrame(
        {
            "external_id": pd.Series(["L-1", "L-2", "Lot é 3", "L-4"], dtype="str"),
            "commune": pd.Series(["Aubière", None, "Aubière", "Gerzat"], dtype="str"),
            "name": pd.Series(["Gros œuvre", "Peinture", "Gros œuvre", ""], dtype=object),
            "status": pd.Categorical(["awarded", "planned", "awarded", "done"]),
            "amount_ht": [1_000_000.0, np.nan, 12.5, 0.0],
            "start": pd.to_datetime(["2026-03-02", "2027-01-01", "2028-02-29", "2026-03-02"]),
        }
    )


def test_fingerprints_are_pandas_hashes_as_text():
    lots = lots_like()
    expected = pd.util.hash_pandas_object(lots, index=False).to_numpy().astype(str)
    assert content_fingerprints(lots).tolist() == expected.tolist()


def test_text_hashed_from_arrow_gives_the_same_fingerprints():
    lots = lots_like()
    hashed = {"external_id": text_hashes(lots["external_id"], distinct=True)}
    hashed |= {name: text_hashes(lots[name]) for name in ("commune", "name")}
    for name, hashes in hashed.items():
        assert hashes.tolist() == pd.util.hash_pandas_object(lots[name], index=False).tolist(), name
    assert content_fingerprints(lots, hashed=hashed).tolist() == content_fingerprints(lots).tolist()


def test_text_hashes_of_a_column_read_in_chunks():
    """A column Arrow read in several blocks: values repeated across chunks, missing and empty cells."""
    chunks = pa.chunked_array([["Aubière", None, "Gerzat"], ["", "Gerzat", "Aubière", None]], pa.large_string())
    column = chunks.to_pandas()
    assert text_hashes(column).tolist() == pd.util.hash_pandas_object(column, index=False).tolist()
    assert len(text_hashes(column.iloc[:0])) == 0


def test_fingerprints_without_columns_are_pandas_hashes():
    lots = pd.DataFrame(index=range(3))
    expected = pd.util.hash_pandas_object(lots, index=False).to_numpy().astype(str)
    assert content_fingerprints(lots).tolist() == expected.tolist()


def test_rows_fingerprinted_in_two_halves_are_those_of_pandas(monkeypatch):
    """Large files are fingerprinted in two halves at once: the same fingerprints, in row order,
    on the frame's own index."""
    from clauses.ingest import fingerprint

    monkeypatch.setattr(fingerprint, "SPLIT_ROWS", 2)
    lots = lots_like().set_axis([10, 11, 12, 13])
    hashed = {"external_id": text_hashes(lots["external_id"], distinct=True), "commune": text_hashes(lots["commune"])}
    expected = pd.util.hash_pandas_object(lots, index=False).to_numpy().astype(str)
    fingerprints = content_fingerprints(lots, hashed=hashed)
    assert fingerprints.tolist() == expected.tolist()
    assert fingerprints.index.tolist() == [10, 11, 12, 13]
