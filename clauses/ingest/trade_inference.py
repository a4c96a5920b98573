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
_NO_PREFIX = object()  # a code no configured prefix starts


@dataclass(frozen=True)
class Inference:
    trade: Trade | None
    reason: str  # how it was inferred, or why not (French)
    basis: str | None = None  # "objet" or "cpv" when inferred


def cpv_digits(code: str) -> str:
    """'45320000-6' → '45320000'; keeps only the 8 digits of the code."""
    return re.sub(r"\D", "", str(code).split("-")[0])[:8]


class _FoldedCharacters(dict):
    """Each character as ``fold`` writes it, worked out the first time it is met: ligatures split,
    decomposed (NFKD), accents dropped, case folded. Folding a text character by character is
    folding it whole (casefold needs no context; the combining marks NFKD would reorder are the
    ones dropped), and ``str.translate`` does it in C, without a Python step per character."""

    _LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}

    def __missing__(self, code: int) -> str:
        character = chr(code)
        decomposed = unicodedata.normalize("NFKD", self._LIGATURES.get(character, character))
        folded = self[code] = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        return folded


_FOLDED = _FoldedCharacters()


def fold(text: str) -> str:
    """'Gros œuvre – Lot 8 : Vitrerie' → ' gros oeuvre lot 8 vitrerie ' (padded, for whole words)."""
    text = str(text)
    # No accent to remove in ASCII: NFKD and casefold of ASCII are identity and lower().
    bare = text.lower() if text.isascii() else text.translate(_FOLDED)
    return " " + _NOT_WORD.sub(" ", bare).strip() + " "


Mention = tuple[int, "Trade | None", str]  # (place in the folded text, trade or _UNPLACED, words)


