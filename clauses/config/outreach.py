"""Outreach settings: who is invited, how many, reminders, follow-ups, weekly caps, the ledger.

Owned by outreach (see ``clauses/outreach`` and ``clauses/messages``). Defaults in
``config/outreach.yaml``, each with its source where one exists.
"""

from __future__ import annotations

from pydantic import Field

from clauses.config.base import StrictModel


class PriorityWeights(StrictModel):
    """Who is invited first when there are more candidates than invitations: the publics the clause
    targets. Eligibility labels are compared case- and accent-insensitively."""

    qpv_resident: float = 3.0
    eligibility: dict[str, float] = Field(
        default_factory=lambda: {
            "deld": 2.0,
            "rsa": 2.0,
            "jeune_sans_qualification": 1.5,
            "travailleur_handicape": 1.5,
            "senior": 1.0,
        }
    )


class OutreachSettings(StrictModel):
    # rdv-insertion: an invitation is valid 10 days by default (> 3 days).
    invitation_valid_days: int = Field(default=10, gt=3)
    reminder_days_before: int = Field(default=2, ge=1)
    max_messages_per_week: int = Field(default=3, gt=0)
    # Invitations go out only for events starting at least this many days ahead.
    min_days_before_event: int = Field(default=3, ge=0)
    # Communes whose residents are within reach of the territory's events, besides the territory's own.
    extra_reach_communes: list[str] = Field(default_factory=list)
    priority: PriorityWeights = PriorityWeights()
    # Invitations per event = ceil(capacity ÷ this rate) when the plan gives no target; the planner's
    # conversion rate invited → attended is the default (config/planning.yaml).
    invited_to_attended: float | None = Field(default=None, gt=0, le=1)
    # Post-POEC outcome request: this many weeks after the cohort ends.
    outcome_request_weeks_after: int = Field(default=12, ge=1)
    # "We missed you" / thanks are sent within this many days after the event, not later.
    followup_window_days: int = Field(default=14, ge=1)
    # Ledger: a message left "sending" by a killed run is released for re-sending only after this
    # many hours without SendGrid's `processed` event (None: only a coordinator releases it).
    release_unconfirmed_after_hours: float | None = Field(default=24.0, gt=0)
    # Waiting list: a freed place is held this many hours for the next person, then offered on.
    waitlist_offer_hours: float = Field(default=48.0, gt=0)
    # Calendar alarm: minutes before the event.
    alarm_minutes_before: int = Field(default=24 * 60, ge=0)
