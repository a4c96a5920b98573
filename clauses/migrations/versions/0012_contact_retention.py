"""contact retention: retention runs count the company contacts they retired

Revision ID: 0012_contact_retention
Revises: 0011_employers (company_contacts); depends on 0006_reporting (retention_runs)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_contact_retention"
down_revision = "0011_employers"
branch_labels = None
depends_on = "0006_reporting"


def upgrade() -> None:
    op.add_column("retention_runs", sa.Column("company_contacts_retired", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("retention_runs") as batch:
        batch.drop_column("company_contacts_retired")
