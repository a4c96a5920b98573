"""Score a trade inferrer against a labelled set of real DECP records (tests/data/trade_labels/).

Precision: of the records it answers, the share answered rightly. Recall: of the records a
facilitator can place in a configured trade (label other than "none"), the share answered rightly.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

NONE = "none"


@dataclass(frozen=True)
class LabelledRecord:
    source: str
    buyer_id: str
    record_id: str
    cpv: str
    objet: str
    split: str  # "tune" or "holdout"
    trade: str  # a trade key, or "none"
    basis: str  # "objet" or "cpv": what the label was read from


@dataclass
class Score:
    records: int = 0
    placeable: int = 0  # labelled with a trade
    answered: int = 0
    right: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (label, answer) when wrong

    @property
    def precision(self) -> float:
        return self.right / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.placeable if self.placeable else 1.0


def load_labels(path: Path) -> list[LabelledRecord]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            LabelledRecord(**{k: row[k] for k in LabelledRecord.__dataclass_fields__})
            for row in csv.DictReader(handle)
        ]


def score(records: list[LabelledRecord], infer: Callable[[LabelledRecord], str | None]) -> Score:
    """``infer`` returns a trade key, or None when it does not answer."""
    result = Score()
    for record in records:
        answer = infer(record)
        result.records += 1
        result.placeable += record.trade != NONE
        if answer is None:
            if record.trade != NONE:
                result.confusions[(record.trade, "(non déduit)")] += 1
            continue
        result.answered += 1
        if answer == record.trade:
            result.right += 1
        else:
            result.confusions[(record.trade, answer)] += 1
    return result
