"""Text normalisation shared by header matching, trade lookup and keyword search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Ligatures Unicode does not decompose: "Gros œuvre" must match "gros oeuvre".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_key(text: str) -> str:
    """Lower case, no accents, ligatures spelt out, single spaces, trimmed: 'Métier ' and 'metier',
    'Gros œuvre' and 'gros oeuvre' compare equal."""
    text = strip_accents(str(text)).replace("\u2019", "'").casefold().translate(_LIGATURES)
    return _SPACES.sub(" ", text).strip()
