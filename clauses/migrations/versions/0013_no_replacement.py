"""no replacement: a recruitment event cancelled without another wanted for its cohorts

Revision ID: 0013_no_replacement
Revises: 0012_contact_retention
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_no_replacement"
down_revision = "0012_contact_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("no_replacement", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("no_replacement")
