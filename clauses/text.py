"""Text normalisation shared by header matching, trade lookup and keyword search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_key(text: str) -> str:
    """Lower case, no accents, single spaces, trimmed: 'Métier ' and 'metier' compare equal."""
    text = strip_accents(str(text)).replace("\u2019", "'").casefold()
    return _SPACES.sub(" ", text).strip()
