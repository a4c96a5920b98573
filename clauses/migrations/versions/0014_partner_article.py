"""partner article: the partner's name as a sentence introduces it (« organisée par le GEIQ BTP 63 »)

Revision ID: 0014_partner_article
Revises: 0013_no_replacement
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_partner_article"
down_revision = "0013_no_replacement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("partners", sa.Column("name_in_sentence", sa.String(210), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("name_in_sentence")
