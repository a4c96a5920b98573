"""inbound replies: iTIP REPLY messages and plain-text answers taken in by email

Revision ID: 0008_inbound_replies
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_inbound_replies"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dedupe_key", sa.String(80), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="SET NULL"), nullable=True),
        sa.Column("candidate_id", sa.Integer(), sa.ForeignKey("candidates.id", ondelete="SET NULL"), nullable=True),
        sa.Column("partstat", sa.String(20), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("reply_stamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sender", sa.String(254), nullable=True),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("excerpt", sa.String(1000), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("dedupe_key", name="uq_inbound_replies_dedupe_key"),
    )
    op.create_index("ix_inbound_replies_needs_review", "inbound_replies", ["needs_review"])
    op.create_index("ix_inbound_replies_event_id", "inbound_replies", ["event_id"])
    op.create_index("ix_inbound_replies_candidate_id", "inbound_replies", ["candidate_id"])


def downgrade() -> None:
    op.drop_table("inbound_replies")
