"""Planner settings: conversion rates of the funnel, team limits, calendars, solver limits.

Owned by the planner (see ``clauses/planning``). Defaults in ``config/planning.yaml``.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from clauses.config.base import StrictModel


RATE_NAMES = ("invited_to_attended", "attended_to_selected", "selected_to_completed", "completed_to_hired")


class PlausibleRange(StrictModel):
    """An observed rate outside [low, high] is refused: the configured rate is used instead."""

    low: float = Field(ge=0, le=1)
    high: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> "PlausibleRange":
        if self.high <= self.low:
            raise ValueError("high must be above low")
        return self


def _default_plausible() -> dict[str, PlausibleRange]:
    return {
        "invited_to_attended": PlausibleRange(low=0.15, high=0.9),
        "attended_to_selected": PlausibleRange(low=0.15, high=0.95),
        "selected_to_completed": PlausibleRange(low=0.4, high=1.0),
        "completed_to_hired": PlausibleRange(low=0.2, high=1.0),
    }


class ConversionRates(StrictModel):
    invited_to_attended: float = Field(gt=0, le=1)
    attended_to_selected: float = Field(gt=0, le=1)
    selected_to_completed: float = Field(gt=0, le=1)
    completed_to_hired: float = Field(gt=0, le=1)
    # Observed outcomes replace a configured rate once its denominator has this many people.
    min_observations: int = Field(default=30, ge=1)
    # Observed rates outside these ranges are refused (the configured rate is kept, with the reason).
    plausible: dict[str, PlausibleRange] = Field(default_factory=_default_plausible)

    @field_validator("plausible", mode="after")
    @classmethod
    def _known_rates(cls, value: dict[str, PlausibleRange]) -> dict[str, PlausibleRange]:
        unknown = sorted(set(value) - set(RATE_NAMES))
        if unknown:
            raise ValueError(f"unknown rate(s) {', '.join(unknown)}; known: {', '.join(RATE_NAMES)}")
        return {**_default_plausible(), **value}


class CalendarRules(StrictModel):
    """Which calendars an event kind avoids."""

    avoid_public_holidays: bool = True
    avoid_school_holidays: bool = False


class Calendars(StrictModel):
    school_zone: str = Field(default="A", pattern=r"^[ABC]$")
    discovery: CalendarRules = CalendarRules(avoid_public_holidays=True, avoid_school_holidays=True)
    poec: CalendarRules = CalendarRules(avoid_public_holidays=True, avoid_school_holidays=True)
    # No event starts in these months (1-12): the building trades' summer closure.
    closed_months: list[int] = Field(default_factory=lambda: [8])


class EventTimes(StrictModel):
    """Local (Europe/Paris) times of day of the events."""

    discovery_start: str = Field(default="09:00", pattern=r"^\d\d:\d\d$")
    poec_start: str = Field(default="09:00", pattern=r"^\d\d:\d\d$")
    poec_end: str = Field(default="17:00", pattern=r"^\d\d:\d\d$")
    information_session_start: str = Field(default="09:30", pattern=r"^\d\d:\d\d$")
    recruitment_start: str = Field(default="14:00", pattern=r"^\d\d:\d\d$")


class ObjectiveWeights(StrictModel):
    """Weights of the solver's second level, once on-time coverage is maximised: person-weeks of
    lateness against the number of events."""

    late_person_week: int = Field(default=100, gt=0)
    event: int = Field(default=1, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> "ObjectiveWeights":
        if self.late_person_week < self.event:
            raise ValueError("les poids doivent décroître : late_person_week >= event")
        return self


class RollingSettings(StrictModel):
    """How plans longer than ``window_weeks`` are built: a rolling horizon of whole-model solves
    (``clauses/planning/horizon.py``): windows of ``window_weeks`` weeks, moving by ``step_weeks``,
    each solved for ``window_time_limit_seconds`` deterministic seconds; a plan of at most
    ``window_weeks`` weeks is solved whole (``solver_time_limit_seconds``)."""

    window_weeks: int = Field(default=52, ge=8, le=260)
    step_weeks: int = Field(default=26, ge=1, le=260)
    window_time_limit_seconds: float = Field(default=2.4, gt=0)
    # Share of a window's time for coverage when only its first step is kept (not the last window).
    window_coverage_share: float = Field(default=0.875, gt=0, le=1)
    # The need of the first firm_weeks weeks is planned first, alone, and kept (0: no such stage).
    firm_weeks: int = Field(default=26, ge=0, le=260)
    # Then the first improve_windows windows are solved again on the whole model (0: not done).
    improve_windows: int = Field(default=3, ge=0)
    improve_time_limit_seconds: float = Field(default=1.0, gt=0)
    # Windows starting far_weeks or more after the plan's start: far_window_time_limit_seconds each.
    far_weeks: int | None = Field(default=104, ge=0)
    far_window_time_limit_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _step_in_window(self) -> "RollingSettings":
        if self.step_weeks > self.window_weeks or self.firm_weeks > self.window_weeks:
            raise ValueError("step_weeks and firm_weeks must not exceed window_weeks")
        return self


class PlanningSettings(StrictModel):
    conversion: ConversionRates
    max_events_per_week: int = Field(gt=0)
    solver_time_limit_seconds: float = Field(default=30.0, gt=0)
    solver_seed: int = 0
    # Deterministic searches run side by side on the machine's cores, the best plan kept
    # (``model._Solver``): more people on time for more CPU time, the same plan for the same input.
    solver_searches: int = Field(default=1, ge=1, le=8)
    # Discovery events for a cohort are held in one of this many weeks before its selection lead time.
    discovery_window_weeks: int = Field(default=2, ge=1, le=8)
    # How many weeks a plan looks ahead when the need does not say (three years).
    horizon_weeks: int = Field(default=156, ge=4, le=260)
    calendars: Calendars = Calendars()
    times: EventTimes = EventTimes()
    weights: ObjectiveWeights = ObjectiveWeights()
    rolling: RollingSettings = RollingSettings()
