"""The outcome report: how hires turn into insertion hours covered, and the funnel's options.

Owned by ``clauses/reporting``. Defaults in ``config/reporting.yaml``. The conversion-rate
fallbacks and the minimum number of observations are the planner's (``config/planning.yaml``).
"""

from __future__ import annotations

from pydantic import Field

from clauses.config.base import StrictModel


class ReportingSettings(StrictModel):
    # Insertion hours one hire is counted for (ANRU PNRU: 21 M h by 56,000 people ≈ 375 h;
    # national 2014: 8.4 M h by 21,000 people = 400 h).
    hours_per_hire: float = Field(default=400.0, gt=0)
    # A hire cannot cover more than full time from the hire date to the end of the forecast horizon.
    weekly_hours: float = Field(default=35.0, gt=0, le=48)
    # Email event types counted as bounces and as unsubscribes (SendGrid event names).
    bounce_event_types: list[str] = Field(default_factory=lambda: ["bounce", "dropped"])
    unsubscribe_event_types: list[str] = Field(
        default_factory=lambda: ["unsubscribe", "group_unsubscribe", "spamreport"]
    )
