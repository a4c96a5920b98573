"""Data retention: how long an inactive candidate's personal data is kept, and what happens then.

Owned by the retention job (``clauses/retention.py``). Defaults in ``config/retention.yaml``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clauses.config.base import StrictModel


class RetentionSettings(StrictModel):
    # No activity (import, status change, message sent) for this many months: personal data goes.
    inactive_months: int = Field(default=24, ge=1, le=120)
    # "anonymise": the candidate row stays without anything personal (aggregates keep their people);
    # "delete": the row goes, its outcomes are kept without the person (anonymous_participations).
    mode: Literal["anonymise", "delete"] = "anonymise"
    # Also delete the candidate's messages from the file transport's outbox (.eml files hold
    # names and addresses).
    delete_outbox_files: bool = True
