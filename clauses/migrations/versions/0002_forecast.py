"""forecast: snapshots of the labour-needs forecast and their rows

Revision ID: 0002_forecast
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_forecast"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

_MEASURES = ("hours", "fte", "headcount", "people")
_STATISTICS = ("mean", "p10", "p50", "p90")


def upgrade() -> None:
    op.create_table(
        "forecast_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("horizon_weeks", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("scenarios", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("input_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("lot_count", sa.Integer(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("previous_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("diagnostics", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["previous_snapshot_id"],
            ["forecast_snapshots.id"],
            name=op.f("fk_forecast_snapshots_previous_snapshot_id_forecast_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_snapshots")),
    )
    with op.batch_alter_table("forecast_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_snapshots_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_forecast_snapshots_input_fingerprint"), ["input_fingerprint"], unique=False
        )

    value_columns = [
        sa.Column(f"{measure}_{stat}", sa.Double(), nullable=False)
        for measure in _MEASURES
        for stat in _STATISTICS
    ]
    op.create_table(
        "forecast_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("trade_key", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        *value_columns,
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["forecast_snapshots.id"],
            name=op.f("fk_forecast_rows_snapshot_id_forecast_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_rows")),
    )
    with op.batch_alter_table("forecast_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_rows_snapshot_id"), ["snapshot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("forecast_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_rows_snapshot_id"))
    op.drop_table("forecast_rows")
    with op.batch_alter_table("forecast_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_snapshots_input_fingerprint"))
        batch_op.drop_index(batch_op.f("ix_forecast_snapshots_created_at"))
    op.drop_table("forecast_snapshots")
