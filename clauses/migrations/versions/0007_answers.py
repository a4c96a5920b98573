"""answers: link tokens of messages, per-trade opt-outs, waitlist offers

Revision ID: 0007_answers
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_answers"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_message_tokens_message_id_messages"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_message_tokens_token_hash")),
    )
    op.create_index("ix_message_tokens_message_id", "message_tokens", ["message_id"])
    op.create_table(
        "trade_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("trade_key", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"], name=op.f("fk_trade_opt_outs_candidate_id_candidates"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_opt_outs")),
        sa.UniqueConstraint("candidate_id", "trade_key", name=op.f("uq_trade_opt_outs_candidate_id")),
    )
    op.create_index("ix_trade_opt_outs_candidate_id", "trade_opt_outs", ["candidate_id"])
    with op.batch_alter_table("participations") as batch:
        batch.add_column(sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participations") as batch:
        batch.drop_column("offer_expires_at")
    op.drop_index("ix_trade_opt_outs_candidate_id", table_name="trade_opt_outs")
    op.drop_table("trade_opt_outs")
    op.drop_index("ix_message_tokens_message_id", table_name="message_tokens")
    op.drop_table("message_tokens")
