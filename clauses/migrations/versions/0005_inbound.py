"""inbound: the candidate each email event was matched to

Revision ID: 0005_inbound
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_inbound"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("email_events") as batch:
        batch.add_column(sa.Column("candidate_id", sa.Integer(), nullable=True))
        batch.create_index("ix_email_events_candidate_id", ["candidate_id"])
        batch.create_foreign_key(
            "fk_email_events_candidate_id_candidates", "candidates", ["candidate_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("email_events") as batch:
        batch.drop_constraint("fk_email_events_candidate_id_candidates", type_="foreignkey")
        batch.drop_index("ix_email_events_candidate_id")
        batch.drop_column("candidate_id")