class TradeInferrer:
    """Build once per run (``from_config`` reads the configuration's ``inference`` block too)."""

    def __init__(self, trades: list[Trade], rules: InferenceRules | None = None) -> None:
        rules = rules or InferenceRules()
        # (folded words, trade or _UNPLACED, words as configured: quoted in reasons)
        self._phrases: list[tuple[str, Trade | None, str]] = [
            (fold(k), trade, k) for trade in trades for k in trade.keywords if fold(k).strip()
        ] + [(fold(k), _UNPLACED, k) for k in rules.unplaced_keywords if fold(k).strip()]
        self._neutral = [fold(k) for k in rules.neutral_phrases if fold(k).strip()]
        self._whole = [(fold(k), k) for k in rules.whole_operation_keywords if fold(k).strip()]
        # Each prefix's trade (the first configured, if two name it), looked up from the longest.
        self._by_prefix: dict[str, Trade | None] = {}
        for prefix, trade in [(p, t) for t in trades for p in t.cpv_prefixes] + [(p, _UNPLACED) for p in rules.unplaced_cpv_prefixes]:
            self._by_prefix.setdefault(prefix, trade)
        self._prefix_lengths = sorted({len(prefix) for prefix in self._by_prefix}, reverse=True)
        # The phrases by their first word, in configured order: a folded text is single-spaced and
        # padded, so a phrase occurs only where one of the text's words begins; looking up each word
        # of the text finds every phrase's first place without searching the text for each phrase.
        self._by_first_word: dict[str, list[tuple[int, str, Trade | None, str]]] = {}
        for index, (phrase, trade, words) in enumerate(self._phrases):
            self._by_first_word.setdefault(phrase.split()[0], []).append((index, phrase, trade, words))

    @classmethod
    def from_config(cls, config: "Config") -> "TradeInferrer":
        return cls(config.trades, config.trades_file.inference)

    def by_cpv(self, cpv: str) -> Trade | None:
        """The trade of the longest prefix matching the code (None: no trade, or work no trade covers)."""
        for length in self._prefix_lengths:
            if (found := self._by_prefix.get(cpv[:length], _NO_PREFIX)) is not _NO_PREFIX:
                return found
        return None

    def infer(self, cpv_code: str | None, objet: str | None, *, text_damaged: bool = False) -> Inference:
        cpv = cpv_digits(cpv_code or "")
        cpv_trade = self.by_cpv(cpv) if cpv else None
        if text_damaged:
            return self._by_cpv_alone(cpv, cpv_trade, "texte de l'objet illisible")
        text = fold(objet or "")
        for phrase in self._neutral:
            text = text.replace(phrase, " ")
        lots = list(_LOT.finditer(text))
        if lots:
            several = len(lots) > 1 or lots[0].group(1) == "lots"
            ends = [m.start() + 1 for m in lots[1:]] + [len(text)]
            named = [m for lot, end in zip(lots, ends) for m in self._named(text[lot.end() - 1:end])]
            if several and len({_key(t) for _a, t, _w in named}) > 1:
                return Inference(None, f"non déduit : plusieurs lots de métiers différents ({_names(named)})")
            if several and not named:
                return Inference(None, "non déduit : l'objet couvre plusieurs lots sans nommer leur métier")
            named = named or self._named(text[: lots[0].start() + 1])  # a lot without title: the operation
        else:
            named = self._named(text)
        if named:
            return self._by_words(named, cpv, cpv_trade, is_lot=bool(lots))
        whole = next((words for phrase, words in self._whole if phrase in text), None)
        if whole:
            return Inference(None, f"non déduit : l'objet décrit une opération entière (« {whole} »), pas un métier")
        return self._by_cpv_alone(cpv, cpv_trade, "l'objet ne nomme aucun métier")

    def _named(self, text: str) -> list[Mention]:
        """The first mention of each trade (and of uncovered work) in ``text``, in text order."""
        # key → (place, -length, order of the key's first phrase found, trade, words): the earliest
        # mention; at one place the longer words win ("charpente métallique"), then configured order.
        first: dict[str | None, list] = {}
        by_first_word = self._by_first_word
        at = text.find(" ")
        while at >= 0:
            following = text.find(" ", at + 1)
            if following < 0:
                break
            for index, phrase, trade, words in by_first_word.get(text[at + 1:following], ()):
                if not text.startswith(phrase, at):
                    continue
                key = _key(trade)
                known = first.get(key)
                if known is None:
                    first[key] = [at, -len(phrase), index, trade, words]
                else:
                    if index < known[2]:
                        known[2] = index
                    if (at, -len(phrase)) < (known[0], known[1]):
                        known[0], known[1], known[3], known[4] = at, -len(phrase), trade, words
            at = following
        kept: list[Mention] = []
        ends: list[tuple[int, int]] = []
        for at, length, _index, trade, words in sorted(first.values(), key=lambda m: m[:3]):
            # words inside longer words already kept ("charpente" in "charpente métallique"): one mention
            if not any(start <= at < end for start, end in ends):
                kept.append((at, trade, words))
                ends.append((at, at - length - 1))
        return kept

    @staticmethod
    def _by_words(named: list[Mention], cpv: str, cpv_trade: Trade | None, *, is_lot: bool) -> Inference:
        _at, first, words = named[0]
        if first is _UNPLACED:
            return Inference(None, f"non déduit : l'objet décrit des travaux qu'aucun métier configuré ne couvre (« {words} »)")
        trades = {t.key for _a, t, _w in named if t is not None}
        if len(trades) == 1:
            return Inference(first, f"mots de l'objet (« {words} »)", "objet")
        if is_lot or (cpv_trade is not None and cpv_trade.key in trades):
            return Inference(first, f"premier métier nommé par l'objet (« {words} »)", "objet")
        return Inference(None, f"non déduit : l'objet nomme plusieurs métiers ({_names(named)}) "
                               f"et le code CPV {cpv or 'absent'} ne tranche pas")

    @staticmethod
    def _by_cpv_alone(cpv: str, cpv_trade: Trade | None, why: str) -> Inference:
        if cpv_trade is not None:
            return Inference(cpv_trade, f"code CPV {cpv} ({why})", "cpv")
        if not cpv:
            return Inference(None, f"non déduit : {why} et le code CPV est absent")
        return Inference(None, f"non déduit : {why} et le code CPV {cpv} ne désigne aucun métier configuré")


def _key(trade: Trade | None) -> str | None:
    return trade.key if trade is not None else None


def _names(named: list[Mention]) -> str:
    return ", ".join(t.label if t is not None else "travaux non couverts" for _a, t, _w in named)
