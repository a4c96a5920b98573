"""``config/employers.yaml``: who is invited to recruitment events besides the awardees, and which
lots an event serves."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from clauses.config.base import StrictModel


def siret_well_formed(value: str) -> bool:
    """14 digits whose Luhn sum is a multiple of 10 (INSEE's check on a SIRET)."""
    if len(value) != 14 or not value.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(value)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


class GeiqMember(StrictModel):
    """A member company of the GEIQ: invited to the recruitment events of its trades."""

    siret: str
    name: str = Field(min_length=1, max_length=200)
    trades: list[str] = Field(default_factory=list)  # trade keys; empty: every trade

    @field_validator("siret", mode="before")
    @classmethod
    def _siret(cls, value):
        text = "".join(str(value).split())
        if not siret_well_formed(text):
            raise ValueError(f"SIRET invalide « {value} » : 14 chiffres dont la clé de Luhn est juste")
        return text


class EmployerSettings(StrictModel):
    # A recruitment event serves the lots of its trade with insertion hours still owed whose work
    # window overlaps [event day, event day + serving_window_weeks]: the jobs its candidates can
    # take. 26 weeks (project default): a hire on a contract of 6 months or more (the POEC's aim).
    serving_window_weeks: int = Field(default=26, ge=1, le=156)
    geiq_members: list[GeiqMember] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self):
        seen: set[str] = set()
        for index, member in enumerate(self.geiq_members):
            if member.siret in seen:
                raise ValueError(f"geiq_members[{index}] : SIRET {member.siret} donné deux fois")
            seen.add(member.siret)
        return self
