"""reporting: retention runs (counts only) and anonymous outcomes of deleted candidates

Revision ID: 0006_reporting
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_reporting"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("inactive_months", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("candidates_examined", sa.Integer(), nullable=False),
        sa.Column("candidates_inactive", sa.Integer(), nullable=False),
        sa.Column("candidates_anonymised", sa.Integer(), nullable=False),
        sa.Column("candidates_deleted", sa.Integer(), nullable=False),
        sa.Column("identities_deleted", sa.Integer(), nullable=False),
        sa.Column("participations_archived", sa.Integer(), nullable=False),
        sa.Column("messages_scrubbed", sa.Integer(), nullable=False),
        sa.Column("outbox_files_deleted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    op.create_table(
        "anonymous_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("retention_run_id", sa.Integer(), nullable=False),
        sa.Column("person_token", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reached", sa.JSON(), nullable=False),
        sa.Column("contract_type", sa.String(length=40), nullable=True),
        sa.Column("hired_on", sa.Date(), nullable=True),
        sa.Column("bounced", sa.Boolean(), nullable=False),
        sa.Column("unsubscribed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["retention_run_id"], ["retention_runs.id"],
            name=op.f("fk_anonymous_participations_retention_run_id_retention_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_anonymous_participations_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_participations")),
    )
    op.create_index(
        op.f("ix_anonymous_participations_retention_run_id"), "anonymous_participations", ["retention_run_id"]
    )
    op.create_index(op.f("ix_anonymous_participations_person_token"), "anonymous_participations", ["person_token"])
    op.create_index(op.f("ix_anonymous_participations_event_id"), "anonymous_participations", ["event_id"])


def downgrade() -> None:
    op.drop_table("anonymous_participations")
    op.drop_table("retention_runs")
