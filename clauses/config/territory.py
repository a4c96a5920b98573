"""The territory: who runs the clause cell, where, in which time zone and school-holiday zone."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clauses.config.base import StrictModel


class Commune(StrictModel):
    name: str
    insee: str = Field(pattern=r"^\d[0-9AB]\d{3}$")
    postal_codes: list[str] = Field(min_length=1)


class TerritoryFilter(StrictModel):
    """Which DECP records belong to the territory, whatever the type of their place code."""

    departements: list[str] = Field(min_length=1)
    # When set, postal and commune codes must be one of these communes (INSEE or postal code).
    restrict_to_communes: bool = True
    # A record placed only by its département code (no commune) is kept when True.
    keep_departement_level: bool = True


class Territory(StrictModel):
    name: str
    short_name: str
    timezone: str = "Europe/Paris"
    school_holiday_zone: Literal["A", "B", "C"] = "A"
    filter: TerritoryFilter
    communes: list[Commune] = Field(min_length=1)

    def commune_for_code(self, code: str) -> Commune | None:
        """The commune whose INSEE or postal code is ``code``, if it belongs to the territory."""
        for commune in self.communes:
            if code == commune.insee or code in commune.postal_codes:
                return commune
        return None
