"""awardees: companies, their lots, and the DECP flags of a lot (framework ceiling, damaged text)

Revision ID: 0009_awardees
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_awardees"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier_type", sa.String(length=20), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("person_like", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("identifier_type", "identifier", name=op.f("uq_companies_identifier_type")),
    )
    op.create_table(
        "lot_companies",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_lot_companies_company_id_companies")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_companies_lot_id_lots"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lot_id", "company_id", name=op.f("pk_lot_companies")),
    )
    op.create_index(op.f("ix_lot_companies_company_id"), "lot_companies", ["company_id"], unique=False)
    with op.batch_alter_table("lots") as batch:
        batch.add_column(sa.Column("framework_ceiling_hours", sa.Double(), nullable=True))
        batch.add_column(sa.Column("text_damaged", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("lots") as batch:
        batch.drop_column("text_damaged")
        batch.drop_column("framework_ceiling_hours")
    op.drop_index(op.f("ix_lot_companies_company_id"), table_name="lot_companies")
    op.drop_table("lot_companies")
    op.drop_table("companies")
