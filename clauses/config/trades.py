"""Trades: ROME code, labour figures, loading curve, and how discovery events and POEC run."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from clauses.config.base import StrictModel

LoadingCurve = Literal["uniform", "trapezoid", "s_curve"]


class PoecParameters(StrictModel):
    """A POEC cohort for this trade (Code du travail L6326-3: at most 400 hours)."""

    hours: int = Field(gt=0, le=400)
    duration_weeks: int = Field(gt=0, le=26)
    min_size: int = Field(gt=0)
    max_size: int = Field(gt=0)
    # Weeks between the end of the discovery events and the cohort start (interviews, selection).
    lead_weeks_after_discovery: int = Field(ge=0)

    @model_validator(mode="after")
    def _sizes(self) -> "PoecParameters":
        if self.min_size > self.max_size:
            raise ValueError("min_size ne doit pas dépasser max_size")
        return self


class DiscoveryParameters(StrictModel):
    """A découverte métiers for this trade."""

    duration_hours: float = Field(gt=0, le=8)
    capacity: int = Field(gt=0)
    exterior: bool = False  # held on site: bad weather and winter matter


class InformationSessionParameters(StrictModel):
    """An information session ("information collective", often France Travail's) held before a
    cohort's selection, to present the trade and the training."""

    weeks_before_selection: int = Field(ge=0, le=12)  # lead before the cohort's selection
    duration_hours: float = Field(gt=0, le=8)
    capacity: int = Field(gt=0)  # seats


class RecruitmentParameters(StrictModel):
    """A recruitment event (job dating): trained candidates meet the companies holding the clauses."""

    # Held within this many weeks after the cohort ends (and before the need it serves).
    window_weeks_after_cohort: int = Field(default=4, ge=0, le=26)
    duration_hours: float = Field(default=3, gt=0, le=8)
    candidate_capacity: int = Field(default=20, gt=0)  # candidates one event can receive
    employer_capacity: int = Field(default=8, gt=0)  # companies one event can receive


class Trade(StrictModel):
    key: str = Field(pattern=r"^[a-z0-9_]+$")
    rome: str = Field(pattern=r"^[A-N]\d{4}$")
    label: str
    labour_share: float = Field(gt=0, le=1)
    hourly_cost: float = Field(gt=0)
    insertion_rate: float = Field(gt=0, le=1)
    loading_curve: LoadingCurve
    cpv_prefixes: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    # None: the trade has no POEC; its discoveries' ready candidates go to recruitment events.
    poec: PoecParameters | None = None
    discovery: DiscoveryParameters
    # Optional first step of the chain; the last step (recruitment) has project defaults.
    information_session: InformationSessionParameters | None = None
    recruitment: RecruitmentParameters = Field(default_factory=RecruitmentParameters)

    @model_validator(mode="after")
    def _chain(self) -> "Trade":
        if self.information_session is not None and self.poec is None:
            raise ValueError("information_session précède la sélection d'une POEC : ce métier n'a pas de poec")
        return self


class InferenceRules(StrictModel):
    """Words and CPV codes the trade inference reads besides each trade's own (see trade_inference)."""

    # Work no configured trade covers (demolition, asbestos removal, landscaping…): named first in
    # an objet, or the longest CPV prefix matching a code, it means "not inferred".
    unplaced_keywords: list[str] = Field(default_factory=list)
    unplaced_cpv_prefixes: list[str] = Field(default_factory=list)
    # A whole operation ("tous corps d'état"): its CPV code alone must not name a trade.
    whole_operation_keywords: list[str] = Field(default_factory=list)
    # Phrases that contain a trade's words but name no work ("rez-de-chaussée"): ignored.
    neutral_phrases: list[str] = Field(default_factory=list)


class Trades(StrictModel):
    trades: list[Trade] = Field(min_length=1)
    inference: InferenceRules = Field(default_factory=InferenceRules)

    @model_validator(mode="after")
    def _unique(self) -> "Trades":
        for attr in ("key", "rome", "label"):
            values = [getattr(t, attr) for t in self.trades]
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{attr} de métier en double : {', '.join(dupes)}")
        return self
