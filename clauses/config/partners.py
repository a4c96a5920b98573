"""Partners (GEIQ, federations, France Travail agencies, training centres) and their venues."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from clauses.config.base import StrictModel

PartnerKind = Literal["geiq", "federation", "france_travail", "training_centre", "plie", "siae"]
EventKind = Literal["information_session", "discovery", "poec", "recruitment"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Blackout(StrictModel):
    start: dt.date
    end: dt.date
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> "Blackout":
        if self.end < self.start:
            raise ValueError("la fin précède le début")
        return self


class Venue(StrictModel):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    address: str
    commune: str
    capacity: int = Field(gt=0)
    # Rooms (or workshops) where events run at the same time: a cohort occupies one for its whole
    # length, a one-day event one for its day.
    rooms: int = Field(default=1, gt=0)
    weekdays: list[Weekday] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    blackouts: list[Blackout] = Field(default_factory=list)


class Partner(StrictModel):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    # The article that introduces the name inside a sentence (« organisée par le GEIQ BTP 63 », « avec
    # la FFB », « avec France Travail »): none by default. « l' » as typed, or « l’ ».
    article: Literal["le", "la", "l’", "l'", "les", ""] = ""
    kind: PartnerKind
    email: str | None = None
    phone: str | None = None
    # Trade keys this partner organises events for; empty means every trade.
    trades: list[str] = Field(default_factory=list)
    event_kinds: list[EventKind] = Field(default_factory=list)
    # How many events (or cohorts) this partner can run at the same time.
    concurrent_capacity: int = Field(default=1, gt=0)
    weekdays: list[Weekday] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    blackouts: list[Blackout] = Field(default_factory=list)
    venues: list[Venue] = Field(default_factory=list)

    @property
    def in_sentence(self) -> str:
        """'le GEIQ BTP 63', 'l’AFPA', 'France Travail Clermont-Ferrand Nord'."""
        if not self.article:
            return self.name
        return f"l’{self.name}" if self.article in ("l’", "l'") else f"{self.article} {self.name}"


class Partners(StrictModel):
    partners: list[Partner] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "Partners":
        keys = [p.key for p in self.partners]
        venue_keys = [v.key for p in self.partners for v in p.venues]
        for what, values in (("clé de partenaire", keys), ("clé de lieu", venue_keys)):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{what} en double : {', '.join(dupes)}")
        return self
