"""Infer a DECP record's trade from its CPV code and the words of its ``objet``.

Rule, in order:
1. words of the objet matching exactly one trade's keywords → that trade;
2. several trades' keywords match → the one whose CPV prefix also matches, if exactly one does;
3. no keyword → the trade with the longest CPV prefix matching the code;
4. otherwise the trade is not inferred, with the reason (never a guess).
CPV codes are compared without their check digit ("45320000-6" and "45320000" are the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clauses.config.trades import Trade
from clauses.text import normalise_key

_WORD_BOUNDARY = r"(?<![a-z0-9]){}(?![a-z0-9])"


@dataclass(frozen=True)
class Inference:
    trade: Trade | None
    reason: str  # how it was inferred, or why not


def cpv_digits(code: str) -> str:
    """'45320000-6' → '45320000'; keeps only the 8 digits of the code."""
    return re.sub(r"\D", "", str(code).split("-")[0])[:8]


class TradeInferrer:
    def __init__(self, trades: list[Trade]) -> None:
        self._patterns = [
            (trade, [re.compile(_WORD_BOUNDARY.format(re.escape(normalise_key(k)))) for k in trade.keywords])
            for trade in trades
        ]
        self._prefixes = sorted(
            ((prefix, trade) for trade in trades for prefix in trade.cpv_prefixes),
            key=lambda item: -len(item[0]),
        )

    def by_cpv(self, cpv: str) -> Trade | None:
        for prefix, trade in self._prefixes:
            if cpv.startswith(prefix):
                return trade
        return None

    def infer(self, cpv_code: str | None, objet: str | None) -> Inference:
        cpv = cpv_digits(cpv_code or "")
        text = normalise_key(objet or "")
        by_words = [trade for trade, patterns in self._patterns if any(p.search(text) for p in patterns)]
        cpv_trade = self.by_cpv(cpv) if cpv else None
        if len(by_words) == 1:
            return Inference(by_words[0], f"objet keywords ({by_words[0].key})")
        if len(by_words) > 1:
            if cpv_trade is not None and cpv_trade in by_words:
                return Inference(cpv_trade, f"CPV {cpv} among objet keywords")
            keys = ", ".join(t.key for t in by_words)
            return Inference(None, f"objet names several trades ({keys}) and CPV {cpv or 'absent'} does not decide")
        if cpv_trade is not None:
            return Inference(cpv_trade, f"CPV {cpv}")
        return Inference(None, f"no trade for CPV {cpv or 'absent'} and no trade keyword in objet")
