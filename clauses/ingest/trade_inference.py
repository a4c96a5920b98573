"""Infer a DECP record's trade from its CPV code and the words of its ``objet``.

The vocabulary is configuration (``config/trades.yaml``): each trade's ``keywords`` and
``cpv_prefixes``, and the ``inference`` block's words and codes of work no configured trade covers
(demolition, asbestos removal, landscaping…) and of whole operations ("tous corps d'état"). Text is
folded before matching: accents removed, "œ" → "oe", lower case, punctuation as spaces, whole words.

Rule, in order:
1. text damaged (mojibake): the CPV code alone decides;
2. the objet names a lot ("Lot 8 : Vitrerie"): only the words of its lot title count; several lots
   naming different trades are not inferred;
3. words name one trade → that trade; they name several → the first named (a lot is named by its
   main trade first), provided the record is a lot or its CPV code names one of them; if the first
   named work is one no configured trade covers → not inferred;
4. no trade word: a whole operation ("tous corps d'état") → not inferred; otherwise the trade of the
   longest configured CPV prefix matching the code, unless a longer prefix marks work no trade covers;
5. otherwise not inferred, with the reason (never a guess).
CPV codes are compared without their check digit ("45320000-6" and "45320000" are the same).
Reasons are French: the coordinator reads them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clauses.config.trades import InferenceRules, Trade

if TYPE_CHECKING:
    from clauses.config.loader import Config

_NOT_WORD = re.compile(r"[^a-z0-9]+")
# "lot 8 :", "lot n° 5", "lot05", "lots 3, 4 et 5", "lot 06a": the marker, not its title.
_LOT = re.compile(r" (lots?) ?(?:n ?o? )?([0-9]{1,3}[a-z]?|[a-z]) ")
_UNPLACED = None  # the pseudo-trade of work no configured trade covers


@dataclass(frozen=True)
class Inference:
    trade: Trade | None
    reason: str  # how it was inferred, or why not (French)
    basis: str | None = None  # "objet" or "cpv" when inferred


def cpv_digits(code: str) -> str:
    """'45320000-6' → '45320000'; keeps only the 8 digits of the code."""
    return re.sub(r"\D", "", str(code).split("-")[0])[:8]


def fold(text: str) -> str:
    """'Gros œuvre – Lot 8 : Vitrerie' → ' gros oeuvre lot 8 vitrerie ' (padded, for whole words)."""
    text = str(text).replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " " + _NOT_WORD.sub(" ", bare).strip() + " "


def _phrase(keyword: str) -> str:
    return fold(keyword)


class TradeInferrer:
    def __init__(self, trades: list[Trade], rules: InferenceRules | None = None) -> None:
        rules = rules or InferenceRules()
        self._phrases: list[tuple[str, Trade | None]] = [
            (_phrase(k), trade) for trade in trades for k in trade.keywords if fold(k).strip()
        ] + [(_phrase(k), _UNPLACED) for k in rules.unplaced_keywords if fold(k).strip()]
        self._neutral = [_phrase(k) for k in rules.neutral_phrases if fold(k).strip()]
        self._generic = [_phrase(k) for k in rules.whole_operation_keywords if fold(k).strip()]
        self._prefixes = sorted(
            [(p, trade) for trade in trades for p in trade.cpv_prefixes]
            + [(p, _UNPLACED) for p in rules.unplaced_cpv_prefixes],
            key=lambda item: -len(item[0]),
        )

    @classmethod
    def from_config(cls, config: "Config") -> "TradeInferrer":
        return cls(config.trades, config.trades_file.inference)

    def by_cpv(self, cpv: str) -> Trade | None:
        """The trade of the longest prefix matching the code (None: no trade, or work no trade covers)."""
        for prefix, trade in self._prefixes:
            if cpv.startswith(prefix):
                return trade
        return None

    def _named(self, text: str) -> list[tuple[int, Trade | None, str]]:
        """(position, trade or _UNPLACED, words) of the first mention of each trade, in text order."""
        first: dict[str | None, tuple[int, int, Trade | None, str]] = {}
        for phrase, trade in self._phrases:
            at = text.find(phrase)
            if at < 0:
                continue
            key = trade.key if trade is not None else None
            # earliest mention; at the same place the longer words win ("charpente metallique")
            candidate = (at, -len(phrase), trade, phrase.strip())
            if key not in first or candidate[:2] < first[key][:2]:
                first[key] = candidate
        mentions = sorted(first.values(), key=lambda m: m[:2])
        # "charpente metallique" (unplaced) and "charpente" (charpentier) start at one place: one mention
        kept: list[tuple[int, Trade | None, str]] = []
        for at, _length, trade, words in mentions:
            if any(k_at <= at < k_at + len(k_words) for k_at, _t, k_words in kept):
                continue
            kept.append((at, trade, words))
        return kept

    def infer(self, cpv_code: str | None, objet: str | None, *, text_damaged: bool = False) -> Inference:
        cpv = cpv_digits(cpv_code or "")
        cpv_trade = self.by_cpv(cpv) if cpv else None
        if text_damaged:
            return self._by_cpv_alone(cpv, cpv_trade, "texte de l'objet illisible")
        text = fold(objet or "")
        for phrase in self._neutral:
            text = text.replace(phrase, " ")
        lots = list(_LOT.finditer(text))
        is_lot = bool(lots)
        if lots:
            segments = [text[m.end() - 1:(lots[i + 1].start() + 1 if i + 1 < len(lots) else len(text))]
                        for i, m in enumerate(lots)]
            per_lot = [self._named(s) for s in segments]
            mains = {m[0][1].key if m[0][1] else None for m in per_lot if m}
            if len(mains) > 1:
                names = ", ".join(sorted(self._label(k) for k in mains))
                return Inference(None, f"non déduit : plusieurs lots de métiers différents ({names})")
            several_lots = len(lots) > 1 or any(m.group(1) == "lots" for m in lots)
            named = next((m for m in per_lot if m), [])
            if several_lots and len({t.key if t else None for _a, t, _w in named}) > 1:
                names = ", ".join(self._label(t.key if t else None) for _a, t, _w in named)
                return Inference(None, f"non déduit : plusieurs lots de métiers différents ({names})")
            if not named and several_lots:
                return Inference(None, "non déduit : l'objet couvre plusieurs lots sans nommer leur métier")
            if not named:
                named = self._named(text[: lots[0].start() + 1])
        else:
            named = self._named(text)
        if named:
            return self._by_words(named, cpv, cpv_trade, is_lot)
        generic = next((g.strip() for g in self._generic if g in text), None)
        if generic:
            return Inference(None, f"non déduit : l'objet décrit une opération entière (« {generic} »), pas un métier")
        return self._by_cpv_alone(cpv, cpv_trade, "l'objet ne nomme aucun métier")

    def _by_words(self, named, cpv: str, cpv_trade: Trade | None, is_lot: bool) -> Inference:
        _at, first, words = named[0]
        if first is _UNPLACED:
            return Inference(None, f"non déduit : l'objet décrit des travaux qu'aucun métier configuré ne couvre (« {words} »)")
        trades = [t for _a, t, _w in named if t is not None]
        if len(trades) == 1:
            return Inference(first, f"mots de l'objet (« {words} »)", "objet")
        if is_lot or (cpv_trade is not None and cpv_trade in trades):
            return Inference(first, f"premier métier nommé par l'objet (« {words} »)", "objet")
        names = ", ".join(self._label(t.key if t else None) for _a, t, _w in named)
        return Inference(None, f"non déduit : l'objet nomme plusieurs métiers ({names}) et le code CPV {cpv or 'absent'} ne tranche pas")

    @staticmethod
    def _by_cpv_alone(cpv: str, cpv_trade: Trade | None, why: str) -> Inference:
        if cpv_trade is not None:
            return Inference(cpv_trade, f"code CPV {cpv} ({why})", "cpv")
        if not cpv:
            return Inference(None, f"non déduit : {why} et le code CPV est absent")
        return Inference(None, f"non déduit : {why} et le code CPV {cpv} ne désigne aucun métier configuré")

    @staticmethod
    def _label(key: str | None) -> str:
        return key if key is not None else "travaux non couverts"
