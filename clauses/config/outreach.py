"""Outreach settings: invitation validity, reminders, weekly caps, how far candidates travel.

Owned by outreach (see ``clauses/outreach``). Defaults in ``config/outreach.yaml``.
"""

from __future__ import annotations

from pydantic import Field

from clauses.config.base import StrictModel


class OutreachSettings(StrictModel):
    # rdv-insertion: an invitation is valid 10 days by default (> 3 days).
    invitation_valid_days: int = Field(default=10, gt=3)
    reminder_days_before: int = Field(default=2, ge=1)
    max_messages_per_week: int = Field(default=3, gt=0)
