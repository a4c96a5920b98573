"""Planner settings: conversion rates of the funnel, team limits, solver limits.

Owned by the planner (see ``clauses/planning``). Defaults in ``config/planning.yaml``.
"""

from __future__ import annotations

from pydantic import Field

from clauses.config.base import StrictModel


class ConversionRates(StrictModel):
    invited_to_attended: float = Field(gt=0, le=1)
    attended_to_selected: float = Field(gt=0, le=1)
    selected_to_completed: float = Field(gt=0, le=1)
    completed_to_hired: float = Field(gt=0, le=1)


class PlanningSettings(StrictModel):
    conversion: ConversionRates
    max_events_per_week: int = Field(gt=0)
    solver_time_limit_seconds: float = Field(default=30.0, gt=0)
    solver_seed: int = 0
