"""Lot fingerprints stay those earlier ingestions stored: ``hash_pandas_object`` of the stored fields."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clauses.ingest.fingerprint import cell_hashes, content_fingerprints


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


def test_cells_hashed_one_by_one_give_the_same_fingerprints():
    lots = lots_like()
    hashes = cell_hashes(lots["external_id"])
    assert hashes.tolist() == pd.util.hash_pandas_object(lots["external_id"], index=False).tolist()
    assert content_fingerprints(lots, hashed={"external_id": hashes}).tolist() == content_fingerprints(lots).tolist()
